"""Translation between aiokafka's records and the bus's message types."""

from typing import Any

from aiokafka import TopicPartition

from shared.bus.messages import ConsumedMessage, Headers

Batch = dict[TopicPartition, list[Any]]


def consumed(record: Any) -> ConsumedMessage:
    """A ConsumedMessage from an aiokafka ConsumerRecord."""
    return ConsumedMessage(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value if record.value is not None else b"",
        headers=tuple((name, bytes(value or b"")) for name, value in record.headers or ()),
        timestamp_ms=record.timestamp or 0,
    )


def kafka_headers(headers: Headers) -> list[tuple[str, bytes]]:
    """aiokafka wants a list of (str, bytes) pairs."""
    return list(headers)
