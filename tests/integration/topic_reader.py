"""Test support: everything currently on a topic, read with a plain aiokafka consumer."""

import asyncio

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord


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
