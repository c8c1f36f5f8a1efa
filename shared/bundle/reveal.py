"""Revealed text a bundle holder can check: which fields of a payload a reveal showed in
plaintext, and the commitments records signs for them at export time
(docs/decisions/0025-revealed-text-commitments.md).

Per revealed field the log's key signs (inside one C2SP signed note) the event id, the field
path, SHA-256 of the plaintext with a random salt, and SHA-256 of the stored ciphertext it was
decrypted from; the salt travels beside the plaintext, so a field withheld from a copy of the
bundle takes its salt with it and its commitment cannot be guessed from a list of names.
"""

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue

from shared.crypto.class_ciphertext import is_sealed
from shared.crypto.class_ciphertext import value_at as value_at  # the bundle checks use it
from shared.crypto.codec import ERASED
from shared.envelope import canonical_json
from shared.merkle import encoding

COMMITMENTS_HEADER = "caselog reveal commitments v1"
"""The note's first line: it can never read as a checkpoint (whose second line is a size)."""
SALT_BYTES = 32
_PLAINTEXT_LABEL = b"caselog.reveal.v1\x00"


class CommitmentsFormatError(ValueError):
    """A commitments note whose text is not the layout below (named, never quoted)."""


@dataclass(frozen=True, slots=True)
class FieldCommitment:
    event_id: str
    field: str  # dotted path, list items by index, as the codec names them
    plaintext_sha256: bytes
    ciphertext_sha256: bytes


@dataclass(frozen=True, slots=True)
class RevealCommitments:
    """The signed statement: records showed these plaintexts, decrypted from these
    ciphertexts, in the reveal its `access.recorded` event `access_event_id` accounts for."""

    origin: str
    case_id: str
    access_event_id: str
    fields: tuple[FieldCommitment, ...]

    def text(self) -> str:
        """The note text, one line each (C2SP signed-note text: no blank lines)."""
        lines = [
            COMMITMENTS_HEADER,
            f"origin {self.origin}",
            f"case {self.case_id}",
            f"access {self.access_event_id}",
            *(
                f"field {c.event_id} {c.field} {encoding.encode(c.plaintext_sha256)}"
                f" {encoding.encode(c.ciphertext_sha256)}"
                for c in self.fields
            ),
        ]
        if any(len(line.split(" ")) != len(line.split()) for line in lines[1:]):
            raise CommitmentsFormatError("an id or field path holds white space")
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> "RevealCommitments":
        lines = text.removesuffix("\n").split("\n")
        if len(lines) < 4 or lines[0] != COMMITMENTS_HEADER:
            raise CommitmentsFormatError(f"the note does not start with {COMMITMENTS_HEADER!r}")
        origin, case_id, access = (
            _labelled(line, label)
            for line, label in zip(lines[1:4], ("origin", "case", "access"), strict=True)
        )
        return cls(origin, case_id, access, tuple(_field(line) for line in lines[4:]))


def _labelled(line: str, label: str) -> str:
    found, _, value = line.partition(" ")
    if found != label or not value or " " in value:
        raise CommitmentsFormatError(f"expected the line {label!r} <value>")
    return value


def _field(line: str) -> FieldCommitment:
    parts = line.split(" ")
    if len(parts) != 5 or parts[0] != "field":
        raise CommitmentsFormatError("a field line is: field <event id> <path> <hash> <hash>")
    try:
        plaintext, ciphertext = encoding.decode(parts[3]), encoding.decode(parts[4])
    except ValueError:
        raise CommitmentsFormatError("a field line's hash is not canonical base64") from None
    if {len(plaintext), len(ciphertext)} != {hashlib.sha256().digest_size}:
        raise CommitmentsFormatError("a field line's hash is not SHA-256")
    return FieldCommitment(parts[1], parts[2], plaintext, ciphertext)


def plaintext_digest(salt: bytes, value: JsonValue) -> bytes:
    """SHA-256(label || salt || canonical JSON of the shown value)."""
    return hashlib.sha256(_PLAINTEXT_LABEL + salt + canonical_json(value)).digest()


def ciphertext_digest(value: JsonValue) -> bytes:
    """SHA-256 of the stored ciphertext object's canonical JSON, as it is in the event."""
    return hashlib.sha256(canonical_json(value)).digest()


def ciphertext_paths(value: Any, path: str = "") -> Iterator[str]:
    """Dotted paths (list items by index, as the codec names them) of every ciphertext."""
    if is_ciphertext(value):
        yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from ciphertext_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from ciphertext_paths(item, f"{path}.{index}" if path else str(index))


def revealed_paths(stored: Mapping[str, Any], shown: Mapping[str, Any]) -> tuple[str, ...]:
    """The ciphertext paths of `stored` that `shown` holds in plaintext (not `[erased]`)."""
    return tuple(path for path in ciphertext_paths(stored) if _is_plaintext(value_at(shown, path)))


def is_ciphertext(value: Any) -> bool:
    """A field's ciphertext object, v1 or v2 (a v2 field holds its own slice of its class's
    ciphertext, so its stored object is what its commitment hashes, as in v1)."""
    return is_sealed(value)


def _is_plaintext(value: Any) -> bool:
    return value is not None and value != ERASED and not is_ciphertext(value)


def payload_difference(
    stored: JsonValue, shown: JsonValue, revealed: Sequence[str], path: str = ""
) -> str:
    """Where `shown` differs from `stored` other than by a revealed plaintext or `[erased]` in
    place of a ciphertext: the dotted path, or "" if nowhere. A reveal changes nothing else."""
    if is_ciphertext(stored):
        if path in revealed or shown in (ERASED, stored):
            return ""
        return path
    if isinstance(stored, Mapping) and isinstance(shown, Mapping):
        if stored.keys() != shown.keys():
            return path or "the payload's fields"
        for key in stored:
            inner = f"{path}.{key}" if path else str(key)
            if found := payload_difference(stored[key], shown[key], revealed, inner):
                return found
        return ""
    if isinstance(stored, list) and isinstance(shown, list):
        if len(stored) != len(shown):
            return path
        for index, (old, new) in enumerate(zip(stored, shown, strict=True)):
            inner = f"{path}.{index}" if path else str(index)
            if found := payload_difference(old, new, revealed, inner):
                return found
        return ""
    return "" if stored == shown and type(stored) is type(shown) else path or "the payload"
