"""What an outbox row records of an outgoing message's headers beyond their text (which
`shared.bus.messages.encode_headers` writes): its event type."""

from shared.bus.envelopes import HEADER_EVENT_TYPE
from shared.bus.messages import OutgoingMessage


def event_type(message: OutgoingMessage) -> str:
    return dict(message.headers).get(HEADER_EVENT_TYPE, b"unknown").decode()
