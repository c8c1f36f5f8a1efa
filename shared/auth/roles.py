"""The roles caselog knows and the principal a verified token describes."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PLATFORM = "platform"  # a support platform's integration
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    LEGAL = "legal"
    PRIVACY_OFFICER = "privacy_officer"
    ADMIN = "admin"


# Only these roles may ever see personal data in plaintext (and each reveal is recorded).
REVEALING_ROLES = frozenset({Role.LEGAL, Role.PRIVACY_OFFICER})


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: the token's subject, the roles it grants, and for a support platform's
    integration the platform its identity provider vouches for (the `platform` claim)."""

    subject: str
    roles: frozenset[Role]
    platform: str | None = None

    def has_any(self, allowed: frozenset[Role]) -> bool:
        return bool(self.roles & allowed)
