"""The events policy reads, as it reads them: tolerant read models of only the fields the rules
need (intake's and privacy's models are not ours to import), and the reader that opens intake's
events into what the engine decides on. Personal fields are declared at intake's paths and with
intake's classes, so content decrypts under policy's grant while identity stays a ciphertext
object, only ever counted as present or absent."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from services.policy.domain.facts import ClosureReason, ConsultationFacts, DemandFacts
from services.policy.domain.state import (
    AgentResponse,
    CaseEvent,
    CaseLinkSeen,
    ClosureSeen,
    ConsultationSeen,
    CustomerContact,
    FactChecked,
    SealedConsultation,
    product_key,
)
from services.policy.service_layer.errors import UnevaluableEventError, UnreadableErasureError
from services.policy.service_layer.messages import EmptyKeyCache, ForgetErasedCases
from shared.bus.errors import PermanentHandlingError
from shared.contracts.declaring import UnknownEventError
from shared.contracts.intake import Consultation
from shared.contracts.reading import ConsumerReads
from shared.crypto.class_ciphertext import SealedField
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

    name: Identity[SealedField] | None = None
    email: Identity[SealedField] | None = None
    phone: Identity[SealedField] | None = None
    relationship: str = "unknown"
    confidential_notes: Identity[SealedField] | None = None


class MoneyRead(_Read):
    amount: Decimal
    currency: str


class ProductRead(_Read):
    # Not personal (a catalogue's SKU and product name): they tell which matter a case is.
    sku: str | None = None
    name: str | None = None
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
    """`contact.logged` v1 (its optional demand added compatibly)."""

    kind: Literal["customer_contact", "agent_response"]
    channel: str
    occurred_at: AwareDatetime
    body: Content[str]
    final_answer: bool = False
    duration_seconds: int | None = None
    demand: DemandRead | None = None


class ClosureRead(_Read):
    """`closure.requested` v1; its note is never needed, so never decrypted."""

    reason: ClosureReason
    requested_at: AwareDatetime
    supervisor_approved: bool = False


class CaseLinkRead(_Read):
    """`case.linked` v1."""

    linked_case_id: str


class FactCheckRead(_Read):
    """`fact.checked` v1; its note is never needed, so never decrypted."""

    defect_confirmed: bool | None = None
    loss_confirmed: bool | None = None
    checked_at: AwareDatetime


POLICY_READS_INTAKE = ConsumerReads(
    "policy",
    reads={
        "consultation.received": ConsultationRead,
        "contact.logged": ContactRead,
        "closure.requested": ClosureRead,
        "case.linked": CaseLinkRead,
        "fact.checked": FactCheckRead,
    },
    ignores=frozenset({"recording.attached", "subject.linked"}),
)
"""What policy decides on; a version it does not know is upcast by the contracts or, when
no upcaster reaches it, dead-lettered with the reason (never refused by policy's own check)."""
POLICY_READER = reader_for("policy")


class IntakeEventReader:
    """Events of other types (`recording.attached`, ...) are not policy's to decide: None."""

    def __init__(self, codec: FieldCodec) -> None:
        self._codec = codec

    async def read(self, envelope: Envelope) -> CaseEvent | None:
        try:
            model = POLICY_READS_INTAKE.model_for(envelope)
        except UnknownEventError as error:
            raise UnevaluableEventError(str(error)) from None
        if model is None:
            return None
        sealed = POLICY_READS_INTAKE.payload(envelope)
        what = f"{envelope.type} v{envelope.schema_version}"
        read = await self._open(what, sealed, model, envelope.case_id, envelope.event_id)
        event = _event(read)
        if isinstance(event, ConsultationSeen):
            kept = SealedConsultation(event_id=str(envelope.event_id), payload=sealed)
            return replace(event, sealed=kept)
        return event

    async def consultation(self, case_id: str, sealed: SealedConsultation) -> ConsultationFacts:
        """The case's consultation opened again, to re-decide the case on a fact check."""
        what = "the case's consultation.received"
        read = await self._open(what, sealed.payload, ConsultationRead, case_id, sealed.event_id)
        assert isinstance(read, ConsultationRead)
        return consultation_facts(read)

    async def _open(
        self,
        what: str,
        payload: dict[str, Any],
        model: type[BaseModel],
        case_id: str,
        event_id: UUID | str,
    ) -> BaseModel:
        try:
            opened = await self._codec.decrypt(
                payload,
                model,
                case_id=case_id,
                event_id=event_id,
                reader=POLICY_READER,
                classes={FieldClass.CONTENT},
            )
        except (CiphertextError, KeyNotFoundError) as error:
            raise UnevaluableEventError(f"{what}: content does not decrypt: {error}") from None
        try:
            return model.model_validate(opened)
        except ValidationError as error:
            # `from None` and `summarize`: pydantic's own text would quote the content.
            raise UnevaluableEventError(f"{what} cannot be evaluated: {summarize(error)}") from None


def _event(read: BaseModel) -> CaseEvent:
    if isinstance(read, ConsultationRead):
        product = read.product
        key = product_key(product.sku, product.name) if product else None
        return ConsultationSeen(consultation_facts(read), product_key=key)
    if isinstance(read, FactCheckRead):
        return FactChecked(read.checked_at, read.defect_confirmed, read.loss_confirmed)
    if isinstance(read, ContactRead):
        if read.kind == "agent_response":
            return AgentResponse(read.occurred_at, read.final_answer)
        demand = DemandFacts.model_validate(read.demand.model_dump()) if read.demand else None
        return CustomerContact(
            read.occurred_at, read.channel, read.body, read.duration_seconds, demand
        )
    if isinstance(read, CaseLinkRead):
        return CaseLinkSeen(read.linked_case_id)
    assert isinstance(read, ClosureRead)
    return ClosureSeen(read.reason, read.requested_at, read.supervisor_approved)


def consultation_facts(read: ConsultationRead | Consultation) -> ConsultationFacts:
    """What the engine decides on: a recorded consultation (identity sealed), or intake's
    payload as sent, for a dry run; either way identity is only counted as present or absent."""
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
        "product": read.product.model_dump(exclude={"sku", "name"}) if read.product else None,
        "demand": read.demand.model_dump() if read.demand else None,
        "call": read.call.model_dump() if read.call else None,
    }
    return ConsultationFacts.model_validate(facts)


SUBJECT_ERASED = "subject.erased"
KEYS_EPOCH_CLOSED = "keys.epoch_closed"


class ErasedRead(_Read):
    """`subject.erased` as policy reads it."""

    subject_ids: tuple[str, ...] = ()
    erased_case_ids: tuple[str, ...]
    held_case_ids: tuple[str, ...] = ()


class _EnvelopeOnly(_Read):
    """An event policy acts on from the fact of it alone."""


POLICY_READS_PRIVACY = ConsumerReads(
    "policy",
    reads={SUBJECT_ERASED: ErasedRead, KEYS_EPOCH_CLOSED: _EnvelopeOnly},
    ignores=frozenset(
        {
            "hold.placed",
            "hold.release_requested",
            "hold.released",
            "case.anonymized",
            "anonymized_copy.corrected",
            "anonymized_copy.withdrawn",
            "access.exported",
            "subject.searched",
            "retention.swept",
        }
    ),
)
"""What policy's erasure consumer reads; anything else on caselog.privacy is dead-lettered."""


def privacy_message(envelope: Envelope) -> ForgetErasedCases | EmptyKeyCache | None:
    """Policy's message for one of privacy's events, None for a type it ignores;
    UnreadableErasureError (with the reason) for one it does not know or cannot read."""
    try:
        read = POLICY_READS_PRIVACY.decode(envelope)
    except PermanentHandlingError as error:
        raise UnreadableErasureError(str(error)) from None
    if isinstance(read, ErasedRead):
        return _erasure(envelope, read)
    return EmptyKeyCache() if envelope.type == KEYS_EPOCH_CLOSED else None


def _erasure(envelope: Envelope, read: ErasedRead) -> ForgetErasedCases:
    subjects = (*read.subject_ids, *([envelope.subject_id] if envelope.subject_id else []))
    return ForgetErasedCases(
        subject_ids=tuple(dict.fromkeys(subjects)),
        case_ids=read.erased_case_ids,
        complete=not read.held_case_ids,
        event_id=str(envelope.event_id),
    )
