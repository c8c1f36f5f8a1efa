"""C2SP signed notes: sign a text with note keys, parse a note, open it with trusted keys."""

from collections.abc import Sequence
from dataclasses import dataclass

from shared.merkle import encoding
from shared.merkle.errors import (
    MalformedNoteError,
    NoteError,
    SignatureError,
    UnverifiedNoteError,
)
from shared.merkle.keys import NoteSigner, NoteVerifier, is_valid_key_name

SIGNATURE_PREFIX = "\u2014 "
"""Em dash and space: the start of every signature line."""

MAX_SIGNATURES = 100
"""The spec wants a cap that admits at least 16; Go's note package allows 100."""


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key ID and the signature proper (without the key ID)."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{SIGNATURE_PREFIX}{self.name} {encoding.encode(blob)}\n"


@dataclass(frozen=True)
class Note:
    """A parsed note: its text (ending in a newline) and its signatures, not yet verified."""

    text: str
    signatures: tuple[NoteSignature, ...]


@dataclass(frozen=True)
class VerifiedNote:
    """A note that at least one trusted key signed; `unknown` are signatures by other keys."""

    text: str
    verified: tuple[NoteSignature, ...]
    unknown: tuple[NoteSignature, ...]


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """The signed note: `text`, a blank line, then one signature line per signer."""
    if not signers:
        raise NoteError("a note needs at least one signer")
    _check_text(text)
    message = text.encode()
    lines = (NoteSignature(s.name, s.key_id, s.sign(message)).line() for s in signers)
    return text + "\n" + "".join(lines)


def parse_note(note: str | bytes) -> Note:
    """Splits a note into text and signatures, checking only the syntax."""
    if isinstance(note, bytes):
        try:
            note = note.decode()
        except UnicodeDecodeError:
            raise MalformedNoteError("a note must be UTF-8") from None
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNoteError("a note needs a blank line between text and signatures")
    text, block = note[: split + 1], note[split + 2 :]
    _check_text(text)
    if not block.endswith("\n"):
        raise MalformedNoteError("a note ends with a signature line and a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNoteError(f"a note may carry at most {MAX_SIGNATURES} signatures")
    return Note(text, tuple(_parse_signature(line) for line in lines))


def open_note(note: str | bytes, verifiers: Sequence[NoteVerifier]) -> VerifiedNote:
    """Parses `note` and checks every signature by a trusted key; raises unless one verifies.

    Signatures by unknown keys are ignored, as the spec requires; a failing signature by
    a known key rejects the whole note.
    """
    trusted: dict[tuple[str, int], NoteVerifier] = {}
    for key in verifiers:
        if trusted.setdefault((key.name, key.key_id), key) != key:
            raise NoteError(f"two verifier keys are named {key.name}+{key.key_id:08x}")
    parsed = parse_note(note)
    message = parsed.text.encode()
    verified: list[NoteSignature] = []
    unknown: list[NoteSignature] = []
    for signature in dict.fromkeys(parsed.signatures):
        verifier = trusted.get((signature.name, signature.key_id))
        if verifier is None:
            unknown.append(signature)
        elif verifier.verify(message, signature.signature):
            verified.append(signature)
        else:
            raise SignatureError(f"invalid signature for key {verifier.name}+{verifier.key_id:08x}")
    if not verified:
        signers = ", ".join(f"{s.name}+{s.key_id:08x}" for s in unknown)
        raise UnverifiedNoteError(f"note has no signature from a trusted key (signed by {signers})")
    return VerifiedNote(parsed.text, tuple(verified), tuple(unknown))


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise MalformedNoteError("note text must be non-empty and end with a newline")
    if any(c < " " and c != "\n" for c in text):
        raise MalformedNoteError("note text must not contain control characters")
    try:
        text.encode()
    except UnicodeEncodeError:
        raise MalformedNoteError("note text must be valid Unicode") from None


def _parse_signature(line: str) -> NoteSignature:
    name, _, blob = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
    if not line.startswith(SIGNATURE_PREFIX) or not is_valid_key_name(name):
        raise MalformedNoteError("malformed signature line")
    try:
        raw = encoding.decode(blob)
    except ValueError:
        raise MalformedNoteError(f"signature by {name} is not base64") from None
    if len(raw) < 5:
        raise MalformedNoteError(f"signature by {name} is too short")
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:])
