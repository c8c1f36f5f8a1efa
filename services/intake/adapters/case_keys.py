"""Opens a case on the key store: the customer's pseudonymous subject and the case's data key."""

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncEngine

from services.intake.domain.consultation import Customer
from services.intake.domain.errors import InvalidRequestError
from services.intake.service_layer.ports import OpenedCase
from shared.crypto.errors import InvalidIdentityError
from shared.crypto.identities import IdentityKey, email_identity, phone_identity
from shared.crypto.key_store import KeyStore
from shared.crypto.subjects import SubjectIndex


class KeyStoreCaseOpener:
    """E-mail and phone both link to one subject; a customer with neither has none. When they
    lead to two subjects, those are linked into one (the index re-points the other's entries).

    Subject and key share one transaction (one connection, one commit), so a request that
    turns out to repeat an earlier one rolls both back and leaves nothing behind.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        index: SubjectIndex,
        keys: KeyStore,
        default_phone_region: str = "JP",
    ) -> None:
        self._engine = engine
        self._index = index
        self._keys = keys
        self._region = default_phone_region

    @contextlib.asynccontextmanager
    async def opening(self, case_id: str, customer: Customer) -> AsyncIterator[OpenedCase]:
        identities = self.identities(customer)  # refuses a malformed one before any I/O
        async with self._engine.begin() as connection:
            resolved = (
                await self._index.resolve_linking(connection, *identities) if identities else None
            )
            key = await self._keys.create_within(connection, case_id)
            if resolved is None:
                yield OpenedCase(None, key)
            else:
                yield OpenedCase(resolved.subject_id, key, resolved.linked)

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
