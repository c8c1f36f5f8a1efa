"""Envelopes on the bus: publish one as a keyed message, consume with decoding up front."""

from collections.abc import Awaitable, Callable

from shared.bus.batches import Handler
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.envelope import Envelope, decode_envelope, encode_envelope, message_key

EnvelopeHandler = Callable[[Envelope], Awaitable[None]]
HEADER_EVENT_TYPE = "caselog.type"
HEADER_SCHEMA_VERSION = "caselog.schema_version"


def envelope_message(topic: str, envelope: Envelope) -> OutgoingMessage:
    """The message carrying `envelope`, keyed by subject (else case) to keep one person in order."""
    return OutgoingMessage(
        topic=topic,
        value=encode_envelope(envelope),
        key=message_key(envelope),
        headers=(
            (HEADER_EVENT_TYPE, envelope.type.encode()),
            (HEADER_SCHEMA_VERSION, str(envelope.schema_version).encode()),
        ),
    )


def envelope_handler(handle: EnvelopeHandler) -> Handler:
    """A bus handler that decodes first: bytes that are not an envelope raise
    InvalidEnvelopeError, a permanent error, so they go to the DLQ at once with the reason."""

    async def handle_message(message: ConsumedMessage) -> None:
        await handle(decode_envelope(message.value))

    return handle_message
