"""Orders intake carries out, whatever the entry point (REST, webhook, ingress topic).

Every command says who gives it as the server decided: `platform` is the entry point's or
the credential's (never the body's), `caller` the token's subject on REST.
"""

from dataclasses import dataclass

from services.intake.domain.consultation import Consultation
from services.intake.domain.contacts import (
    ClosureRequest,
    Contact,
    PlatformFollowUp,
    RecordingReference,
)

REST_PLATFORM = "rest"
"""The platform of what arrives on the REST API from a token without a `platform` claim."""
INGRESS_PLATFORM = "ingress"
"""The platform of our own JSON on the ingress topic when the message names none."""


@dataclass(frozen=True, slots=True)
class RecordConsultation:
    consultation: Consultation
    platform: str


@dataclass(frozen=True, slots=True)
class LogContact:
    case_id: str
    contact: Contact
    platform: str
    caller: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class RequestClosure:
    case_id: str
    request: ClosureRequest
    caller: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class AttachRecording:
    case_id: str
    recording: RecordingReference
    caller: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class LogPlatformFollowUp:
    """A platform's event about a ticket it sent before: logged on that ticket's case."""

    follow_up: PlatformFollowUp


@dataclass(frozen=True, slots=True)
class Accepted:
    """What a write answers: the case and the event that records it (the same on a retry)."""

    case_id: str
    event_id: str
    duplicate: bool = False


CaseCommand = LogContact | RequestClosure | AttachRecording
IntakeCommand = RecordConsultation | CaseCommand | LogPlatformFollowUp
