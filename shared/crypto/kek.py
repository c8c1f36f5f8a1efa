"""Key-encryption keys (KEKs): the interfaces every provider meets (a fixed KEK, a keyring of
epoch KEKs), a local AES KEK, and a fixed keyring (the KEKs configured before key epochs)."""

import hashlib
import hmac
import os
import struct
from typing import Protocol, final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.crypto.data_key import KEY_BYTES, NONCE_BYTES
from shared.crypto.errors import CryptoError, KeyMaterialError, UnknownKekError
from shared.crypto.secret import REDACTED, SecretBytes

_WRAP_LABEL = b"caselog.kek.v1"


class KeyEncryptionKey(Protocol):
    """What the key store needs from a KEK, a keyring or a cloud KMS / Vault transit client.

    Async because a remote provider answers over the network; a local one simply
    does not await anything.
    """

    @property
    def kek_id(self) -> str:
        """The id of the KEK that `wrap` uses now; stored beside every wrapped DEK."""
        ...

    async def wrap(self, dek: bytes) -> bytes: ...

    async def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        """The DEK; UnknownKekError if `kek_id` is not held, CryptoError if it fails."""
        ...


class EpochKeyring(Protocol):
    """Where epoch KEKs live: one made fresh for each epoch, used by id, destroyed at its close.

    Implemented by a folder of key files and by a PKCS#11 token (an HSM); a cloud KMS or Vault
    transit fits too (docs/decisions/0009-key-epochs.md). Async because a remote keyring
    answers over the network.
    """

    async def create(self) -> str:
        """A new KEK in the keyring; its id (stored beside every key it wraps)."""
        ...

    async def wrap(self, kek_id: str, dek: bytes) -> bytes:
        """`dek` sealed under KEK `kek_id`; UnknownKekError if the keyring does not hold it."""
        ...

    async def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        """The DEK; UnknownKekError if `kek_id` is not held (never was, or destroyed),
        CryptoError if the wrapped key does not authenticate."""
        ...

    async def destroy(self, kek_id: str) -> None:
        """Destroy KEK `kek_id` for good; idempotent (an unknown id is already gone)."""
        ...

    async def holds(self, kek_id: str) -> bool:
        """Whether KEK `kek_id` is still in the keyring."""
        ...


def wrap_binding(kek_id: str) -> bytes:
    """The associated data of a wrapped DEK: binds it to the KEK id stored beside it, so a
    wrapped key cannot be passed off as one of another KEK."""
    return _WRAP_LABEL + struct.pack(">I", len(kek_id)) + kek_id.encode()


@final
class AesKek:
    """A 32-byte KEK held in this process (from a key file or an environment variable)."""

    __slots__ = ("_aead", "_kek_id")

    def __init__(self, material: SecretBytes) -> None:
        if len(material) != KEY_BYTES:
            raise KeyMaterialError(f"a key-encryption key must be {KEY_BYTES} bytes")
        # Derived from the key (one-way, keyed), so the same key has the same id whatever
        # its source, and a changed key can never pass for the old one.
        digest = hmac.new(material.reveal(), b"caselog.kek-id", hashlib.sha256).hexdigest()
        self._kek_id = f"kek-{digest[:16]}"
        self._aead = AESGCM(material.reveal())

    @property
    def kek_id(self) -> str:
        return self._kek_id

    async def wrap(self, dek: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, dek, self._associated_data())

    async def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        if kek_id != self._kek_id:
            raise UnknownKekError(f"key-encryption key {kek_id} is not {self._kek_id}")
        try:
            nonce, sealed = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
            return self._aead.decrypt(nonce, sealed, self._associated_data())
        except InvalidTag:
            raise CryptoError(f"a data key wrapped by {kek_id} does not authenticate") from None

    def _associated_data(self) -> bytes:
        return wrap_binding(self._kek_id)

    def __repr__(self) -> str:
        return f"AesKek(kek_id={self._kek_id!r}, key={REDACTED})"

    __str__ = __repr__


@final
class Keyring:
    """Several fixed KEKs: the current one wraps, every one unwraps (KEK rotation). Since key
    epochs, these are the KEKs of keys stored before the first epoch close: they only unwrap."""

    __slots__ = ("_current", "_keks")

    def __init__(self, current: KeyEncryptionKey, *previous: KeyEncryptionKey) -> None:
        self._current = current
        self._keks = {kek.kek_id: kek for kek in (*previous, current)}

    @property
    def kek_id(self) -> str:
        return self._current.kek_id

    @property
    def kek_ids(self) -> frozenset[str]:
        return frozenset(self._keks)

    async def wrap(self, dek: bytes) -> bytes:
        return await self._current.wrap(dek)

    async def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        kek = self._keks.get(kek_id)
        if kek is None:
            raise UnknownKekError(f"key-encryption key {kek_id} is not in the keyring")
        return await kek.unwrap(kek_id, wrapped)

    def __repr__(self) -> str:
        return f"Keyring(current={self.kek_id!r}, kek_ids={sorted(self._keks)!r})"

    __str__ = __repr__
