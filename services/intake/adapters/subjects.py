"""Resolves a customer to a pseudonymous subject through the shared subject index."""

from services.intake.domain.consultation import Customer
from services.intake.domain.errors import InvalidRequestError
from shared.crypto.errors import InvalidIdentityError
from shared.crypto.identities import IdentityKey, email_identity, phone_identity
from shared.crypto.subjects import SubjectIndex


class IndexedSubjects:
    """E-mail and phone both link to one subject; a customer with neither has none."""

    def __init__(self, index: SubjectIndex, default_phone_region: str = "JP") -> None:
        self._index = index
        self._region = default_phone_region

    async def resolve(self, customer: Customer) -> str | None:
        identities = self.identities(customer)
        if not identities:
            return None
        return await self._index.resolve(*identities)

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
