"""Opens a case on the key store: the customer's pseudonymous subject and the case's data key."""

import hashlib
import hmac

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.domain.consultation import Customer
from services.intake.domain.errors import InvalidRequestError
from services.intake.service_layer.ports import OpenedCase
from shared.crypto.data_key import DataKey
from shared.crypto.errors import InvalidIdentityError
from shared.crypto.identities import IdentityKey, email_identity, phone_identity
from shared.crypto.key_store import KeyStore
from shared.crypto.subjects import SubjectIndex


class KeyStoreCases:
    """The key store inside one transaction of a unit of work (see the `CaseKeys` port).

    E-mail and phone both link to one subject; a customer with neither has none. When they
    lead to two subjects, those are linked into one (the index re-points the other's entries).
    """

    def __init__(
        self,
        connection: AsyncConnection,
        index: SubjectIndex,
        keys: KeyStore,
        default_phone_region: str = "JP",
    ) -> None:
        self._connection = connection
        self._index = index
        self._keys = keys
        self._region = default_phone_region

    async def open(self, case_id: str, customer: Customer) -> OpenedCase:
        identities = self.identities(customer)  # refuses a malformed one before any I/O
        connection = self._connection
        resolved = (
            await self._index.resolve_linking(connection, *identities) if identities else None
        )
        key = await self._keys.create_within(connection, case_id)
        if resolved is None:
            return OpenedCase(None, key)
        return OpenedCase(resolved.subject_id, key, resolved.linked)

    def identities(self, customer: Customer) -> list[IdentityKey]:
        found = []
        for field, value, parse in (
            ("customer.email", customer.email, email_identity),
            ("customer.phone", customer.phone, self._phone),
        ):
            if value is None:
                continue
            try:
                found.append(parse(value))
            except InvalidIdentityError as error:
                raise InvalidRequestError(field, str(error)) from None
        return found

    def _phone(self, raw: str) -> IdentityKey:
        return phone_identity(raw, self._region)


# The digest key of a case is the data key's encryption of a fixed label under a reserved
# all-zero nonce: deterministic (the same label, nonce and associated data every time, so the
# nonce is never reused for another plaintext), secret without the data key, and gone with it.
_DIGEST_NONCE = bytes(12)
_DIGEST_LABEL = b"caselog intake request digest v1"


class CaseKeyRequestDigests:
    """HMAC-SHA256 of a request's canonical JSON under a key derived from the case's DEK: a
    retried request digests the same, and no one can test a guessed body without the key."""

    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys

    async def digest(self, case_id: str, request: BaseModel) -> bytes:
        return self.under(await self._keys.get(case_id), case_id, request)

    def under(self, data_key: DataKey, case_id: str, request: BaseModel) -> bytes:
        digest_key = data_key.encrypt(_DIGEST_NONCE, _DIGEST_LABEL, case_id.encode())
        body = request.model_dump_json(exclude_none=True).encode()
        return hmac.new(digest_key, body, hashlib.sha256).digest()
