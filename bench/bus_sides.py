"""B1's two ways to publish and handle the same messages: through KafkaBus, and with aiokafka
alone as one would write it (same settings as the bus: acks=all, an idempotent producer;
auto-commit off, a commit after each polled batch, read_committed). The raw one is also B2's
baseline: `raw_one_hop`."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from bench.trials import Trial
from bench.workload import envelope
from shared.bus.envelopes import envelope_message
from shared.bus.interface import Consumer
from shared.bus.kafka import KafkaBus
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.policy import DeliveryPolicy, dlq_topic
from shared.bus.topics import TopicSpec

Publish = Callable[[OutgoingMessage], Awaitable[None]]
PARTITIONS = 6  # as caselog's topics (deploy/kafka/topics.toml)
IN_FLIGHT = 64
KEYS = 100
WARM_UP = 200
HANDLED_TIMEOUT_S = 120.0
ASSIGNED_TIMEOUT_S = 60.0
POLL_TIMEOUT_MS = 200


class Tally:
    """Counts handled messages; `wait` returns once `expect`ed ones have all been seen."""

    def __init__(self) -> None:
        self.seen = self.target = 0
        self._reached = asyncio.Event()

    def expect(self, more: int) -> None:
        self.target += more
        self._reached.clear()

    def count(self, handled: int = 1) -> None:
        self.seen += handled
        if self.seen >= self.target:
            self._reached.set()

    async def wait(self) -> None:
        await asyncio.wait_for(self._reached.wait(), HANDLED_TIMEOUT_S)


@dataclass(frozen=True)
class Side:
    """One way to publish and handle: KafkaBus, or aiokafka alone."""

    tally: Tally
    publish: Publish
    messages: list[OutgoingMessage]

    def trial(self, count: int, in_flight: int) -> Trial:
        """Publish `count` messages, `in_flight` at a time; events/s until all are handled."""

        async def measure() -> float:
            self.tally.expect(count)
            started = time.perf_counter()
            await publish_all(self.publish, self.messages[:count], in_flight)
            await self.tally.wait()
            return count / (time.perf_counter() - started)

        return measure


async def publish_all(
    publish: Publish,
    messages: Sequence[OutgoingMessage],
    in_flight: int,
) -> None:
    """`in_flight` publishers take the next message as soon as theirs is acknowledged."""
    pending = iter(messages)

    async def publisher() -> None:
        for message in pending:
            await publish(message)

    await asyncio.gather(*(publisher() for _ in range(in_flight)))


@contextlib.asynccontextmanager
async def caselog_side(
    bus: KafkaBus, topic: str, messages: list[OutgoingMessage]
) -> AsyncIterator[Side]:
    """A KafkaBus consumer-group member whose handler counts what it is given."""
    tally = Tally()

    async def handle(_message: ConsumedMessage) -> None:
        tally.count()

    consumer: Consumer = bus.subscribe(
        f"bench-b1-bus-{uuid.uuid4().hex[:8]}", [topic], handle, DeliveryPolicy()
    )
    task = asyncio.create_task(consumer.run())
    try:
        if not await consumer.wait_assigned(ASSIGNED_TIMEOUT_S):
            raise RuntimeError("the KafkaBus consumer got no partitions within 60 s")
        yield Side(tally, bus.publish, messages)
    finally:
        consumer.request_stop()
        await task


@contextlib.asynccontextmanager
async def raw_side(
    bootstrap: str, topic: str, messages: list[OutgoingMessage]
) -> AsyncIterator[Side]:
    """A producer and a consumer loop as one would write them with aiokafka alone."""
    tally, stop = Tally(), asyncio.Event()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, client_id="bench-raw", acks="all", enable_idempotence=True
    )
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        client_id="bench-raw",
        group_id=f"bench-b1-raw-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )

    async def publish(message: OutgoingMessage) -> None:
        headers = list(message.headers)
        await producer.send_and_wait(message.topic, message.value, key=message.key, headers=headers)

    async def consume() -> None:
        while not stop.is_set():
            batch = await consumer.getmany(
                timeout_ms=POLL_TIMEOUT_MS, max_records=DeliveryPolicy().batch_size
            )
            for records in batch.values():
                tally.count(len(records))
            if batch:
                await consumer.commit()

    await producer.start()
    await consumer.start()
    task = asyncio.create_task(consume())
    try:
        deadline = time.monotonic() + ASSIGNED_TIMEOUT_S
        while not consumer.assignment():  # aiokafka offers no event for this
            if time.monotonic() > deadline:
                raise RuntimeError("the raw consumer got no partitions within 60 s")
            await asyncio.sleep(0.05)
        yield Side(tally, publish, messages)
    finally:
        stop.set()
        await task
        await consumer.stop()
        await producer.stop()


def one_hop_messages(topic: str, count: int) -> list[OutgoingMessage]:
    """`count` 1 KiB events of KEYS cases, for `topic`."""
    return [envelope_message(topic, envelope(f"case-{i % KEYS:03d}", i)) for i in range(count)]


@contextlib.asynccontextmanager
async def bench_topics(bus: KafkaBus, bootstrap: str, topics: list[str]) -> AsyncIterator[None]:
    """Topics of the run's own, deleted afterwards: the broker is left as it was."""
    specs = [TopicSpec(topic, PARTITIONS, retention_ms=3_600_000) for topic in topics]
    try:
        await bus.ensure_topics(specs)
        yield
    finally:
        await _delete_topics(bootstrap, topics)


@contextlib.asynccontextmanager
async def raw_one_hop(bootstrap: str, topic: str, count: int) -> AsyncIterator[Side]:
    """B1's raw side, warmed up, on a topic of its own: B2's baseline in the same run."""
    bus = KafkaBus(bootstrap, client_id="caselog-bench")
    await bus.start()
    try:
        async with (
            bench_topics(bus, bootstrap, [topic]),
            raw_side(bootstrap, topic, one_hop_messages(topic, count)) as side,
        ):
            await side.trial(WARM_UP, IN_FLIGHT)()
            yield side
    finally:
        await bus.close()


async def _delete_topics(bootstrap: str, topics: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="caselog-bench")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = [t for topic in topics for t in (topic, dlq_topic(topic)) if t in existing]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()
