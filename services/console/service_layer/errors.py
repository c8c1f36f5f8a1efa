"""The console's errors: one base, one subclass per answer a page gives."""

from shared.errors import CaselogError


class ConsoleError(CaselogError):
    """Base of every console error."""


class ServiceRefusedError(ConsoleError):
    """A service answered 401/403/404/422: the page says which, never the service's text.
    `field`: the input a 422 names (a form shows it there), when the service named one."""

    def __init__(self, service: str, status: int, field: str | None = None) -> None:
        super().__init__(f"{service} answered {status}")
        self.service = service
        self.status = status
        self.field = field


class ServiceUnavailableError(ConsoleError):
    """A service did not answer, or answered 5xx."""

    def __init__(self, service: str) -> None:
        super().__init__(f"{service} is unavailable")
        self.service = service


class InvalidSessionError(ConsoleError):
    """The session cookie's signature does not verify, or it expired."""


class CsrfError(ConsoleError):
    """A form came without the session's CSRF token (or with another)."""


class SignInRefusedError(ConsoleError):
    """Development sign-in asked of a production console."""


class SignInFailedError(ConsoleError):
    """The identity provider's answer signs no one in: `message_key` says why, to the user."""

    def __init__(self, message_key: str, status: int) -> None:
        super().__init__(f"sign-in failed ({message_key})")
        self.message_key = message_key
        self.status = status


class BadInputError(ConsoleError):
    """A page's input does not parse; `field` names it (its value is never repeated)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is not valid")
        self.field = field
