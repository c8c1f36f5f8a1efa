"""What policy remembers of a subject (per case the contacts, final answers, repeats, decisions
and what the record holds; per person the conduct findings) and the intake events, as policy
reads them, that change it. No personal data, only facts; pure, so replay folds the same way."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from pydantic import AwareDatetime, Field

from services.policy.domain.catalogue import RuleId
from services.policy.domain.decision import Decision
from services.policy.domain.facts import (
    ClosureReason,
    ConsultationFacts,
    PriorContact,
    PriorDecision,
    SubjectHistory,
)
from shared.frozen import FrozenModel


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


def subject_key(subject_id: str | None, case_id: str) -> str:
    """Whose state an event changes: the subject, else the case (matching the message key, so
    one partition, read in order, owns each state)."""
    return subject_id or case_key(case_id)


def case_key(case_id: str) -> str:
    """The key of a case without a subject (its state, or its erasure marker)."""
    return f"case:{case_id}"


def erasure_keys(subject_id: str | None, case_id: str) -> tuple[str, ...]:
    """The erasure markers that keep an event from building state: its subject's, its case's."""
    case = case_key(case_id)
    return (subject_id, case) if subject_id else (case,)


class CaseRecord(FrozenModel):
    """What closing a case needs the record to hold (record-completeness, art. 7)."""

    has_content: bool = False
    has_times: bool = False
    has_customer: bool = False
    has_channel: bool = False
    has_handler: bool = False


class CaseState(FrozenModel):
    relationship: str = "unknown"
    has_email_or_phone: bool = False
    record: CaseRecord = CaseRecord()
    contacts: tuple[PriorContact, ...] = ()
    final_answers: tuple[AwareDatetime, ...] = ()
    # Customer contacts since the last final answer, counted as they arrive rather than
    # derived from timestamps, which platforms do not always get right.
    repeats: int = 0
    decisions: tuple[PriorDecision, ...] = ()


class ConductFinding(FrozenModel):
    case_id: str
    decision: PriorDecision


class SubjectState(FrozenModel):
    """Repeats and final answers belong to a case (one matter); conduct belongs to the person,
    so a first-offence warning is given once per person, not once per case."""

    cases: dict[str, CaseState] = Field(default_factory=dict)
    conduct: tuple[ConductFinding, ...] = ()

    def case(self, case_id: str) -> CaseState:
        return self.cases.get(case_id, CaseState())

    def history(self, case_id: str) -> SubjectHistory:
        case = self.case(case_id)
        elsewhere = [f.decision for f in self.conduct if f.case_id != case_id]
        return SubjectHistory(
            prior_contacts=case.contacts,
            final_answers=case.final_answers,
            prior_decisions=tuple(sorted([*case.decisions, *elsewhere], key=lambda d: d.at)),
            repeat_count_since_final_answer=case.repeats,
        )

    def with_case(self, case_id: str, case: CaseState) -> "SubjectState":
        return self.model_copy(update={"cases": {**self.cases, case_id: case}})

    def with_decision(self, case_id: str, at: datetime, decision: Decision) -> "SubjectState":
        """Remembers `decision`, made at `at`, on the case (and, citing conduct, on the person)."""
        rules = tuple(dict.fromkeys(reason.rule.value for reason in decision.reasons))
        prior = PriorDecision(at=at, outcome=decision.outcome, rules=rules)
        case = self.case(case_id)
        state = self.with_case(
            case_id, case.model_copy(update={"decisions": (*case.decisions, prior)})
        )
        if RuleId.CONDUCT not in rules:
            return state
        finding = ConductFinding(case_id=case_id, decision=prior)
        return state.model_copy(update={"conduct": (*state.conduct, finding)})

    def without_cases(self, case_ids: Collection[str]) -> "SubjectState":
        """What is left once `case_ids` are erased: their cases and the conduct found in them go."""
        return SubjectState(
            cases={key: case for key, case in self.cases.items() if key not in case_ids},
            conduct=tuple(f for f in self.conduct if f.case_id not in case_ids),
        )
