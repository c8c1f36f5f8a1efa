"""A case's data-encryption key (DEK): AES-256-GCM, known by its key id, never printed."""

from typing import final
from uuid import uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.crypto.errors import KeyMaterialError
from shared.crypto.secret import REDACTED

KEY_BYTES = 32
NONCE_BYTES = 12


def new_key_material() -> bytes:
    """32 random bytes for a fresh DEK (wrapped by a KEK before it is stored)."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def new_key_id() -> str:
    """A random key id; random rather than time-ordered, so it does not date the case."""
    return uuid4().hex


@final
class DataKey:
    """An unwrapped DEK. Holds only the cipher object, so the raw bytes cannot be read back."""

    __slots__ = ("_aead", "kid")

    def __init__(self, kid: str, material: bytes) -> None:
        if len(material) != KEY_BYTES:
            raise KeyMaterialError(f"data key {kid} is not {KEY_BYTES} bytes")
        self.kid = kid
        self._aead = AESGCM(material)

    def encrypt(self, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
        return self._aead.encrypt(nonce, plaintext, associated_data)

    def decrypt(self, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
        """Raises cryptography's InvalidTag when anything (data, nonce, tag, binding) differs."""
        return self._aead.decrypt(nonce, ciphertext, associated_data)

    def __repr__(self) -> str:
        return f"DataKey(kid={self.kid!r}, key={REDACTED})"

    __str__ = __repr__
