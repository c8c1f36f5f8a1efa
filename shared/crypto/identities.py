"""Normalized identities (e-mail, phone): the one spelling of a person the subject index hashes."""

import re
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


# Strict forms, for requests that destroy or disclose (erasure, access, holds): the whole
# string must be one e-mail address or one phone number. The lenient parsers above read
# what platforms send (phonenumbers finds a number inside free text, an extension after it);
# here a stray name or an "x1234" would pick a different person, so it is refused instead.
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_DOMAIN = re.compile(r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
# Digit groups with one separator between them, a leading + and one bracketed group allowed
# (+81 90-1234-5678, (03) 1234-5678, 03(1234)5678); one separator each, so no backtracking.
_PHONE = re.compile(r"\+?[0-9]*(\([0-9]+\))?[ .-]?[0-9]+([ .-][0-9]+)*")
MAX_EMAIL_LENGTH = 254
MAX_PHONE_LENGTH = 40


def strict_email_identity(raw: str) -> IdentityKey:
    """`email_identity` of a string that is exactly one address (dot-atom local part, a
    domain of letter-digit-hyphen labels), else InvalidIdentityError. Invisible characters are
    dropped first, as the lenient form does: they hide nothing, and they match nothing."""
    address = unicodedata.normalize("NFKC", without_invisible(raw)).strip()
    local, at, domain = address.partition("@")
    if (
        not at
        or len(address) > MAX_EMAIL_LENGTH
        or _EMAIL_LOCAL.fullmatch(local) is None
        or _EMAIL_DOMAIN.fullmatch(domain) is None
    ):
        raise InvalidIdentityError("is not exactly one e-mail address (local@domain.tld)")
    return email_identity(address)


def strict_phone_identity(raw: str, default_region: str = DEFAULT_PHONE_REGION) -> IdentityKey:
    """`phone_identity` of a string that is exactly one phone number (digits, an optional
    leading +, spaces, hyphens, dots or brackets between them; no extension, no other text).
    Invisible characters are dropped first."""
    text = unicodedata.normalize("NFKC", without_invisible(raw)).strip()
    if len(text) > MAX_PHONE_LENGTH or _PHONE.fullmatch(text) is None:
        raise InvalidIdentityError(
            "is not exactly one phone number (digits, +, spaces, hyphens, brackets only)"
        )
    return phone_identity(text, default_region)


def strict_identity(raw: str, default_region: str = DEFAULT_PHONE_REGION) -> IdentityKey:
    """Exactly one e-mail address (it holds an @) or exactly one phone number."""
    if "@" in unicodedata.normalize("NFKC", raw):
        return strict_email_identity(raw)
    return strict_phone_identity(raw, default_region)
