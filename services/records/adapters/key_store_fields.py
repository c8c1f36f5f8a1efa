"""Reveals over the shared key store: the codec decrypts for a reader granted every class,
which records builds only after the caller's role was checked (see domain/access.py)."""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from services.records.domain.errors import UnreadableFieldsError
from shared.crypto.errors import CryptoError
from shared.crypto.grants import ALL_CLASSES, Reader
from shared.crypto.runtime import PersonalData


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
    ) -> dict[str, Any]:
        try:
            return await self._personal.codec.decrypt(
                payload,
                schema,
                case_id=case_id,
                event_id=event_id,
                reader=Reader(reader, ALL_CLASSES),
            )
        except CryptoError as error:
            # No key was ever made, or a ciphertext does not authenticate where it stands.
            raise UnreadableFieldsError(f"event {event_id}: {type(error).__name__}") from None

    async def key_destroyed(self, case_id: str) -> bool:
        return await self._personal.keys.tombstone(case_id) is not None
