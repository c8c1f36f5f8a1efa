"""EmbeddedBus end to end on a temporary file: topics, hand-over, crashes, wake-up."""

import asyncio
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from shared.bus.embedded import EmbeddedBus
from shared.bus.errors import BusError, UnknownTopicError
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.policy import DeliveryPolicy
from shared.bus.topics import TopicSpec
from tests.conformance.running import Collector, SimulatedCrash, eventually, running

ONE_TRY = DeliveryPolicy(max_attempts=1)
BusFactory = Callable[..., EmbeddedBus]


@pytest.fixture
async def new_bus(tmp_path: Path) -> AsyncIterator[BusFactory]:
    """Opens buses on one file; each call is another process's view of the same log."""
    opened: list[EmbeddedBus] = []

    def make(**timing: float) -> EmbeddedBus:
        bus = EmbeddedBus(tmp_path / "log.sqlite3", **timing)
        opened.append(bus)
        return bus

    yield make
    for bus in opened:
        await bus.close()


async def started(make: BusFactory, **timing: float) -> EmbeddedBus:
    bus = make(**timing)
    await bus.start()
    await bus.ensure_topics([TopicSpec("t", 2)])
    return bus


async def test_ping_fails_before_start_and_start_is_idempotent(new_bus: BusFactory) -> None:
    bus = new_bus()
    with pytest.raises(BusError):
        await bus.ping()
    await asyncio.gather(bus.start(), new_bus().start(), new_bus().start())
    await bus.start()
    await bus.ping()


async def test_publishing_needs_a_declared_topic_but_its_dlq_comes_free(
    new_bus: BusFactory,
) -> None:
    bus = await started(new_bus)
    with pytest.raises(UnknownTopicError):
        await bus.publish(OutgoingMessage("undeclared", b"x"))
    await bus.publish(OutgoingMessage("t.dlq", b"x"))


async def test_concurrent_publishes_share_commits_yet_keep_order_and_their_own_errors(
    new_bus: BusFactory,
) -> None:
    bus = await started(new_bus)
    values = [b"%03d" % i for i in range(60)]
    outcomes = await asyncio.gather(
        *(bus.publish(OutgoingMessage("t", value, key=b"same")) for value in values[:30]),
        bus.publish(OutgoingMessage("undeclared", b"x")),
        *(bus.publish(OutgoingMessage("t", value, key=b"same")) for value in values[30:]),
        return_exceptions=True,
    )
    assert [type(outcome) for outcome in outcomes if outcome is not None] == [UnknownTopicError]

    # Every publish that returned is in the log, in the order of the calls.
    collector = Collector()
    async with running(bus.subscribe("g", ["t"], collector, ONE_TRY)):
        await eventually(lambda: len(collector.messages) == len(values), "all consumed")
    assert [message.value for message in collector.messages] == values


async def test_a_crashed_member_is_replaced_within_the_session_timeout(
    new_bus: BusFactory,
) -> None:
    bus = await started(new_bus, session_timeout_s=0.5)
    await bus.publish(OutgoingMessage("t", b"boom"))
    with pytest.raises(SimulatedCrash):
        await bus.subscribe("g", ["t"], Collector(crash_on=b"boom"), ONE_TRY).run()

    crashed_at = time.monotonic()
    successor = (await started(new_bus, session_timeout_s=0.5)).subscribe("g", ["t"], Collector())
    async with running(successor):
        assigned = await successor.wait_assigned(timeout_s=2.0)
    assert assigned == {("t", 0), ("t", 1)}
    assert time.monotonic() - crashed_at < 0.5 + 0.8, "taken over once the session expired"


async def test_a_member_that_stops_cleanly_hands_over_at_once(new_bus: BusFactory) -> None:
    bus = await started(new_bus, session_timeout_s=30.0)
    leaving = bus.subscribe("g", ["t"], Collector())
    staying = bus.subscribe("g", ["t"], Collector())
    async with running(staying):
        async with running(leaving):
            await eventually(
                lambda: len(leaving.assignment) == 1 and len(staying.assignment) == 1,
                "an even split",
                timeout_s=5.0,
            )
        # Far sooner than the 30 s session: the leaver said goodbye.
        await eventually(lambda: len(staying.assignment) == 2, "the whole topic", timeout_s=1.0)


async def test_a_cancelled_member_commits_nothing_of_its_batch(new_bus: BusFactory) -> None:
    bus = await started(new_bus, session_timeout_s=0.3)
    for value in (b"first", b"second"):
        await bus.publish(OutgoingMessage("t", value, key=b"same"))
    handled: list[bytes] = []

    async def stuck_on_second(message: ConsumedMessage) -> None:
        handled.append(message.value)
        if message.value == b"second":
            await asyncio.Event().wait()

    task = asyncio.create_task(bus.subscribe("g", ["t"], stuck_on_second).run())
    await eventually(lambda: len(handled) == 2, "the handler to hang", timeout_s=5.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    again = Collector()
    async with running(bus.subscribe("g", ["t"], again)):
        await eventually(lambda: len(again.values) == 2, "both redelivered", timeout_s=5.0)
    assert again.values == [b"first", b"second"]


async def test_a_publish_in_this_process_wakes_an_idle_consumer(new_bus: BusFactory) -> None:
    bus = await started(new_bus, poll_interval_s=30.0)
    collector = Collector()
    async with running(consumer := bus.subscribe("g", ["t"], collector)):
        await consumer.wait_assigned(timeout_s=5.0)
        await asyncio.sleep(0.1)  # let it go idle
        await bus.publish(OutgoingMessage("t", b"hello"))
        await eventually(lambda: collector.values == [b"hello"], "the wake-up", timeout_s=2.0)
        stopping_since = time.monotonic()
    assert time.monotonic() - stopping_since < 2.0, "request_stop wakes the idle loop too"


async def test_messages_published_by_another_process_arrive_in_order(
    new_bus: BusFactory, tmp_path: Path
) -> None:
    bus = await started(new_bus)
    script = textwrap.dedent(
        f"""
        import asyncio
        from pathlib import Path
        from shared.bus.embedded import EmbeddedBus
        from shared.bus.messages import OutgoingMessage

        async def main() -> None:
            bus = EmbeddedBus(Path({str(tmp_path / "log.sqlite3")!r}))
            await bus.start()
            for i in range(20):
                await bus.publish(OutgoingMessage("t", b"%03d" % i, key=b"one-key"))
            await bus.close()

        asyncio.run(main())
        """
    )
    collector = Collector()
    async with running(bus.subscribe("g", ["t"], collector)):
        child = await asyncio.create_subprocess_exec(sys.executable, "-c", script)
        assert await child.wait() == 0
        await eventually(lambda: len(collector.values) == 20, "twenty messages", timeout_s=10.0)
    assert collector.values == [b"%03d" % i for i in range(20)]
    assert [m.offset for m in collector.messages] == list(range(20))


async def test_a_handler_slower_than_the_session_keeps_its_partition(
    new_bus: BusFactory,
) -> None:
    bus = await started(new_bus, session_timeout_s=0.3)
    await bus.publish(OutgoingMessage("t", b"slow", key=b"k"))
    handled: list[bytes] = []

    async def slow(message: ConsumedMessage) -> None:
        handled.append(message.value)
        await asyncio.sleep(1.0)  # three sessions long: only the heartbeat keeps the member

    first = bus.subscribe("g", ["t"], slow)
    second = bus.subscribe("g", ["t"], slow)
    async with running(first):
        await eventually(lambda: handled == [b"slow"], "the slow message to start", timeout_s=5.0)
        async with running(second):
            await asyncio.sleep(1.5)
    assert handled == [b"slow"], "nobody took the partition away mid-message"
