"""Batch subscription and batch transform (issue #20), proven for KafkaBus, EmbeddedBus and
MemoryBus alike: batches keep each key's order, a poison message is dead-lettered alone while
the rest of its batch commits, a crash redelivers the whole batch, a transform's batch commits
its outputs with its offsets, and a linger fills batches."""

import asyncio
from collections import defaultdict
from collections.abc import Sequence

import pytest

from shared.bus.delivery import DLQ_HEADER_OFFSET
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.policy import DeliveryPolicy, dlq_topic
from tests.conformance.conftest import BusBackend
from tests.conformance.running import Collector, SimulatedCrash, eventually, running
from tests.conformance.test_bus import numbered, publish_values

FAST_RETRIES = DeliveryPolicy(max_attempts=2, initial_backoff_s=0.01, max_backoff_s=0.05)
LINGERING = DeliveryPolicy(batch_size=50, batch_linger_ms=1500)
SMALL_BATCHES = DeliveryPolicy(batch_size=10)


class BatchCollector:
    """A batch handler that keeps each batch it was given; it can crash once or refuse poison
    (a batch holding the poison fails as a whole, as one database transaction would)."""

    def __init__(self, crash_on: bytes | None = None, fail_on: bytes | None = None) -> None:
        self.batches: list[list[bytes]] = []
        self.handled: list[ConsumedMessage] = []
        self._crash_on = crash_on
        self._fail_on = fail_on

    async def __call__(self, batch: Sequence[ConsumedMessage]) -> None:
        values = [message.value for message in batch]
        self.batches.append(values)
        if self._crash_on in values:
            self._crash_on = None
            raise SimulatedCrash(values)
        if self._fail_on in values:
            raise ValueError("this batch holds poison")
        self.handled.extend(batch)

    @property
    def values(self) -> list[bytes]:
        return [message.value for message in self.handled]


async def test_a_batch_handler_gets_many_messages_at_once_in_key_order(
    backend: BusBackend,
) -> None:
    topic = await backend.topic(partitions=3)
    bus = await backend.new_bus()
    keys = [f"case-{k}".encode() for k in range(4)]
    for i in range(80):
        key = keys[i % len(keys)]
        await bus.publish(OutgoingMessage(topic, f"{key.decode()}:{i:03d}".encode(), key=key))
    handler = BatchCollector()
    async with running(bus.subscribe_batch(backend.group("batched"), [topic], handler)):
        await eventually(lambda: len(handler.handled) >= 80, "80 messages")

    assert max(len(batch) for batch in handler.batches) > 1, handler.batches
    assert len(handler.batches) < 80, "not one call per message"
    by_key: dict[bytes, list[bytes]] = defaultdict(list)
    for message in handler.handled:
        assert message.key is not None
        by_key[message.key].append(message.value)
    for key in keys:
        assert by_key[key] == sorted(by_key[key]), f"{key!r} out of order"
        assert len(by_key[key]) == 20


async def test_a_poison_message_in_a_batch_is_dead_lettered_alone(backend: BusBackend) -> None:
    topic = await backend.topic()
    values = numbered("msg", 10)
    await publish_values(backend, topic, [*values[:4], b"poison", *values[4:]], key=b"case-7")
    handler = BatchCollector(fail_on=b"poison")
    bus = await backend.new_bus()
    consumer = bus.subscribe_batch(backend.group("poisoned-batch"), [topic], handler, FAST_RETRIES)
    async with running(consumer):
        await eventually(lambda: b"msg-009" in handler.values, "the messages after the poison")
    assert handler.values == values, "every other message handled once, in order"
    assert any(len(batch) > 1 and b"poison" in batch for batch in handler.batches)
    assert handler.batches.count([b"poison"]) == FAST_RETRIES.max_attempts

    dead = Collector()
    async with running(bus.subscribe(backend.group("dlq-batch"), [dlq_topic(topic)], dead)):
        await eventually(lambda: len(dead.messages) == 1, "the dead letter")
        await asyncio.sleep(0.5)  # room for a second, wrong, dead letter
    assert [letter.value for letter in dead.messages] == [b"poison"]
    assert dead.messages[0].header(DLQ_HEADER_OFFSET) == b"4"


async def test_a_crash_mid_batch_redelivers_the_whole_batch(backend: BusBackend) -> None:
    topic = await backend.topic()
    values = numbered("msg", 30)
    await publish_values(backend, topic, values, key=b"case-2")

    first_life = BatchCollector(crash_on=b"msg-012")
    dying = (await backend.new_bus()).subscribe_batch(
        backend.group("crash-b"), [topic], first_life, SMALL_BATCHES
    )
    with pytest.raises(SimulatedCrash):
        await asyncio.wait_for(dying.run(), 60)
    crashed = next(batch for batch in first_life.batches if b"msg-012" in batch)

    second_life = BatchCollector()
    restarted = (await backend.new_bus()).subscribe_batch(
        backend.group("crash-b"), [topic], second_life, SMALL_BATCHES
    )
    async with running(restarted):
        await eventually(lambda: b"msg-029" in second_life.values, "the last message")
    assert set(crashed) <= set(second_life.values), "the batch in flight comes again, whole"
    assert set(first_life.values) | set(second_life.values) == set(values)
    assert not set(first_life.values) & set(second_life.values), "committed batches stay so"


async def test_a_batch_transform_commits_its_outputs_with_its_offsets(
    backend: BusBackend,
) -> None:
    source, sink = await backend.topic(), await backend.topic()
    inputs = numbered("in", 40)
    await publish_values(backend, source, inputs, key=b"case-5")
    sizes: list[int] = []
    crash_once = [True]

    async def doubled(batch: Sequence[ConsumedMessage]) -> list[OutgoingMessage]:
        sizes.append(len(batch))
        outputs = [OutgoingMessage(sink, b"out-" + m.value, key=m.key) for m in batch]
        if crash_once[0] and any(m.value == b"in-020" for m in batch):
            crash_once[0] = False
            raise SimulatedCrash("mid-batch")
        return outputs

    crashing = (await backend.new_bus()).transform_batch(backend.group("tb"), [source], doubled)
    with pytest.raises(SimulatedCrash):
        await asyncio.wait_for(crashing.run(), 60)
    restarted = (await backend.new_bus()).transform_batch(backend.group("tb"), [source], doubled)
    reader = Collector()
    reading_bus = await backend.new_bus()
    async with (
        running(restarted),
        running(reading_bus.subscribe(backend.group("tb-reader"), [sink], reader)),
    ):
        await eventually(lambda: len(reader.values) >= len(inputs), "every output")
        await asyncio.sleep(1.0)  # room for an aborted duplicate to show up
    assert reader.values == [b"out-" + value for value in inputs], "each output exactly once"
    assert max(sizes) > 1, sizes


async def test_a_poison_message_in_a_transformed_batch_is_dead_lettered_alone(
    backend: BusBackend,
) -> None:
    source, sink = await backend.topic(), await backend.topic()
    inputs = numbered("in", 8)
    await publish_values(backend, source, [*inputs[:3], b"poison", *inputs[3:]], key=b"case-6")

    async def refusing(batch: Sequence[ConsumedMessage]) -> list[OutgoingMessage]:
        if any(m.value == b"poison" for m in batch):
            raise ValueError("this batch holds poison")
        return [OutgoingMessage(sink, b"out-" + m.value, key=m.key) for m in batch]

    bus = await backend.new_bus()
    transforming = bus.transform_batch(backend.group("tp"), [source], refusing, FAST_RETRIES)
    reader, dead = Collector(), Collector()
    async with (
        running(transforming),
        running(bus.subscribe(backend.group("tp-reader"), [sink], reader)),
        running(bus.subscribe(backend.group("tp-dlq"), [dlq_topic(source)], dead)),
    ):
        await eventually(lambda: len(reader.values) >= len(inputs), "every good output")
        await eventually(lambda: len(dead.values) >= 1, "the dead letter")
        await asyncio.sleep(0.5)
    assert reader.values == [b"out-" + value for value in inputs]
    assert dead.values == [b"poison"]


async def test_a_linger_fills_a_batch_with_what_arrives_meanwhile(backend: BusBackend) -> None:
    topic = await backend.topic()
    bus = await backend.new_bus()
    handler = BatchCollector()
    async with running(bus.subscribe_batch(backend.group("linger"), [topic], handler, LINGERING)):
        await bus.publish(OutgoingMessage(topic, b"first", key=b"case-1"))
        for value in numbered("later", 9):
            await asyncio.sleep(0.02)
            await bus.publish(OutgoingMessage(topic, value, key=b"case-1"))
        await eventually(lambda: len(handler.handled) >= 10, "ten messages")
    assert len(handler.batches[0]) == 10, handler.batches
