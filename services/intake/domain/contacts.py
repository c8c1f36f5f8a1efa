"""What happens on a case after the first consultation; the models are the contracts'
(shared/contracts/intake.py), here only intake's own request shape for platform follow-ups."""

from services.intake.domain.errors import InvalidRequestError
from shared.contracts.intake import (
    CaseLink,
    ClosureReason,
    ClosureRequest,
    Contact,
    ContactKind,
    FactCheck,
    FactFindings,
    PlatformName,
    RecordingReference,
    Reference,
    Strict,
)

__all__ = [
    "CaseLink",
    "ClosureReason",
    "ClosureRequest",
    "Contact",
    "ContactKind",
    "FactCheck",
    "FactFindings",
    "PlatformClosure",
    "PlatformFollowUp",
    "RecordingReference",
    "handled_by",
]


class PlatformFollowUp(Strict):
    """A platform event about an existing ticket (a comment, a reply): becomes a Contact."""

    platform: PlatformName
    ticket_id: Reference
    contact: Contact


class PlatformClosure(Strict):
    """A ticket solved or closed on its platform: a close request on its case (policy decides).
    `event_id` is the platform's id of the status change, so a re-sent webhook is a repeat."""

    platform: PlatformName
    ticket_id: Reference
    event_id: Reference
    request: ClosureRequest


def handled_by(contact: Contact, handler: str | None) -> Contact:
    """`contact` with the handler the server decided: the agent whose token recorded an agent
    response (`handler`), none on a customer's contact or from a platform; a body naming
    anyone else is refused, so no caller can put a response on another agent's record."""
    decided = handler if contact.kind is ContactKind.AGENT_RESPONSE else None
    if contact.handled_by not in (None, decided):
        reason = "is decided by the server from an agent's token; leave it out"
        raise InvalidRequestError("handled_by", reason)
    return contact.model_copy(update={"handled_by": decided})
