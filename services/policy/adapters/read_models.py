"""The events policy reads, as it reads them: tolerant read models of only the fields the rules
need (intake's and privacy's models are not ours to import), and the reader that opens intake's
events into what the engine decides on. Personal fields are declared at intake's paths and with
intake's classes, so content decrypts under policy's grant while identity stays a ciphertext
object, only ever counted as present or absent."""

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from services.policy.domain.facts import ClosureReason, ConsultationFacts
from services.policy.domain.state import (
    AgentResponse,
    CaseEvent,
    ClosureSeen,
    ConsultationSeen,
    CustomerContact,
)
from services.policy.service_layer.errors import UnevaluableEventError, UnreadableErasureError
from services.policy.service_layer.messages import ForgetErasedCases
from shared.crypto.ciphertext import Ciphertext
from shared.crypto.codec import FieldCodec
from shared.crypto.errors import CiphertextError, KeyNotFoundError
from shared.crypto.fields import Content, FieldClass, Identity
from shared.crypto.grants import reader_for
from shared.envelope import Envelope
from shared.validation import summarize


class _Read(BaseModel):
    # Fields policy does not need (source, product name, language, ...) are left unread.
    model_config = ConfigDict(extra="ignore", frozen=True)


class CustomerRead(_Read):
    """Identity is only ever counted as present or absent: it must arrive encrypted."""

    name: Identity[Ciphertext] | None = None
    email: Identity[Ciphertext] | None = None
    phone: Identity[Ciphertext] | None = None
    relationship: str = "unknown"
    confidential_notes: Identity[Ciphertext] | None = None


class MoneyRead(_Read):
    amount: Decimal
    currency: str


class ProductRead(_Read):
    purchase_date: date | None = None
    price: MoneyRead | None = None


class DemandRead(_Read):
    type: str
    amount: MoneyRead | None = None
    details: Content[str] | None = None


class CallRead(_Read):
    duration_seconds: int
    recorded: bool = False
    final_answer_given_at: AwareDatetime | None = None


class ConsultationRead(_Read):
    """`consultation.received` v1."""

    channel: str
    received_at: AwareDatetime
    customer: CustomerRead
    product: ProductRead | None = None
    subject: Content[str]
    body: Content[str]
    demand: DemandRead | None = None
    call: CallRead | None = None


class ContactRead(_Read):
    """`contact.logged` v1."""

    kind: Literal["customer_contact", "agent_response"]
    channel: str
    occurred_at: AwareDatetime
    body: Content[str]
    final_answer: bool = False
    duration_seconds: int | None = None


class ClosureRead(_Read):
    """`closure.requested` v1; its note is never needed, so never decrypted."""

    reason: ClosureReason
    requested_at: AwareDatetime
    supervisor_approved: bool = False


READ_VERSION = 1
READ_MODELS: dict[str, type[BaseModel]] = {
    "consultation.received": ConsultationRead,
    "contact.logged": ContactRead,
    "closure.requested": ClosureRead,
}
POLICY_READER = reader_for("policy")


class IntakeEventReader:
    """Events of other types (`recording.attached`, ...) are not policy's to decide: None."""

    def __init__(self, codec: FieldCodec) -> None:
        self._codec = codec

    async def read(self, envelope: Envelope) -> CaseEvent | None:
        model = READ_MODELS.get(envelope.type)
        if model is None:
            return None
        what = f"{envelope.type} v{envelope.schema_version}"
        if envelope.schema_version != READ_VERSION:
            raise UnevaluableEventError(f"{what}: unknown schema version (policy reads v1)")
        try:
            payload = await self._codec.decrypt(
                envelope.payload,
                model,
                case_id=envelope.case_id,
                event_id=envelope.event_id,
                reader=POLICY_READER,
                classes={FieldClass.CONTENT},
            )
        except (CiphertextError, KeyNotFoundError) as error:
            raise UnevaluableEventError(f"{what}: content does not decrypt: {error}") from None
        try:
            return _event(model.model_validate(payload))
        except ValidationError as error:
            # `from None` and `summarize`: pydantic's own text would quote the content.
            raise UnevaluableEventError(f"{what} cannot be evaluated: {summarize(error)}") from None


def _event(read: BaseModel) -> CaseEvent:
    if isinstance(read, ConsultationRead):
        return ConsultationSeen(_facts(read))
    if isinstance(read, ContactRead):
        if read.kind == "agent_response":
            return AgentResponse(read.occurred_at, read.final_answer)
        return CustomerContact(read.occurred_at, read.channel, read.body, read.duration_seconds)
    assert isinstance(read, ClosureRead)
    return ClosureSeen(read.reason, read.requested_at, read.supervisor_approved)


def _facts(read: ConsultationRead) -> ConsultationFacts:
    customer = read.customer
    facts: dict[str, Any] = {
        "channel": read.channel,
        "received_at": read.received_at,
        "relationship": customer.relationship,
        "has_name": customer.name is not None,
        "has_email_or_phone": customer.email is not None or customer.phone is not None,
        "has_confidential_info": customer.confidential_notes is not None,
        "subject": read.subject,
        "body": read.body,
        "product": read.product.model_dump() if read.product else None,
        "demand": read.demand.model_dump() if read.demand else None,
        "call": read.call.model_dump() if read.call else None,
    }
    return ConsultationFacts.model_validate(facts)


SUBJECT_ERASED = "subject.erased"
KEYS_EPOCH_CLOSED = "keys.epoch_closed"


class ErasedRead(_Read):
    """`subject.erased` v1 as policy reads it."""

    subject_ids: tuple[str, ...] = ()
    erased_case_ids: tuple[str, ...]
    held_case_ids: tuple[str, ...] = ()


def erasure_of(envelope: Envelope) -> ForgetErasedCases:
    """What a `subject.erased` asks policy to forget; UnreadableErasureError if it cannot say."""
    what = f"{envelope.type} v{envelope.schema_version}"
    if envelope.schema_version != READ_VERSION:
        raise UnreadableErasureError(f"{what}: unknown schema version (policy reads v1)")
    try:
        read = ErasedRead.model_validate(envelope.payload)
    except ValidationError as error:
        raise UnreadableErasureError(f"{what} cannot be read: {summarize(error)}") from None
    subjects = (*read.subject_ids, *([envelope.subject_id] if envelope.subject_id else []))
    return ForgetErasedCases(
        subject_ids=tuple(dict.fromkeys(subjects)),
        case_ids=read.erased_case_ids,
        complete=not read.held_case_ids,
        event_id=str(envelope.event_id),
    )
