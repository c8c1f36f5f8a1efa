"""Orders intake carries out, whatever the entry point (REST, webhook, ingress topic)."""

from dataclasses import dataclass

from services.intake.domain.consultation import Consultation
from services.intake.domain.contacts import (
    ClosureRequest,
    Contact,
    PlatformFollowUp,
    RecordingReference,
)


@dataclass(frozen=True, slots=True)
class RecordConsultation:
    consultation: Consultation
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class LogContact:
    case_id: str
    contact: Contact
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class RequestClosure:
    case_id: str
    request: ClosureRequest
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class AttachRecording:
    case_id: str
    recording: RecordingReference
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
