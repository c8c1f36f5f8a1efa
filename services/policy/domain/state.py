"""What policy remembers of a subject (per case the contacts, final answers, decisions and what
the record holds, what agents established, and the case's consultation still sealed, for a fact
check to re-decide on; per matter, the cases that are one affair, the repeats; per person the
conduct findings) and the intake events, as policy reads them, that change it. No readable
personal data, only facts; pure, so replay folds the same way."""

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, Field

from services.policy.domain.catalogue import RuleId
from services.policy.domain.decision import Decision
from services.policy.domain.facts import (
    ClosureReason,
    ConsultationFacts,
    DemandFacts,
    PriorContact,
    PriorDecision,
    ProductFacts,
    SubjectHistory,
)
from shared.frozen import FrozenModel


class SealedConsultation(FrozenModel):
    """A case's `consultation.received` payload as it arrived, its content still sealed under
    the case's key: what a fact check re-decides the case on, once opened again. Kept sealed,
    so policy's state holds no readable content; an erasure shreds it with the key."""

    event_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ConsultationSeen:
    """`consultation.received`: opens a case; decided on every rule. `product_key` names the
    product (not personal: a SKU or a product name) to find the matter it continues."""

    facts: ConsultationFacts
    product_key: str | None = None
    sealed: SealedConsultation | None = None


@dataclass(frozen=True, slots=True)
class CustomerContact:
    """`contact.logged` from the customer: a follow-up, decided on the contact rules and, when
    it carries a demand, on the demand rules as a consultation's demand would be."""

    at: datetime
    channel: str
    body: str
    duration_seconds: int | None = None
    demand: DemandFacts | None = None


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


@dataclass(frozen=True, slots=True)
class CaseLinkSeen:
    """`case.linked`: an agent says the case continues `linked_case_id`'s matter."""

    linked_case_id: str


@dataclass(frozen=True, slots=True)
class FactChecked:
    """`fact.checked`: an agent confirmed or ruled out a defect or a loss (None: not checked
    this time). `consultation` is the case's, opened again by the reader, to re-decide on."""

    at: datetime
    defect_confirmed: bool | None
    loss_confirmed: bool | None
    consultation: ConsultationFacts | None = None


CaseEvent = (
    ConsultationSeen | CustomerContact | AgentResponse | ClosureSeen | CaseLinkSeen | FactChecked
)


def product_key(sku: str | None, name: str | None) -> str | None:
    """What makes two cases' products the same: the SKU, else the name as folded for width,
    case and spacing (ｹﾄﾙ and ケトル, "Kettle  X" and "kettle x" are one product)."""
    if sku:
        return f"sku:{sku}"
    if name:
        return "name:" + " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    return None


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
    # Customer contacts since the matter's last final answer, counted as they arrive rather
    # than derived from timestamps, which platforms do not always get right. Kept on the case
    # that opened the matter (the matter's other cases leave theirs at 0).
    repeats: int = 0
    decisions: tuple[PriorDecision, ...] = ()
    # The case that opened this case's matter; None: it opened its own (as before matters).
    matter: str | None = None
    product_key: str | None = None
    product: ProductFacts | None = None  # as the consultation gave it, for a follow-up's demand
    # What agents established (fact.checked); None: not established yet.
    defect_confirmed: bool | None = None
    loss_confirmed: bool | None = None
    consultation: SealedConsultation | None = None


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

    def matter_of(self, case_id: str) -> str:
        """The case that opened `case_id`'s matter (`case_id` itself, if it did)."""
        return self.case(case_id).matter or case_id

    def matter_cases(self, case_id: str) -> list[CaseState]:
        """The cases of `case_id`'s matter, in the order they were opened."""
        matter = self.matter_of(case_id)
        cases = [case for key, case in self.cases.items() if (case.matter or key) == matter]
        return cases or [self.case(case_id)]

    def history(self, case_id: str) -> SubjectHistory:
        """What the rules see: the contacts, final answers and decisions of the whole matter,
        and conduct found anywhere on the person."""
        cases = self.matter_cases(case_id)
        matter = self.matter_of(case_id)
        in_matter = {key for key, case in self.cases.items() if (case.matter or key) == matter}
        elsewhere = [f.decision for f in self.conduct if f.case_id not in in_matter | {case_id}]
        decisions = [decision for case in cases for decision in case.decisions]
        return SubjectHistory(
            prior_contacts=tuple(sorted((c for case in cases for c in case.contacts), key=_at)),
            final_answers=tuple(sorted(a for case in cases for a in case.final_answers)),
            prior_decisions=tuple(sorted([*decisions, *elsewhere], key=_at)),
            repeat_count_since_final_answer=self.case(matter).repeats,
        )

    def answered_by(self, case_id: str, at: datetime) -> bool:
        """Whether the matter had a final answer by `at` (a later one was not yet given)."""
        cases = self.matter_cases(case_id)
        return any(answer <= at for case in cases for answer in case.final_answers)

    def with_repeats(self, case_id: str, repeats: int) -> "SubjectState":
        matter = self.matter_of(case_id)
        return self.with_case(matter, self.case(matter).model_copy(update={"repeats": repeats}))

    def with_link(self, case_id: str, linked_case_id: str) -> "SubjectState":
        """`case_id`'s matter (all its cases) joins `linked_case_id`'s. The joined matter's
        repeats are counted afresh from its contacts after its last final answer, the one time
        they are derived from timestamps: the two counters ran against different answers."""
        joined, moved = self.matter_of(linked_case_id), self.matter_of(case_id)
        if joined == moved or linked_case_id not in self.cases:
            return self  # one matter already, or a case this state does not hold (erased)
        cases = {
            key: case.model_copy(update={"matter": joined, "repeats": 0})
            if (case.matter or key) == moved
            else case
            for key, case in self.cases.items()
        }
        linked = self.model_copy(update={"cases": cases})
        matter = linked.matter_cases(case_id)
        last = max((answer for case in matter for answer in case.final_answers), default=None)
        contacts = [contact.at for case in matter for contact in case.contacts]
        repeats = 0 if last is None else sum(1 for at in contacts if at > last)
        return linked.with_repeats(case_id, repeats)

    def continued_matter(self, product: str | None, at: datetime, days: int) -> str | None:
        """The matter a new case on `product` at `at` continues: that of the latest case on the
        same product with a contact in the `days` before `at`; None when there is none."""
        if product is None:
            return None  # a case that names no product is not known to be the same affair
        since = at - timedelta(days=days)
        latest = {
            max(c.at for c in case.contacts if since <= c.at <= at): key
            for key, case in self.cases.items()
            if case.product_key == product and any(since <= c.at <= at for c in case.contacts)
        }
        return self.matter_of(latest[max(latest)]) if latest else None

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


def _at(dated: PriorContact | PriorDecision) -> datetime:
    return dated.at
