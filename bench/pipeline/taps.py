"""Reading topics beside the services without joining their groups: Kafka from the end of each
partition (the topics keep every run's events), the embedded bus through a group of its own
(its file is new for each deployment)."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.bus.batches import Handler
from shared.bus.embedded import EmbeddedBus
from shared.bus.messages import ConsumedMessage
from shared.bus.topics import TopicSpec

ASSIGNED_TIMEOUT_S = 60.0
POLL_TIMEOUT_MS = 100


@contextlib.asynccontextmanager
async def kafka_tap(
    bootstrap: str, topics: Sequence[TopicSpec], handle: Handler
) -> AsyncIterator[None]:
    """Every message published to `topics` from now on, handed to `handle` as it arrives."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id="caselog-bench-tap",
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    stop = asyncio.Event()

    async def read() -> None:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=POLL_TIMEOUT_MS)
            for records in batch.values():
                for record in records:
                    await handle(
                        ConsumedMessage(
                            record.topic,
                            record.partition,
                            record.offset,
                            record.key,
                            record.value or b"",
                            tuple(record.headers),
                            record.timestamp,
                        )
                    )

    try:
        partitions = [
            TopicPartition(topic.name, partition)
            for topic in topics
            for partition in range(topic.partitions)
        ]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for partition in partitions:
            await consumer.position(partition)  # resolves the end now, before any load
        task = asyncio.create_task(read())
        try:
            yield
        finally:
            stop.set()
            await task
    finally:
        await consumer.stop()


@contextlib.asynccontextmanager
async def embedded_tap(
    bus: EmbeddedBus, topics: Sequence[TopicSpec], handle: Handler
) -> AsyncIterator[None]:
    group = f"bench-tap-{uuid.uuid4().hex[:8]}"
    consumer = bus.subscribe(group, [topic.name for topic in topics], handle)
    task = asyncio.create_task(consumer.run())
    try:
        if not await consumer.wait_assigned(ASSIGNED_TIMEOUT_S):
            raise RuntimeError("the embedded tap got no partitions within 60 s")
        yield
    finally:
        consumer.request_stop()
        await task
