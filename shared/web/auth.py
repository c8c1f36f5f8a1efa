"""Role checks for routes: `Depends(require_roles(Role.AGENT, ...))` answers 401 or 403."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth.errors import ForbiddenError, NotAuthenticatedError
from shared.auth.roles import Principal, Role
from shared.auth.verifier import TokenVerifier

bearer = HTTPBearer(auto_error=False, description="A JWT from the configured identity provider")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting callers with any of `roles`; it returns the caller."""
    allowed = frozenset(roles)

    async def authorized(request: Request, credentials: Credentials) -> Principal:
        if credentials is None:
            raise NotAuthenticatedError("send Authorization: Bearer <token>")
        verifier: TokenVerifier = request.app.state.token_verifier
        principal = verifier.verify(credentials.credentials)
        if not principal.has_any(allowed):
            needed = ", ".join(sorted(role.value for role in allowed))
            raise ForbiddenError(f"this needs one of the roles: {needed}")
        request.state.principal = principal
        return principal

    # Lets the role-by-endpoint test (and the docs) read what each route admits.
    authorized.allowed_roles = allowed  # type: ignore[attr-defined]
    return authorized
