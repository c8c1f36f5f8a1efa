"""The v1 ciphertext object of one personal field, bound to its case, event and field path.

Events written before decision 0031 carry it and still open; new events carry v2
(`class_ciphertext`). Privacy's copy keys are sealed with it too."""

import binascii
import os
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from pydantic import BaseModel, ConfigDict

from shared.crypto.data_key import NONCE_BYTES, DataKey
from shared.crypto.errors import CiphertextError

VERSION = "v1"
# Versioned and caselog-specific, so associated data never collides with another format's.
_AAD_LABEL = "caselog.field.v1"


class Ciphertext(BaseModel):
    """`{"enc": "v1", "kid": ..., "nonce": b64, "ct": b64}`; `ct` ends with the 16-byte tag."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enc: Literal["v1"]
    kid: str
    nonce: str
    ct: str


@dataclass(frozen=True, slots=True)
class FieldBinding:
    """Where a ciphertext belongs; it decrypts only at exactly this case, event and path."""

    case_id: str
    event_id: UUID | str
    path: str

    def associated_data(self, kid: str) -> bytes:
        # Each part prefixed by its length, so ("ab", "c") and ("a", "bc") never give
        # the same bytes; one f-string because this runs once per field.
        case, event, path = self.case_id, str(self.event_id), self.path
        return (
            f"{_AAD_LABEL}|{len(case)}:{case}|{len(event)}:{event}"
            f"|{len(path)}:{path}|{len(kid)}:{kid}"
        ).encode()


class SealedParts(Protocol):
    """What `open_sealed` reads: a `Ciphertext`, or what `parse` returns."""

    @property
    def kid(self) -> str: ...

    @property
    def nonce(self) -> str: ...

    @property
    def ct(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ParsedCiphertext:
    """A v1 ciphertext object checked field by field: as `Ciphertext` validates it, but a
    few times cheaper (this runs once per personal field read)."""

    kid: str
    nonce: str
    ct: str


_FIELDS = frozenset(Ciphertext.model_fields)


def seal(key: DataKey, plaintext: bytes, binding: FieldBinding) -> dict[str, str]:
    """Encrypt under a fresh random 96-bit nonce; returns the ciphertext object as a dict."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.encrypt(nonce, plaintext, binding.associated_data(key.kid))
    return {"enc": VERSION, "kid": key.kid, "nonce": b64(nonce), "ct": b64(sealed)}


def parse(value: Any, path: str) -> SealedParts:
    """The ciphertext object in `value`, or CiphertextError naming the path (never the value)."""
    if isinstance(value, Ciphertext):
        return value
    if isinstance(value, dict) and value.keys() == _FIELDS and value["enc"] == VERSION:
        kid, nonce, ct = value["kid"], value["nonce"], value["ct"]
        if type(kid) is str and type(nonce) is str and type(ct) is str:
            return ParsedCiphertext(kid, nonce, ct)
    raise CiphertextError(f"{path}: not a v1 ciphertext object")


def open_sealed(key: DataKey, ciphertext: SealedParts, binding: FieldBinding) -> bytes:
    """The plaintext, or CiphertextError if anything differs from what was sealed."""
    if ciphertext.kid != key.kid:
        raise CiphertextError(f"{binding.path}: sealed under key {ciphertext.kid}, not {key.kid}")
    try:
        # strict_mode: only the base64 alphabet, padding where it belongs (as validate=True).
        nonce = binascii.a2b_base64(ciphertext.nonce, strict_mode=True)
        sealed = binascii.a2b_base64(ciphertext.ct, strict_mode=True)
        if len(nonce) != NONCE_BYTES:
            raise CiphertextError(f"{binding.path}: nonce is not {NONCE_BYTES} bytes")
        return key.decrypt(nonce, sealed, binding.associated_data(key.kid))
    except (InvalidTag, ValueError):  # binascii.Error, or a str that is not ASCII
        raise CiphertextError(
            f"{binding.path}: ciphertext does not authenticate for case {binding.case_id},"
            f" event {binding.event_id} (altered, or moved from elsewhere)"
        ) from None


def b64(data: bytes) -> str:
    """Standard base64 without a newline: how both formats write their bytes."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")
