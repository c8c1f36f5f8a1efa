"""Normalized identities (e-mail, phone): the one spelling of a person the subject index hashes."""

import unicodedata
from dataclasses import dataclass, field
from typing import Literal

import phonenumbers

from shared.crypto.errors import InvalidIdentityError
from shared.crypto.secret import REDACTED
from shared.invisible import without_invisible

IdentityKind = Literal["email", "phone"]
DEFAULT_PHONE_REGION = "JP"


@dataclass(frozen=True, slots=True)
class IdentityKey:
    """A normalized identity; personal data, so its repr shows the kind only."""

    kind: IdentityKind
    value: str = field(repr=False)

    def canonical(self) -> bytes:
        """The bytes to hash; the kind keeps an e-mail and a phone number apart."""
        return f"{self.kind}:{self.value}".encode()

    def __repr__(self) -> str:
        return f"IdentityKey(kind={self.kind!r}, value={REDACTED})"


def email_identity(raw: str) -> IdentityKey:
    """Trimmed, NFKC-normalized and lower-cased, so case and full-width forms agree; invisible
    characters dropped, so a zero-width space makes no second subject of one address."""
    address = unicodedata.normalize("NFKC", without_invisible(raw)).strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in address):
        raise InvalidIdentityError("e-mail address is not of the form local@domain.tld")
    return IdentityKey("email", address)


def phone_identity(raw: str, default_region: str = DEFAULT_PHONE_REGION) -> IdentityKey:
    """E.164 (`+819012345678`); national numbers are read as `default_region`'s. Invisible
    characters are dropped first, as for e-mail addresses."""
    text = unicodedata.normalize("NFKC", without_invisible(raw)).strip()
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        # phonenumbers' own message may quote the input.
        raise InvalidIdentityError("phone number cannot be parsed") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentityError(
            f"phone number is not a valid number (national numbers are read as {default_region})"
        )
    return IdentityKey(
        "phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    )
