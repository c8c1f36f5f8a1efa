"""Reveals over the shared key store: the codec decrypts for a reader granted every class,
which records builds only after the caller's role was checked (see domain/access.py)."""

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import BaseModel

from services.records.domain.errors import UnreadableFieldsError
from shared.crypto.codec import FieldCodec
from shared.crypto.data_key import DataKey
from shared.crypto.errors import CryptoError, KeyDestroyedError
from shared.crypto.grants import ALL_CLASSES, Reader
from shared.crypto.runtime import PersonalData


class _DestroyedKeys:
    """The key source of a case whose key is known to be destroyed: no key, no lookup."""

    async def get(self, case_id: str) -> DataKey:
        raise KeyDestroyedError(f"the data key of case {case_id} was destroyed")

    async def create_or_get(self, case_id: str) -> DataKey:
        raise KeyDestroyedError(f"the data key of case {case_id} was destroyed")


# Renders every personal field `[erased]` without a key-store query per event.
_ERASED = FieldCodec(_DestroyedKeys())


class KeyStoreFields:
    """The PersonalFields port on the service's PersonalData."""

    def __init__(self, personal: PersonalData) -> None:
        self._personal = personal

    async def reveal(
        self,
        payload: Mapping[str, Any],
        schema: type[BaseModel],
        *,
        case_id: str,
        event_id: str,
        reader: str,
        key_destroyed: bool = False,
    ) -> dict[str, Any]:
        codec = _ERASED if key_destroyed else self._personal.codec
        try:
            return await codec.decrypt(
                payload,
                schema,
                case_id=case_id,
                event_id=event_id,
                reader=Reader(reader, ALL_CLASSES),
            )
        except CryptoError as error:
            # No key was ever made, or a ciphertext does not authenticate where it stands.
            raise UnreadableFieldsError(f"event {event_id}: {type(error).__name__}") from None

    async def destroyed_keys(self, case_ids: Collection[str]) -> frozenset[str]:
        return await self._personal.keys.evict_destroyed(list(case_ids))

    async def key_destroyed(self, case_id: str) -> bool:
        return await self._personal.keys.tombstone(case_id) is not None

    def forget_key(self, case_id: str) -> None:
        self._personal.keys.evict(case_id)

    def forget_all_keys(self) -> None:
        self._personal.keys.forget_cached_keys()
