"""Test support: everything currently on a topic, read with a plain aiokafka consumer."""

import asyncio

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord

from shared.envelope import InvalidEnvelopeError, decode_envelope


async def read_topic(bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every committed record of `topic`, from the beginning to the current end."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        isolation_level="read_committed",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        while not consumer.assignment():  # noqa: ASYNC110 - aiokafka offers no event for this
            await asyncio.sleep(0.05)  # without a group, all partitions get assigned
        partitions = sorted(consumer.assignment())
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(*partitions, timeout_ms=1000)
            for tp_records in batch.values():
                records.extend(tp_records)
        return records
    finally:
        await consumer.stop()


async def case_messages(bootstrap: str, topic: str, case_id: str) -> list[bytes]:
    """The envelopes of one case on `topic`, in order. Other tests put poison messages on
    shared topics on purpose (to test dead-lettering), so bytes that are not an envelope
    are skipped here rather than failing an unrelated test."""
    found = []
    for record in await read_topic(bootstrap, topic):
        try:
            envelope = decode_envelope(record.value)
        except InvalidEnvelopeError:
            continue
        if envelope.case_id == case_id:
            found.append(record.value)
    return found
