"""The PKCS#11 keyring: epoch KEKs are non-extractable AES-256 keys generated inside a token
(an HSM, or SoftHSM2 in tests); wrap and unwrap are AES-GCM inside the token; destroying one
is C_DestroyObject, so no copy of the KEK ever existed outside the token."""

import asyncio
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, final
from uuid import uuid4

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.exceptions import NoSuchKey, PKCS11Error, UserAlreadyLoggedIn
from pkcs11.mechanisms import GCMParams

from shared.crypto.data_key import NONCE_BYTES
from shared.crypto.errors import CryptoError, KeyMaterialError, UnknownKekError
from shared.crypto.kek import wrap_binding
from shared.crypto.secret import REDACTED, SecretBytes

_T = TypeVar("_T")
_KEY_TEMPLATE = {
    Attribute.TOKEN: True,
    Attribute.PRIVATE: True,
    Attribute.SENSITIVE: True,
    Attribute.EXTRACTABLE: False,
    Attribute.ENCRYPT: True,
    Attribute.DECRYPT: True,
}


@final
class Pkcs11Keyring:
    """KEKs in the token labelled `token_label` of the PKCS#11 module `module`, found by label
    (= KEK id). One session per keyring, opened on first use; the token's calls block, so they
    run in a worker thread, one at a time (a PKCS#11 session is not for concurrent use)."""

    __slots__ = ("_lock", "_module", "_pin", "_session", "_token_label")

    def __init__(self, module: Path, token_label: str, pin: SecretBytes) -> None:
        self._module, self._token_label, self._pin = module, token_label, pin
        self._session: Any = None
        self._lock = threading.Lock()

    async def create(self) -> str:
        kek_id = f"kek-{uuid4().hex[:16]}"

        def generate(session: Any) -> None:
            session.generate_key(KeyType.AES, 256, label=kek_id, store=True, template=_KEY_TEMPLATE)

        await self._call(generate)
        return kek_id

    async def wrap(self, kek_id: str, dek: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)

        def encrypt(session: Any) -> bytes:
            key = _key(session, kek_id)
            params = GCMParams(nonce, wrap_binding(kek_id))
            return bytes(key.encrypt(dek, mechanism=Mechanism.AES_GCM, mechanism_param=params))

        return nonce + await self._call(encrypt)

    async def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        nonce, sealed = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]

        def decrypt(session: Any) -> bytes:
            key = _key(session, kek_id)
            params = GCMParams(nonce, wrap_binding(kek_id))
            try:
                return bytes(
                    key.decrypt(sealed, mechanism=Mechanism.AES_GCM, mechanism_param=params)
                )
            except PKCS11Error:
                raise CryptoError(f"a data key wrapped by {kek_id} does not authenticate") from None

        return await self._call(decrypt)

    async def destroy(self, kek_id: str) -> None:
        def destroy(session: Any) -> None:
            for key in session.get_objects(
                {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.LABEL: kek_id}
            ):
                key.destroy()

        await self._call(destroy)

    async def holds(self, kek_id: str) -> bool:
        def find(session: Any) -> bool:
            try:
                _key(session, kek_id)
            except UnknownKekError:
                return False
            return True

        return await self._call(find)

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    async def _call(self, operation: Callable[[Any], _T]) -> _T:
        def locked() -> _T:
            with self._lock:
                return operation(self._open())

        return await asyncio.to_thread(locked)

    def _open(self) -> Any:
        if self._session is None:
            try:
                token = pkcs11.lib(str(self._module)).get_token(token_label=self._token_label)
                try:
                    self._session = token.open(rw=True, user_pin=self._pin.reveal().decode())
                except UserAlreadyLoggedIn:
                    # PKCS#11 logs in per application, not per session: another keyring
                    # object in this process did, and this session shares that login.
                    self._session = token.open(rw=True)
            except (PKCS11Error, RuntimeError, OSError) as error:
                # The PIN never appears: only the module, the label and the error's type.
                raise KeyMaterialError(
                    f"cannot open PKCS#11 token {self._token_label!r} in {self._module}:"
                    f" {type(error).__name__}"
                ) from None
        return self._session

    def __repr__(self) -> str:
        return (
            f"Pkcs11Keyring(module={str(self._module)!r}, token={self._token_label!r},"
            f" pin={REDACTED})"
        )

    __str__ = __repr__


def _key(session: Any, kek_id: str) -> Any:
    try:
        return session.get_key(object_class=ObjectClass.SECRET_KEY, label=kek_id)
    except NoSuchKey:
        raise UnknownKekError(f"key-encryption key {kek_id} is not in the keyring") from None
