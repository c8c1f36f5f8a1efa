"""Who is signed in to the console, and the per-session CSRF secret every form carries.

A session is the same whichever way the user signed in (the development role picker, or
OpenID Connect): a subject, roles, and the bearer token the services are called with.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from shared.auth.roles import Role

SignInMethod = Literal["development", "oidc"]


@dataclass(frozen=True)
class SignedInUser:
    subject: str
    roles: tuple[Role, ...]
    method: SignInMethod
    # The user's own bearer token: the services' role checks stay the one authority.
    token: str = field(repr=False)
    # OpenID Connect only: the ID token, sent back to the provider as the hint at sign-out.
    id_token: str | None = field(default=None, repr=False)

    def has_any(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)


@dataclass(frozen=True)
class ConsoleSession:
    """`csrf` is compared with the token in every posted form; `user` is None until sign-in."""

    csrf: str = field(repr=False)
    user: SignedInUser | None = None

    def signed_in(self, user: SignedInUser, new_csrf: str) -> "ConsoleSession":
        # A new CSRF secret at sign-in: one planted before it is worth nothing after.
        return replace(self, user=user, csrf=new_csrf)

    def signed_out(self, new_csrf: str) -> "ConsoleSession":
        return ConsoleSession(csrf=new_csrf)


def roles_in_claims(claims: Mapping[str, object], claim: str) -> tuple[Role, ...]:
    """The caselog roles named at `claim` (a dotted path into nested objects), in the order
    given; a role caselog does not know is ignored, never trusted."""
    found: object = claims
    for step in claim.split("."):
        found = found.get(step) if isinstance(found, Mapping) else None
    names = [found] if isinstance(found, str) else found if isinstance(found, list) else []
    known = {role.value: role for role in Role}
    return tuple(
        dict.fromkeys(known[name] for name in names if isinstance(name, str) and name in known)
    )
