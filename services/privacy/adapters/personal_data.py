"""Privacy's side of the personal-data machinery: decrypting kept envelopes (privacy holds the
grant for every field class) and finding or forgetting subjects by e-mail or phone."""

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from services.privacy.domain.errors import InvalidRequestError
from services.privacy.service_layer.messages import Identities
from shared.crypto.codec import FieldCodec
from shared.crypto.errors import InvalidIdentityError
from shared.crypto.grants import reader_for
from shared.crypto.identities import (
    IdentityKey,
    strict_email_identity,
    strict_identity,
    strict_phone_identity,
)
from shared.crypto.key_store import KeyStore
from shared.crypto.subjects import SubjectIndex
from shared.envelope import Envelope

READER = reader_for("privacy")


class CodecDecryptor:
    def __init__(self, codec: FieldCodec, keys: KeyStore) -> None:
        self._codec = codec
        self._keys = keys

    async def forget_destroyed(self, case_ids: Sequence[str]) -> frozenset[str]:
        return await self._keys.evict_destroyed(case_ids)

    async def decrypt(self, envelope: Envelope, schema: type[BaseModel]) -> dict[str, Any]:
        return await self._codec.decrypt(
            envelope.payload,
            schema,
            case_id=envelope.case_id,
            event_id=envelope.event_id,
            reader=READER,
        )


class IndexedSubjects:
    """The subject index, asked by identity; the identity itself is never kept.

    Requests that destroy or disclose name their subject strictly: each identity must be
    exactly one e-mail address or one phone number (`strict_identity`), never a number found
    inside other text.
    """

    def __init__(self, index: SubjectIndex, default_phone_region: str = "JP") -> None:
        self._index = index
        self._region = default_phone_region

    async def lookup(self, identities: Identities) -> tuple[str, ...]:
        found: dict[str, None] = {}
        for key in self._keys(identities):
            subject = await self._index.lookup(key)
            if subject is not None:
                found[subject] = None
        return await self._index.linked_sets(list(found))

    async def still_known(self, identities: Identities) -> bool:
        return bool(await self.lookup(identities))

    async def forget(self, subject_id: str) -> int:
        return await self._index.forget(subject_id)

    def _keys(self, identities: Identities) -> list[IdentityKey]:
        named = identities.named()
        if not named:
            raise InvalidRequestError("email", "give the subject's e-mail address or phone number")
        keys = []
        for field, value in named:
            parse = {"email": strict_email_identity, "phone": self._phone}.get(field, self._any)
            try:
                keys.append(parse(value))
            except InvalidIdentityError as error:
                raise InvalidRequestError(field, str(error)) from None
        return keys

    def _phone(self, raw: str) -> IdentityKey:
        return strict_phone_identity(raw, self._region)

    def _any(self, raw: str) -> IdentityKey:
        return strict_identity(raw, self._region)
