"""C2SP tlog-cosignature v1: a witness's timestamped Ed25519 signature over a checkpoint.

A witness signs `cosignature/v1\\ntime <unix seconds>\\n` + the checkpoint body; its signature
line carries the 8-byte big-endian timestamp before the 64-byte signature, and its key ID
hashes the type byte 0x04 (not the log's 0x01), so a witness key cannot pass as a log key.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.merkle import encoding
from shared.merkle.errors import SignatureError
from shared.merkle.keys import Ed25519Verifier
from shared.merkle.note import parse_note

COSIGNATURE_V1 = b"\x04"
"""The signed-note signature type byte of tlog-cosignature v1."""

_TIMESTAMP = 8
_ED25519_SIGNATURE = 64


def cosigned_message(timestamp: int, checkpoint_body: str) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{checkpoint_body}".encode()


@dataclass(frozen=True)
class CosignatureVerifier(Ed25519Verifier):
    """A witness's public key, in the vkey form `<name>+<hex key ID>+<base64(0x04 || key)>`."""

    SIGNATURE_TYPE = COSIGNATURE_V1

    def verify(self, message: bytes, signature: bytes) -> bool:
        """`message` is the checkpoint body; `signature` the timestamp and Ed25519 signature."""
        if len(signature) != _TIMESTAMP + _ED25519_SIGNATURE:
            return False
        timestamp = int.from_bytes(signature[:_TIMESTAMP], "big")
        try:
            self._key.verify(signature[_TIMESTAMP:], cosigned_message(timestamp, message.decode()))
        except (InvalidSignature, UnicodeDecodeError):
            return False
        return True


class CosignatureSigner:
    """A witness's private key (caselog runs no witness; unit tests sign with it)."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self.verifier = CosignatureVerifier(name, private_key.public_key().public_bytes_raw())
        self._private_key = private_key

    @classmethod
    def generate(cls, name: str) -> "CosignatureSigner":
        return cls(name, Ed25519PrivateKey.generate())

    def signature_line(self, checkpoint_body: str, timestamp: int | None = None) -> str:
        moment = int(time.time()) if timestamp is None else timestamp
        signature = self._private_key.sign(cosigned_message(moment, checkpoint_body))
        blob = self.verifier.key_id.to_bytes(4, "big") + moment.to_bytes(8, "big") + signature
        return f"\u2014 {self.verifier.name} {encoding.encode(blob)}\n"


@dataclass(frozen=True)
class Cosigned:
    """Which of the trusted witnesses cosigned a note, and when each said it did."""

    witnesses: tuple[str, ...]
    times: tuple[int, ...]


def cosigners(note: str | bytes, witnesses: Sequence[CosignatureVerifier]) -> Cosigned:
    """The trusted witnesses whose cosignature on `note` verifies. A signature line that
    claims a trusted witness's name and key ID but does not verify is an error, not a miss."""
    parsed = parse_note(note)
    message = parsed.text.encode()
    names: list[str] = []
    times: list[int] = []
    for witness in witnesses:
        for signature in parsed.signatures:
            if (signature.name, signature.key_id) != (witness.name, witness.key_id):
                continue
            if not witness.verify(message, signature.signature):
                raise SignatureError(f"invalid cosignature by witness {witness.name}")
            names.append(witness.name)
            times.append(int.from_bytes(signature.signature[:_TIMESTAMP], "big"))
            break
    return Cosigned(tuple(names), tuple(times))


def quorum_cosigners(
    note: str | bytes, witnesses: Sequence[CosignatureVerifier], quorum: int
) -> tuple[str, ...]:
    """The trusted witnesses that cosigned `note`, if at least `quorum` did; SignatureError
    naming the missing ones otherwise. A witness cosigns only a checkpoint consistent with
    every one it cosigned before, so a quorum of independent witnesses rules out a history
    shown to this holder alone."""
    names = cosigners(note, witnesses).witnesses
    if len(names) < quorum:
        missing = [w.name for w in witnesses if w.name not in names]
        raise SignatureError(
            f"{len(names)} of the witnesses you trust cosigned the checkpoint, {quorum} needed;"
            f" no cosignature by {', '.join(missing)}"
        )
    return names
