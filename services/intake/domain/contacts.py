"""What happens on a case after the first consultation; the models are the contracts'
(shared/contracts/intake.py), here only intake's own request shape for platform follow-ups."""

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
    "PlatformFollowUp",
    "RecordingReference",
]


class PlatformFollowUp(Strict):
    """A platform event about an existing ticket (a comment, a reply): becomes a Contact."""

    platform: PlatformName
    ticket_id: Reference
    contact: Contact
