"""What the console's pages need from outside, as protocols the adapters implement.

A sign-in method turns a user's proof of identity into a `SignedInUser` (bearer token
included). The development picker implements it now; an OpenID Connect client (authlib's
authorization code flow with PKCE) plugs in later as a second implementation, with the
session cookie, CSRF checks and pages unchanged.
"""

from datetime import datetime
from typing import Any, Protocol

from services.console.domain.session import SignedInUser
from shared.auth.roles import Role


class DevelopmentSignIn(Protocol):
    def sign_in(self, role: Role) -> SignedInUser: ...


class ServicesApi(Protocol):
    """The four services' public HTTP APIs, called with the signed-in user's token."""

    async def case(self, case_id: str, as_of: datetime | None) -> dict[str, Any]: ...

    async def timeline(
        self, case_id: str, as_of: datetime | None, reveal_purpose: str | None = None
    ) -> dict[str, Any]: ...

    async def retention_due(self) -> dict[str, Any]: ...

    async def retention_due_by(self, as_of: datetime) -> dict[str, Any]:
        """A dry-run sweep report of what will have expired by `as_of`."""

    async def holds(self) -> list[dict[str, Any]]: ...

    async def overdue_requests(self) -> dict[str, Any]: ...
