"""Intake's events: the payload models intake validates requests with and publishes.

A consultation as intake accepts it, whichever platform sent it, and what follows on its case
(contacts, close requests, recordings, fact checks, linked subjects). Personal fields are
declared with their class, so every consumer knows which arrive sealed (shared/crypto/fields.py).
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from shared.contracts.declaring import EventContract
from shared.crypto.fields import Content, Identity, Recording
from shared.frozen import FrozenModel
from shared.invisible import refuse_invisible
from shared.validation import IsoDateTime

PRODUCER = "intake"
MAX_BODY_BYTES = 64 * 1024


def representable_in_utc(moment: datetime) -> datetime:
    """A pydantic after-validator: the time must exist in UTC (9999-12-31T23:59:59-14:00 does
    not). The caller's offset is kept; only the check converts."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the date-time lies outside the range of representable times") from None
    return moment


Text = Annotated[str, Field(min_length=1, max_length=MAX_BODY_BYTES)]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]
Reference = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]
PlatformName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
# A time a client tells us; how far it may lie from our clock is checked by ClientTimeRules.
ClientTime = Annotated[IsoDateTime, AfterValidator(representable_in_utc)]
# An agent as the server knows them: the token's subject. A staff pseudonym, in the clear as
# records' `access.recorded` actor is; never the customer's data.
AgentSubject = Annotated[str, Field(min_length=1, max_length=200)]


def _calendar_date(value: object) -> object:
    """A date is an ISO date text (YYYY-MM-DD) or a date: pydantic's lax mode would also take a
    number of seconds or a time of day at midnight, which the schema does not allow."""
    if isinstance(value, str) and len(value.strip()) != len("YYYY-MM-DD"):
        raise ValueError("must be a date as YYYY-MM-DD")
    if not isinstance(value, (str, date)):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    WEB_FORM = "web_form"
    SNS = "sns"
    VISIT = "visit"
    LETTER = "letter"
    OTHER = "other"


class Relationship(StrEnum):
    PURCHASER = "purchaser"
    PROSPECTIVE = "prospective"
    OTHER = "other"
    UNKNOWN = "unknown"


class DemandType(StrEnum):
    EXCHANGE = "exchange"
    REFUND = "refund"
    COMPENSATION = "compensation"
    APOLOGY = "apology"
    VISIT = "visit"
    INFORMATION = "information"
    OTHER = "other"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Source(Strict):
    """Where the consultation came from; (platform, external_id) identifies it for idempotency.

    The platform is the server's to decide, from the entry point and the credential (a
    webhook route names its platform, REST is `rest` or the token's `platform` claim): a
    body may leave it out or repeat that value, never name another one.
    """

    platform: PlatformName | None = Field(
        default=None,
        examples=["rest"],
        description="Decided by the server from the credential; if sent, it must match",
    )
    external_id: Reference = Field(examples=["35436"])


class Money(Strict):
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(examples=["JPY"])


# A zero-width space in a name, e-mail or phone makes a second spelling of one person.
Visible = AfterValidator(refuse_invisible)


class Customer(Strict):
    # Optional, so an anonymous consultation is still recorded (and refused under article 3
    # by policy, on the record); a blank name is no name, so the schema admits one.
    name: (
        Identity[
            Annotated[
                str,
                Field(max_length=500, description="Blank or absent: an anonymous consultation"),
                Visible,
            ]
        ]
        | None
    ) = None
    email: (
        Identity[Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"), Visible]]
        | None
    ) = None
    phone: Identity[Annotated[str, Field(max_length=40), Visible]] | None = None
    relationship: Relationship = Relationship.UNKNOWN
    # Information the customer asked us to keep confidential is protected like identity.
    confidential_notes: Identity[Text] | None = None

    @field_validator("name", mode="before")
    @classmethod
    def blank_is_no_name(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class Product(Strict):
    sku: Reference | None = None
    name: ShortText | None = None
    purchase_date: CalendarDate | None = None
    price: Money | None = None


class Demand(Strict):
    type: DemandType
    amount: Money | None = None
    details: Content[Text] | None = None


class Call(Strict):
    duration_seconds: int = Field(ge=0, le=24 * 3600)
    recorded: bool = False
    final_answer_given_at: ClientTime | None = None


class Consultation(Strict):
    """What intake records as `consultation.received`; policy judges it later, not here."""

    source: Source
    channel: Channel
    received_at: ClientTime
    customer: Customer
    product: Product | None = None
    subject: Content[ShortText]
    body: Content[Text]
    demand: Demand | None = None
    call: Call | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] | None = None

    @model_validator(mode="after")
    def body_fits(self) -> "Consultation":
        # max_length counts characters; the limit is on bytes (Japanese text is 3 per char).
        if len(self.body.encode("utf-8")) > MAX_BODY_BYTES:
            raise ValueError(f"body is larger than {MAX_BODY_BYTES} bytes of UTF-8")
        return self


class ContactKind(StrEnum):
    CUSTOMER_CONTACT = "customer_contact"
    AGENT_RESPONSE = "agent_response"


class ClosureReason(StrEnum):
    SATISFIED = "satisfied"
    WITHDRAWN = "withdrawn"
    PERSUASION_DIFFICULT = "persuasion_difficult"


class Contact(Strict):
    """A follow-up on a case: the customer again, or our answer (possibly the final one)."""

    kind: ContactKind
    channel: Channel
    occurred_at: ClientTime
    body: Content[Text]
    final_answer: bool = Field(
        default=False, description="True when this agent response is the business's final answer"
    )
    duration_seconds: int | None = Field(default=None, ge=0, le=24 * 3600)
    source: Source | None = Field(
        default=None, description="The platform's id of this contact, for idempotency"
    )
    demand: Demand | None = Field(
        default=None,
        description="A new demand the customer makes in this contact (customer contacts only);"
        " judged as a consultation's demand is",
    )
    # Who handled the case, for the record (art. 7). Added compatibly to v1 (absent on
    # earlier events).
    handled_by: AgentSubject | None = Field(
        default=None,
        description="Decided by the server: the subject of the agent's or supervisor's token"
        " on an agent response, none otherwise; a body may leave it out or repeat that value",
    )

    @field_validator("demand")
    @classmethod
    def customers_demand(cls, demand: Demand | None, info: ValidationInfo) -> Demand | None:
        if demand is not None and info.data.get("kind") is ContactKind.AGENT_RESPONSE:
            raise ValueError("only a customer's contact carries a demand")
        return demand


class ClosureRequest(Strict):
    reason: ClosureReason
    requested_at: ClientTime
    note: Content[Text] | None = None
    supervisor_approved: bool = Field(
        default=False,
        description="A supervisor approves ending as persuasion-difficult (supervisors only)",
    )


class RecordingReference(Strict):
    """Where a call recording lives and its digest; the recording itself never enters caselog."""

    uri: Recording[Annotated[str, Field(min_length=1, max_length=2000)]]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    duration_seconds: int = Field(ge=0, le=24 * 3600)
    recorded_at: ClientTime | None = None


CaseIdText = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


class CaseLink(Strict):
    """An agent's word that the case continues an earlier case of the same customer (one
    matter: policy counts their final answers and repeats together)."""

    linked_case_id: CaseIdText = Field(description="The earlier case this one continues")


class FactFindings(Strict):
    """What an agent established about a case's facts (guideline art. 10: liability follows a
    real defect that caused a loss). Each is confirmed (true), ruled out (false), or left out
    when this check did not look at it (an earlier check's finding then stands)."""

    defect_confirmed: bool | None = Field(
        default=None, description="A defect or fault of the product or service was found"
    )
    loss_confirmed: bool | None = Field(
        default=None, description="The customer's loss caused by it was established"
    )
    note: Content[Text] | None = Field(default=None, description="What was checked, and how")

    @model_validator(mode="after")
    def establishes_something(self) -> "FactFindings":
        if self.defect_confirmed is None and self.loss_confirmed is None:
            raise ValueError("send defect_confirmed or loss_confirmed (true or false), or both")
        return self


class FactCheck(FactFindings):
    """`fact.checked`: the findings, with who checked and when, both decided by the server."""

    checked_by: AgentSubject
    checked_at: AwareDatetime


class SubjectLinked(FrozenModel):
    """Identities of one consultation led to several subjects: they are one person. Every
    identity of `linked_subject_ids` now leads to `subject_id`; their earlier events keep their
    own ids, so a consumer keeping state per subject treats the set as one."""

    subject_id: str
    linked_subject_ids: tuple[str, ...] = Field(min_length=1)
    linked_at: datetime


CONSULTATION_RECEIVED = EventContract(
    "consultation.received",
    1,
    PRODUCER,
    Consultation,
    "a consultation opened a case (its first event)",
)
CONTACT_LOGGED = EventContract(
    "contact.logged",
    1,
    PRODUCER,
    Contact,
    "a follow-up on a case: the customer again, or an agent's answer",
)
CLOSURE_REQUESTED = EventContract(
    "closure.requested", 1, PRODUCER, ClosureRequest, "someone asked to close the case"
)
RECORDING_ATTACHED = EventContract(
    "recording.attached",
    1,
    PRODUCER,
    RecordingReference,
    "a call recording's reference and digest (never the audio)",
)
FACT_CHECKED = EventContract(
    "fact.checked",
    1,
    PRODUCER,
    FactCheck,
    "an agent confirmed or ruled out a defect or a loss on the case",
)
SUBJECT_LINKED = EventContract(
    "subject.linked",
    1,
    PRODUCER,
    SubjectLinked,
    "identities of one consultation led to several subjects: one person",
)
CASE_LINKED = EventContract(
    "case.linked",
    1,
    PRODUCER,
    CaseLink,
    "an agent linked the case to an earlier case of the same customer: one matter",
)

CONTRACTS = (
    CONSULTATION_RECEIVED,
    CONTACT_LOGGED,
    CLOSURE_REQUESTED,
    RECORDING_ATTACHED,
    FACT_CHECKED,
    SUBJECT_LINKED,
    CASE_LINKED,
)
