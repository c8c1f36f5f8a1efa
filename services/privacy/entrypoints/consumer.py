"""Privacy's consumer: intake, policy, privacy's own topic and records' acknowledgements."""

from services.privacy.service_layer.projection import Projection, Topics
from shared.bus.interface import Handler
from shared.bus.messages import ConsumedMessage
from shared.envelope import decode_envelope


def consumed_topics(topics: Topics) -> list[str]:
    return [topics.intake, topics.policy, topics.privacy, topics.records]


def privacy_handler(projection: Projection) -> Handler:
    """The bus handler. Bytes that are not an envelope raise InvalidEnvelopeError, a permanent
    error: the DLQ at once, from every topic read. Records' topic too: only records writes
    there, so anything else on it is poison that an operator must be shown, not skipped."""

    async def handle(message: ConsumedMessage) -> None:
        await projection.handle(message.topic, decode_envelope(message.value))

    return handle
