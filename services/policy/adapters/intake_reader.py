"""Reads intake's envelopes into the events policy decides on: checks the schema version,
decrypts content under policy's grant (never identity) and validates what the rules need."""

from typing import Any

from pydantic import BaseModel, ValidationError

from services.policy.adapters.intake_payloads import (
    ClosureRead,
    ConsultationRead,
    ContactRead,
)
from services.policy.domain.facts import ConsultationFacts
from services.policy.service_layer.errors import UnevaluableEventError
from services.policy.service_layer.events import (
    AgentResponse,
    CaseEvent,
    ClosureSeen,
    ConsultationSeen,
    CustomerContact,
)
from shared.crypto.codec import FieldCodec
from shared.crypto.errors import CiphertextError, KeyNotFoundError
from shared.crypto.fields import FieldClass
from shared.crypto.grants import reader_for
from shared.envelope import Envelope
from shared.validation import summarize

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
