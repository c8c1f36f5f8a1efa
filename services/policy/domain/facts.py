"""What the engine decides on: a consultation's non-identity facts, a close request, and the
subject's history. Identity never enters; only whether the customer gave it."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.policy.domain.catalogue import Outcome
from shared.validation import IsoDateTime

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class Facts(BaseModel):
    # extra="forbid": a caller cannot slip a name or an address in under another key.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Money(Facts):
    amount: Decimal = Field(ge=0)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class ProductFacts(Facts):
    purchase_date: date | None = None
    price: Money | None = None


class DemandFacts(Facts):
    type: Code  # exchange, refund, compensation, apology, visit, information, other
    amount: Money | None = None
    details: str | None = None
    related_to_product: bool | None = None  # None: not yet established


class CallFacts(Facts):
    """A phone call; it started at the consultation's `received_at`."""

    duration_seconds: int = Field(ge=0, le=24 * 3600)  # as intake bounds a call
    recorded: bool = False
    has_recording_reference: bool = False
    has_recording_digest: bool = False
    final_answer_given_at: IsoDateTime | None = None


class ConsultationFacts(Facts):
    """A consultation as policy sees it: content already decrypted, identity reduced to
    whether it is present. `None` for a confirmation flag means not known yet."""

    channel: Code
    received_at: IsoDateTime
    relationship: Code = "unknown"
    has_name: bool
    has_email_or_phone: bool
    has_confidential_info: bool = False
    subject: str = ""
    body: str = ""
    product: ProductFacts | None = None
    demand: DemandFacts | None = None
    call: CallFacts | None = None
    defect_confirmed: bool | None = None
    loss_confirmed: bool | None = None
    supervisor_approved: bool = False


class PriorContact(Facts):
    at: IsoDateTime
    channel: Code


class PriorDecision(Facts):
    at: IsoDateTime
    outcome: Outcome
    rules: tuple[str, ...] = ()


class SubjectHistory(Facts):
    """The subject's earlier contacts, final answers and decisions on this matter. When the
    caller does not count repeats, the contacts after the last final answer are counted."""

    prior_contacts: tuple[PriorContact, ...] = ()
    final_answers: tuple[IsoDateTime, ...] = ()
    prior_decisions: tuple[PriorDecision, ...] = ()
    repeat_count_since_final_answer: int | None = Field(default=None, ge=0)

    def final_answer_by(self, at: datetime) -> datetime | None:
        """The last final answer given by `at`: one dated later had not been given then."""
        return max((answer for answer in self.final_answers if answer <= at), default=None)

    def repeats_since_final_answer(self, at: datetime) -> int:
        """Contacts before `at` that followed the final answer given by `at`."""
        if self.repeat_count_since_final_answer is not None:
            return self.repeat_count_since_final_answer
        last = self.final_answer_by(at)
        return 0 if last is None else sum(1 for c in self.prior_contacts if last < c.at < at)

    def decided_since_final_answer(self, rule: str) -> bool:
        last = max(self.final_answers, default=None)
        return any(
            rule in decision.rules and (last is None or decision.at >= last)
            for decision in self.prior_decisions
        )


class ClosureReason(StrEnum):
    SATISFIED = "satisfied"
    WITHDRAWN = "withdrawn"
    PERSUASION_DIFFICULT = "persuasion_difficult"


class ClosureFacts(Facts):
    """A request to close a case, with what the record holds (booleans, never the data)."""

    reason: ClosureReason
    requested_at: IsoDateTime
    supervisor_approved: bool = False
    has_content: bool
    has_times: bool
    has_customer: bool
    has_channel: bool
    has_handler: bool
