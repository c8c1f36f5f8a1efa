"""Privacy's consumer: intake, policy, privacy's own topic and records' acknowledgements, each
message decoded into the message its topic carries and handed to privacy's handler table."""

from pydantic import ValidationError

from services.privacy.bootstrap import Privacy, Topics
from services.privacy.domain import events as privacy_events
from services.privacy.domain import views
from services.privacy.service_layer.messages import (
    IntakeEventArrived,
    Message,
    OwnEventsArrived,
    PolicyEventArrived,
    RecordsAcknowledged,
)
from services.privacy.service_layer.own_events import UnreadableEventError
from shared.bus.interface import Handler
from shared.bus.messages import ConsumedMessage
from shared.envelope import Envelope, decode_envelope
from shared.validation import summarize


def consumed_topics(topics: Topics) -> list[str]:
    return [topics.intake, topics.policy, topics.privacy, topics.records]


def privacy_handler(privacy: Privacy) -> Handler:
    """The bus handler. Bytes that are not an envelope raise InvalidEnvelopeError, a permanent
    error: the DLQ at once, from every topic read. Records' topic too: only records writes
    there, so anything else on it is poison that an operator must be shown, not skipped."""

    async def handle(message: ConsumedMessage) -> None:
        await consume(privacy, message.topic, decode_envelope(message.value))

    return handle


async def consume(privacy: Privacy, topic: str, envelope: Envelope) -> None:
    """One envelope read from `topic`, handled as the message it carries (if privacy reads it)."""
    message = _message(privacy.topics, topic, envelope)
    if message is None:
        return
    try:
        await privacy.handle(message)
    except ValidationError as error:
        raise UnreadableEventError(f"{envelope.type}: {summarize(error)}") from None


def _message(topics: Topics, topic: str, envelope: Envelope) -> Message[None] | None:
    if topic == topics.records:
        return RecordsAcknowledged(envelope)
    if topic == topics.privacy and envelope.type in privacy_events.BY_TYPE:
        return OwnEventsArrived([envelope])
    if topic == topics.intake and envelope.type in views.ENCRYPTED_SCHEMAS:
        return IntakeEventArrived(envelope)
    if topic == topics.policy:
        return PolicyEventArrived(envelope)
    return None
