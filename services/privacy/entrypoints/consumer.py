"""Privacy's consumer: intake, policy, privacy's own topic and records' acknowledgements."""

from services.privacy.service_layer.projection import Projection, Topics
from shared.bus.interface import Handler
from shared.bus.messages import ConsumedMessage
from shared.envelope import InvalidEnvelopeError, decode_envelope


def consumed_topics(topics: Topics) -> list[str]:
    return [topics.intake, topics.policy, topics.privacy, topics.records]


def privacy_handler(projection: Projection, topics: Topics) -> Handler:
    async def handle(message: ConsumedMessage) -> None:
        try:
            envelope = decode_envelope(message.value)
        except InvalidEnvelopeError:
            if message.topic == topics.records:
                return  # records' topic is read for checkpoints only; the rest is not ours
            raise
        await projection.handle(message.topic, envelope)

    return handle
