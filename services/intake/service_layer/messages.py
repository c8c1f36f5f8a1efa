"""The messages intake handles and what its writes answer.

Commands are the orders its entry points (REST, webhooks, the ingress topic) give; events are
what privacy announced that intake acts on, as intake reads them. Every command says who gives
it as the server decided: `platform` is the entry point's or the credential's (never the
body's), `caller` the token's subject on REST, `correlation_id` the request's.
"""

from dataclasses import dataclass

from services.intake.domain.consultation import Consultation
from services.intake.domain.contacts import (
    CaseLink,
    ClosureRequest,
    Contact,
    FactFindings,
    PlatformClosure,
    PlatformFollowUp,
    RecordingReference,
)

REST_PLATFORM = "rest"
"""The platform of what arrives on the REST API from a token without a `platform` claim."""
INGRESS_PLATFORM = "ingress"
"""The platform of our own JSON on the ingress topic when the message names none."""


@dataclass(frozen=True, slots=True)
class RecordConsultation:
    """Open a case for a platform's ticket and record its first event, once per ticket."""

    consultation: Consultation
    platform: str
    correlation_id: str | None = None
    # From a platform's webhook: the ticket sent again with another subject or description is
    # an update on its case (a customer contact), not a repeat of the first.
    records_changes: bool = False


@dataclass(frozen=True, slots=True)
class LogContact:
    """Record a follow-up on a case; once per platform contact id or Idempotency-Key.
    `handler` is the token's subject when an agent or supervisor gives it (none from a
    platform): who handled the case, if the contact is an agent response."""

    case_id: str
    contact: Contact
    platform: str
    caller: str | None = None
    idempotency_key: str | None = None
    correlation_id: str | None = None
    handler: str | None = None


@dataclass(frozen=True, slots=True)
class RequestClosure:
    """Record that someone asked to close a case (policy decides whether it may close)."""

    case_id: str
    request: ClosureRequest
    caller: str | None = None
    idempotency_key: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class AttachRecording:
    """Record a call recording's reference and digest on a case."""

    case_id: str
    recording: RecordingReference
    caller: str | None = None
    idempotency_key: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class LinkCase:
    """Record an agent's link of a case to an earlier case of the same customer."""

    case_id: str
    link: CaseLink
    caller: str | None = None
    idempotency_key: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class RecordFactCheck:
    """Record what an agent (`caller`, the token's subject) established about a case's facts;
    policy re-decides the case on it."""

    case_id: str
    findings: FactFindings
    caller: str
    idempotency_key: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class LogPlatformFollowUp:
    """A platform's event about a ticket it sent before: logged on that ticket's case."""

    follow_up: PlatformFollowUp
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class RequestPlatformClosure:
    """A platform solved or closed a ticket it sent before: a close request on its case."""

    closure: PlatformClosure
    correlation_id: str | None = None


CaseCommand = LogContact | RequestClosure | AttachRecording | LinkCase | RecordFactCheck
PlatformCommand = LogPlatformFollowUp | RequestPlatformClosure
IntakeCommand = RecordConsultation | CaseCommand | PlatformCommand


@dataclass(frozen=True, slots=True)
class CaseKeyDestroyed:
    """Privacy destroyed a case's data key (erasure, anonymization): intake must not keep it."""

    case_id: str


@dataclass(frozen=True, slots=True)
class SubjectErased:
    """Privacy erased a subject's cases: intake forgets their platform tickets and request
    keys, and destroys the keys of ingress dead letters that named one of `subject_ids`."""

    event_id: str
    request_id: str
    subject_ids: tuple[str, ...]
    erased_case_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class KeyEpochClosed:
    """Privacy closed a key epoch: every unwrapped key intake holds was wrapped by a dead KEK."""


PrivacyEvent = CaseKeyDestroyed | SubjectErased | KeyEpochClosed


@dataclass(frozen=True, slots=True)
class Accepted:
    """What a write answers: the case and the event that records it (the same on a retry)."""

    case_id: str
    event_id: str
    duplicate: bool = False
