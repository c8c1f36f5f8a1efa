"""Intake's events as policy reads them: only what the rules need, identity reduced to whether
it was given. Adapters turn envelopes into these; the consumer and replay fold them."""

from dataclasses import dataclass
from datetime import datetime

from services.policy.domain.facts import ClosureReason, ConsultationFacts
from shared.envelope import Envelope


@dataclass(frozen=True, slots=True)
class ConsultationSeen:
    """`consultation.received`: opens a case; decided on every rule."""

    facts: ConsultationFacts


@dataclass(frozen=True, slots=True)
class CustomerContact:
    """`contact.logged` from the customer: a follow-up, where repeat and time-restraint apply."""

    at: datetime
    channel: str
    body: str
    duration_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class AgentResponse:
    """`contact.logged` from an agent: proves a handler, and may be the final answer."""

    at: datetime
    final_answer: bool


@dataclass(frozen=True, slots=True)
class ClosureSeen:
    """`closure.requested`: decided on the termination and record-completeness rules."""

    reason: ClosureReason
    requested_at: datetime
    supervisor_approved: bool = False


CaseEvent = ConsultationSeen | CustomerContact | AgentResponse | ClosureSeen


def subject_key(envelope: Envelope) -> str:
    """Whose state an event changes: the subject, else the case (matching the message key, so
    one partition, read in order, owns each state)."""
    return envelope.subject_id or case_key(envelope.case_id)


def case_key(case_id: str) -> str:
    """The key of a case without a subject (its state, or its erasure marker)."""
    return f"case:{case_id}"


def erasure_keys(envelope: Envelope) -> tuple[str, ...]:
    """The erasure markers that keep an event from building state: its subject's, its case's."""
    case = case_key(envelope.case_id)
    return (envelope.subject_id, case) if envelope.subject_id else (case,)
