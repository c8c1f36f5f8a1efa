"""Test support for "what a consumer does not know reaches its DLQ with the reason".

Envelopes of an undeclared type and of an undeclared (newer) version, ready for any topic, and
a reader of a DLQ over the `Bus` interface (so the same call serves Kafka and the embedded
bus) that returns each dead letter's group and reason. A service's test publishes
`unknown_event_messages(topic)` where its consumers read, then asserts on
`await dead_letters(bus, topic, group=..., expected=2)`.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass

from shared.bus.delivery import DLQ_HEADER_ERROR, DLQ_HEADER_ERROR_TYPE, DLQ_HEADER_GROUP
from shared.bus.envelopes import envelope_message
from shared.bus.interface import Bus
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.policy import dlq_topic
from shared.contracts.registry import CONTRACTS
from shared.envelope import Envelope, decode_envelope, utc_now

UNDECLARED_TYPE = "contracts.never_declared"


def unknown_type_envelope(case_id: str | None = None) -> Envelope:
    """An envelope of a type no contract declares."""
    return _envelope(UNDECLARED_TYPE, 1, case_id)


def unknown_version_envelope(
    event_type: str = "consultation.received", case_id: str | None = None
) -> Envelope:
    """An envelope of a declared type, one version newer than any declared."""
    return _envelope(event_type, CONTRACTS.latest(event_type).version + 1, case_id)


def unknown_event_messages(
    topic: str, event_type: str = "consultation.received", case_id: str | None = None
) -> list[OutgoingMessage]:
    """The two messages (unknown type, unknown version of `event_type`) for `topic`."""
    return [
        envelope_message(topic, unknown_type_envelope(case_id)),
        envelope_message(topic, unknown_version_envelope(event_type, case_id)),
    ]


def _envelope(event_type: str, version: int, case_id: str | None) -> Envelope:
    case = case_id or f"case-{uuid.uuid4().hex[:12]}"
    return Envelope(
        type=event_type,
        schema_version=version,
        case_id=case,
        occurred_at=utc_now(),
        producer="contract-tests",
        correlation_id=case,
        payload={"future_field": "not read by anyone"},
    )


@dataclass(frozen=True, slots=True)
class DeadLetter:
    envelope: Envelope
    group: str
    error_type: str
    reason: str


def dead_letter(message: ConsumedMessage) -> DeadLetter:
    """A DLQ message read back: the envelope it carried, who gave up on it, and why."""
    return DeadLetter(
        envelope=decode_envelope(message.value),
        group=_header(message, DLQ_HEADER_GROUP),
        error_type=_header(message, DLQ_HEADER_ERROR_TYPE),
        reason=_header(message, DLQ_HEADER_ERROR),
    )


def _header(message: ConsumedMessage, name: str) -> str:
    value = message.header(name)
    return "" if value is None else value.decode()


async def dead_letters(
    bus: Bus, topic: str, *, expected: int, group: str | None = None, timeout_s: float = 60.0
) -> list[DeadLetter]:
    """The dead letters of `topic` (all of them, or those of consumer `group`), read by a
    fresh consumer group until `expected` are there; fails after `timeout_s`."""
    found: list[DeadLetter] = []

    async def collect(message: ConsumedMessage) -> None:
        letter = dead_letter(message)
        if group is None or letter.group == group:
            found.append(letter)

    reader = bus.subscribe(f"dlq-reader.{uuid.uuid4().hex[:12]}", [dlq_topic(topic)], collect)
    task = asyncio.create_task(reader.run())
    deadline = time.monotonic() + timeout_s
    try:
        while len(found) < expected:
            if task.done() or time.monotonic() > deadline:
                raise AssertionError(
                    f"{len(found)} of {expected} dead letters on {dlq_topic(topic)}"
                    f" after {timeout_s}s"
                )
            await asyncio.sleep(0.1)
    finally:
        reader.request_stop()
        await asyncio.wait_for(task, timeout_s)
    return found
