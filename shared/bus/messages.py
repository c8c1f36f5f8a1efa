"""What travels on the bus: messages to publish and messages handed to a handler."""

import base64
import json
from dataclasses import dataclass, field

Headers = tuple[tuple[str, bytes], ...]


def encode_headers(headers: Headers) -> str:
    """`headers` as text to keep beside a stored message (the embedded log, an outbox row, a
    decision's output): JSON pairs, each value in base64, names and order kept."""
    return json.dumps([[name, base64.b64encode(value).decode("ascii")] for name, value in headers])


def decode_headers(text: str) -> Headers:
    """The headers `encode_headers` wrote as `text`."""
    return tuple((str(name), base64.b64decode(value)) for name, value in json.loads(text))


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message to publish. `key` decides the partition, so one key stays in order."""

    topic: str
    value: bytes
    key: bytes | None = None
    headers: Headers = ()


@dataclass(frozen=True, slots=True)
class ConsumedMessage:
    """A message read from a partition, with the coordinates needed to commit or dead-letter it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Headers = field(default=())
    timestamp_ms: int = 0

    def header(self, name: str) -> bytes | None:
        """The last value of header `name`, or None."""
        found = None
        for key, value in self.headers:
            if key == name:
                found = value
        return found
