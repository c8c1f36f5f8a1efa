"""The bus contract, proven for KafkaBus, EmbeddedBus and MemoryBus alike (ids `kafka`, `embedded`
and `memory`)."""

import asyncio
import json
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from shared.bus.delivery import (
    DLQ_HEADER_ERROR,
    DLQ_HEADER_OFFSET,
    DLQ_HEADER_PARTITION,
    DLQ_HEADER_TOPIC,
)
from shared.bus.envelopes import envelope_handler, envelope_message
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.policy import DeliveryPolicy, dlq_topic
from shared.envelope import Envelope, encode_envelope
from tests.conformance.conftest import BusBackend
from tests.conformance.running import Collector, SimulatedCrash, eventually, running

FAST_RETRIES = DeliveryPolicy(max_attempts=3, initial_backoff_s=0.01, max_backoff_s=0.05)


async def publish_values(backend: BusBackend, topic: str, values: list[bytes], key: bytes) -> None:
    bus = await backend.new_bus()
    for value in values:
        await bus.publish(OutgoingMessage(topic, value, key=key))


def numbered(prefix: str, count: int, start: int = 0) -> list[bytes]:
    return [f"{prefix}-{i:03d}".encode() for i in range(start, start + count)]


async def test_messages_of_one_key_keep_their_order(backend: BusBackend) -> None:
    topic = await backend.topic(partitions=3)
    bus = await backend.new_bus()
    keys = [f"subject-{k}".encode() for k in range(5)]
    for i in range(60):
        key = keys[i % len(keys)]
        await bus.publish(OutgoingMessage(topic, f"{key.decode()}:{i:03d}".encode(), key=key))
    collector = Collector()
    async with running(bus.subscribe(backend.group("ordering"), [topic], collector)):
        await eventually(lambda: len(collector.messages) >= 60, "60 messages")

    by_key: dict[bytes, list[bytes]] = defaultdict(list)
    partitions: dict[bytes, set[int]] = defaultdict(set)
    for message in collector.messages:
        assert message.key is not None
        by_key[message.key].append(message.value)
        partitions[message.key].add(message.partition)
    for key in keys:
        assert by_key[key] == sorted(by_key[key]), f"{key!r} out of order"
        assert len(by_key[key]) == 12
        assert len(partitions[key]) == 1, "one key must stay on one partition"


async def test_a_consumer_that_dies_mid_batch_loses_nothing(backend: BusBackend) -> None:
    topic = await backend.topic()
    values = numbered("msg", 20)
    await publish_values(backend, topic, values, key=b"case-1")

    first_life = Collector(crash_on=b"msg-007")
    dying = (await backend.new_bus()).subscribe(backend.group("crashing"), [topic], first_life)
    with pytest.raises(SimulatedCrash):
        await asyncio.wait_for(dying.run(), 60)

    second_life = Collector()
    restarted = (await backend.new_bus()).subscribe(backend.group("crashing"), [topic], second_life)
    async with running(restarted):
        await eventually(lambda: b"msg-019" in second_life.values, "the last message")

    assert b"msg-007" in second_life.values, "the message in flight at the crash is redelivered"
    assert set(first_life.values) | set(second_life.values) == set(values)
    assert second_life.values == sorted(second_life.values)


async def test_committed_offsets_survive_a_restart(backend: BusBackend) -> None:
    topic = await backend.topic()
    await publish_values(backend, topic, numbered("old", 10), key=b"case-1")
    before = Collector()
    bus = await backend.new_bus()
    async with running(bus.subscribe(backend.group("restarts"), [topic], before)):
        await eventually(lambda: len(before.values) == 10, "the first ten")
    await bus.close()

    await publish_values(backend, topic, numbered("new", 5), key=b"case-1")
    after = Collector()
    async with running(
        (await backend.new_bus()).subscribe(backend.group("restarts"), [topic], after)
    ):
        await eventually(lambda: len(after.values) >= 5, "the five new ones")
        await asyncio.sleep(0.5)  # room for a wrongly redelivered old message to show up
    assert after.values == numbered("new", 5)


async def test_two_members_of_a_group_share_the_partitions(backend: BusBackend) -> None:
    topic = await backend.topic(partitions=4)
    left, right = Collector(), Collector()
    member_a = (await backend.new_bus()).subscribe(backend.group("sharing"), [topic], left)
    member_b = (await backend.new_bus()).subscribe(backend.group("sharing"), [topic], right)
    async with running(member_a), running(member_b):
        await eventually(
            lambda: (
                bool(member_a.assignment)
                and bool(member_b.assignment)
                and not member_a.assignment & member_b.assignment
                and len(member_a.assignment | member_b.assignment) == 4
            ),
            "both members to own disjoint halves",
        )
        bus = await backend.new_bus()
        for i in range(40):
            await bus.publish(OutgoingMessage(topic, f"m-{i:03d}".encode(), key=f"k{i}".encode()))
        await eventually(lambda: len(left.values) + len(right.values) >= 40, "all 40 messages")
        owned_a, owned_b = member_a.assignment, member_b.assignment

    assert left.values, "each member handled some messages"
    assert right.values, "each member handled some messages"
    assert not set(left.values) & set(right.values), "no message handled twice"
    assert {(m.topic, m.partition) for m in left.messages} <= owned_a
    assert {(m.topic, m.partition) for m in right.messages} <= owned_b


async def test_a_poison_message_is_dead_lettered_and_later_ones_handled(
    backend: BusBackend,
) -> None:
    topic = await backend.topic()
    await publish_values(backend, topic, [b"good-1", b"poison", b"good-2"], key=b"case-9")
    collector = Collector(fail_on=b"poison")
    bus = await backend.new_bus()
    async with running(bus.subscribe(backend.group("poisoned"), [topic], collector, FAST_RETRIES)):
        await eventually(lambda: b"good-2" in collector.values, "the message after the poison")
    assert collector.values == [b"good-1", b"good-2"]
    assert collector.calls.count(b"poison") == FAST_RETRIES.max_attempts

    dead = Collector()
    async with running(bus.subscribe(backend.group("dlq-reader"), [dlq_topic(topic)], dead)):
        await eventually(lambda: len(dead.messages) == 1, "the dead letter")
    letter = dead.messages[0]
    assert letter.value == b"poison"
    assert letter.key == b"case-9"
    assert letter.header(DLQ_HEADER_TOPIC) == topic.encode()
    assert letter.header(DLQ_HEADER_PARTITION) == b"0"
    assert letter.header(DLQ_HEADER_OFFSET) == b"1"
    assert letter.header(DLQ_HEADER_ERROR) == b"ValueError"


async def test_an_aborted_transaction_is_invisible_and_its_input_redelivered(
    backend: BusBackend,
) -> None:
    source, sink = await backend.topic(), await backend.topic()
    inputs = numbered("in", 6)
    await publish_values(backend, source, inputs, key=b"case-3")
    seen: list[bytes] = []
    crash_once = {b"in-004"}

    async def double(message: ConsumedMessage) -> list[OutgoingMessage]:
        seen.append(message.value)
        out = [OutgoingMessage(sink, b"out-" + message.value, key=message.key)]
        if message.value in crash_once:
            crash_once.clear()
            raise SimulatedCrash(message.value)
        return out

    crashing = (await backend.new_bus()).transform(backend.group("doubling"), [source], double)
    with pytest.raises(SimulatedCrash):
        await asyncio.wait_for(crashing.run(), 60)
    crashed_at = len(seen)

    restarted = (await backend.new_bus()).transform(backend.group("doubling"), [source], double)
    reader = Collector()
    reading_bus = await backend.new_bus()
    async with (
        running(restarted),
        running(reading_bus.subscribe(backend.group("reader"), [sink], reader)),
    ):
        await eventually(lambda: len(reader.values) >= len(inputs), "every output")
        await asyncio.sleep(1.0)  # room for an aborted duplicate to show up

    assert reader.values == [b"out-" + value for value in inputs], "each output exactly once"
    assert b"in-004" in seen[crashed_at:], "the aborted input is delivered again"


async def test_bytes_that_are_not_an_envelope_are_dead_lettered_with_the_reason(
    backend: BusBackend,
) -> None:
    topic = await backend.topic()
    bus = await backend.new_bus()
    valid = Envelope(
        type="consultation.received",
        schema_version=1,
        case_id="case-77",
        occurred_at=datetime(2026, 11, 1, 9, 30, tzinfo=UTC),
        producer="intake",
        correlation_id="corr-1",
        payload={"body": {"enc": "v1", "kid": "k", "nonce": "n", "ct": "c"}},
    )
    missing_type = json.loads(encode_envelope(valid))
    del missing_type["type"]
    missing_type["payload"] = {"email": "taro@example.jp"}
    await bus.publish(OutgoingMessage(topic, b"\xff not json {", key=b"case-77"))
    await bus.publish(OutgoingMessage(topic, json.dumps(missing_type).encode(), key=b"case-77"))
    await bus.publish(envelope_message(topic, valid))

    handled: list[Envelope] = []

    async def record(envelope: Envelope) -> None:
        handled.append(envelope)

    reader = bus.subscribe(backend.group("envelopes"), [topic], envelope_handler(record))
    dead = Collector()
    async with (
        running(reader),
        running(bus.subscribe(backend.group("dlq"), [dlq_topic(topic)], dead)),
    ):
        await eventually(lambda: len(handled) == 1 and len(dead.messages) == 2, "1 ok, 2 dead")

    assert handled == [valid]
    reasons = [letter.header(DLQ_HEADER_ERROR) or b"" for letter in dead.messages]
    assert b"invalid envelope" in reasons[0]
    assert b"type" in reasons[1]
    assert all(b"taro@example.jp" not in reason for reason in reasons)


async def test_a_rebalance_during_a_slow_batch_loses_nothing_and_stops_no_member(
    backend: BusBackend,
) -> None:
    topic = await backend.topic(partitions=4)
    bus = await backend.new_bus()
    values = numbered("slow", 40)
    for i, value in enumerate(values):
        await bus.publish(OutgoingMessage(topic, value, key=f"k{i}".encode()))
    seen: list[bytes] = []

    async def slow(message: ConsumedMessage) -> None:
        await asyncio.sleep(0.05)  # long enough for a member to join mid-batch
        seen.append(message.value)

    first = (await backend.new_bus()).subscribe(backend.group("rebalancing"), [topic], slow)
    second = (await backend.new_bus()).subscribe(backend.group("rebalancing"), [topic], slow)
    async with running(first) as first_task:
        await eventually(lambda: len(seen) >= 3, "the first member to be mid-batch")
        async with running(second) as second_task:
            await eventually(lambda: set(values) <= set(seen), "every message handled")
            assert not first_task.done(), "the first member survived the rebalance"
            assert not second_task.done()


async def test_consumed_records_can_be_deleted_and_the_partition_goes_on(
    backend: BusBackend,
) -> None:
    """`delete_consumed` removes what the group committed, nothing after it, and appends (and
    the group's reads) continue at the offsets they had: raw ingress leaves the log once read."""
    topic = await backend.topic()
    await publish_values(backend, topic, numbered("read", 4), key=b"case-d")
    collector = Collector()
    bus = await backend.new_bus()
    async with running(bus.subscribe(backend.group("deleting"), [topic], collector)):
        await eventually(lambda: len(collector.values) == 4, "the first four")
    starts = await bus.delete_consumed(backend.group("deleting"), topic)
    assert starts == {(topic, 0): 4}
    await publish_values(backend, topic, numbered("later", 2), key=b"case-d")
    everything = Collector()
    async with running(bus.subscribe(backend.group("from-the-start"), [topic], everything)):
        await eventually(lambda: len(everything.values) >= 2, "what is left")
        await asyncio.sleep(0.3)
    assert everything.values == numbered("later", 2)
    assert [m.offset for m in everything.messages] == [4, 5]
    assert await bus.delete_consumed(backend.group("never-consumed"), topic) == {}


async def test_a_sealed_dead_letter_is_what_reaches_the_dlq(backend: BusBackend) -> None:
    topic = await backend.topic()
    await publish_values(backend, topic, [b"poison taro@example.jp"], key=b"taro@example.jp")

    async def seal(dead: OutgoingMessage) -> OutgoingMessage:
        return OutgoingMessage(dead.topic, b"sealed", None, ())

    sealing = DeliveryPolicy(max_attempts=1, seal_dead_letter=seal)
    bus = await backend.new_bus()
    async with running(
        bus.subscribe(
            backend.group("sealing"), [topic], Collector(fail_on=b"poison taro@example.jp"), sealing
        )
    ):
        dead = Collector()
        async with running(bus.subscribe(backend.group("sealed-reader"), [dlq_topic(topic)], dead)):
            await eventually(lambda: len(dead.messages) == 1, "the sealed dead letter")
    assert dead.messages[0].value == b"sealed"
    assert dead.messages[0].key is None
