"""Intake's errors; their messages name fields and ids, never the values sent to us."""

from shared.errors import CaselogError


class IntakeError(CaselogError):
    """Base class of everything intake refuses or fails at."""


class CaseNotFoundError(IntakeError):
    """A follow-up names a case that intake never opened."""

    def __init__(self) -> None:
        # The id is the caller's (it may be anything, a phone number too): not repeated.
        super().__init__("no case with this case_id exists")
        self.field = "case_id"


class InvalidRequestError(IntakeError):
    """Input that is well-formed but not acceptable (e.g. a time in the future)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


class TicketNotFoundError(IntakeError):
    """A platform follow-up names a ticket whose creation intake never received."""

    def __init__(self, platform: str) -> None:
        super().__init__(f"this {platform} ticket was never received as a consultation")
        self.field = "ticket_id"


class IdempotencyKeyReusedError(IntakeError):
    """An Idempotency-Key sent again with another body: a new request needs a new key."""

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was already used with a different body; use a new key"
        )
        self.field = "header.Idempotency-Key"
