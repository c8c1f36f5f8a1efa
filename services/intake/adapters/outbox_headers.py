"""How an outgoing message's headers are kept in an outbox row: JSON text, values in base64."""

import json
from base64 import b64decode, b64encode

from shared.bus.envelopes import HEADER_EVENT_TYPE
from shared.bus.messages import OutgoingMessage


def event_type(message: OutgoingMessage) -> str:
    return dict(message.headers).get(HEADER_EVENT_TYPE, b"unknown").decode()


def encode_headers(message: OutgoingMessage) -> str:
    return json.dumps([[name, b64encode(value).decode()] for name, value in message.headers])


def decode_headers(text: str) -> tuple[tuple[str, bytes], ...]:
    return tuple((name, b64decode(value)) for name, value in json.loads(text))
