"""The v1 ciphertext object of one personal field, bound to its case, event and field path."""

import base64
import binascii
import os
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from cryptography.exceptions import InvalidTag
from pydantic import BaseModel, ConfigDict, ValidationError

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


def seal(key: DataKey, plaintext: bytes, binding: FieldBinding) -> dict[str, str]:
    """Encrypt under a fresh random 96-bit nonce; returns the ciphertext object as a dict."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.encrypt(nonce, plaintext, binding.associated_data(key.kid))
    return {"enc": VERSION, "kid": key.kid, "nonce": _b64(nonce), "ct": _b64(sealed)}


def parse(value: Any, path: str) -> Ciphertext:
    """The ciphertext object in `value`, or CiphertextError naming the path (never the value)."""
    try:
        return Ciphertext.model_validate(value)
    except ValidationError:
        raise CiphertextError(f"{path}: not a v1 ciphertext object") from None


def open_sealed(key: DataKey, ciphertext: Ciphertext, binding: FieldBinding) -> bytes:
    """The plaintext, or CiphertextError if anything differs from what was sealed."""
    if ciphertext.kid != key.kid:
        raise CiphertextError(f"{binding.path}: sealed under key {ciphertext.kid}, not {key.kid}")
    try:
        nonce = base64.b64decode(ciphertext.nonce, validate=True)
        sealed = base64.b64decode(ciphertext.ct, validate=True)
        if len(nonce) != NONCE_BYTES:
            raise CiphertextError(f"{binding.path}: nonce is not {NONCE_BYTES} bytes")
        return key.decrypt(nonce, sealed, binding.associated_data(key.kid))
    except (InvalidTag, binascii.Error):
        raise CiphertextError(
            f"{binding.path}: ciphertext does not authenticate for case {binding.case_id},"
            f" event {binding.event_id} (altered, or moved from elsewhere)"
        ) from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
