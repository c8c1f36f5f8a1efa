"""Intake's errors; their messages name fields and ids, never the values sent to us."""

from shared.errors import CaselogError


class IntakeError(CaselogError):
    """Base class of everything intake refuses or fails at."""


class CaseNotFoundError(IntakeError):
    """A follow-up names a case that intake never opened."""

    def __init__(self, case_id: str) -> None:
        super().__init__(f"case {case_id} does not exist")
        self.field = "case_id"


class InvalidRequestError(IntakeError):
    """Input that is well-formed but not acceptable (e.g. a time in the future)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


class TicketNotFoundError(IntakeError):
    """A platform follow-up names a ticket whose creation intake never received."""

    def __init__(self, platform: str, ticket_id: str) -> None:
        super().__init__(f"{platform} ticket {ticket_id} was never received as a consultation")
        self.field = "ticket_id"
