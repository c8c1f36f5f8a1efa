"""Authentication and authorization errors; messages say what is wrong, never the token."""

from shared.errors import CaselogError


class AuthError(CaselogError):
    """Base class of authentication and authorization failures."""


class NotAuthenticatedError(AuthError):
    """No token, or one that does not verify (answered 401)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"not authenticated: {reason}")
        self.field = "authorization"


class ForbiddenError(AuthError):
    """A valid token whose roles do not allow the request (answered 403)."""


class AuthConfigurationError(AuthError):
    """The service cannot verify tokens as configured (refuses to start)."""
