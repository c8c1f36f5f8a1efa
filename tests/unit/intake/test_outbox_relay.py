"""The outbox relay on a real SQLite ledger: fresh messages published at once and marked in
batches off the request's path, the drain leaving them alone meanwhile, failures left for the
drain."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.ledger import SqlLedger, create_ledger_tables
from services.intake.service_layer.messages import Accepted
from services.intake.service_layer.outbox import OutboxRelay
from services.intake.service_layer.ports import CaseKeys, PendingMessage
from services.intake.service_layer.unit_of_work import IntakeStores
from shared.bus.errors import BusError
from shared.bus.memory import MemoryBus
from shared.bus.messages import OutgoingMessage
from shared.bus.topics import TopicSpec
from shared.database import engine_for_url


async def started_bus(*, available: bool = True) -> MemoryBus:
    """The in-memory bus with intake's topic declared; `available=False`: the broker is down."""
    bus = MemoryBus()
    await bus.start()
    await bus.ensure_topics([TopicSpec("caselog.intake", partitions=1)])
    bus.broker.available = available
    return bus


def published(bus: MemoryBus) -> list[bytes]:
    return [record.value for record in bus.broker.published("caselog.intake")]


@pytest.fixture
async def stores(tmp_path: Path) -> IntakeStores:
    engine = engine_for_url(f"sqlite+aiosqlite:///{tmp_path}/ledger.db")
    await create_ledger_tables(engine)
    return IntakeStores(engine, engine, SqlLedger, never_opens_a_case)


def never_opens_a_case(connection: AsyncConnection) -> CaseKeys:
    raise AssertionError("the relay reaches the ledger alone")


async def recorded(stores: IntakeStores, key: str) -> PendingMessage:
    message = OutgoingMessage("caselog.intake", key.encode(), None, ())
    async with stores.ledger_work() as uow:
        await uow.ledger.record(key, Accepted("case", key), message, None)
        await uow.commit()
    return PendingMessage(key, message)


async def unpublished(stores: IntakeStores) -> list[str]:
    async with stores.ledger_work() as uow:
        return [item.key for item in await uow.ledger.pending(100)]


async def test_fresh_messages_are_published_at_once_and_marked_together(
    stores: IntakeStores,
) -> None:
    bus = await started_bus()
    relay = OutboxRelay(stores, bus)
    fresh = [await recorded(stores, f"k{i}") for i in range(10)]
    marks: list[object] = []
    event.listen(
        stores.ledger_engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cu, statement, *_: marks.append(1) if statement.startswith("UPDATE") else None,
    )

    await asyncio.gather(*(relay.publish_now(pending) for pending in fresh))
    assert len(published(bus)) == 10
    assert await relay.drain() == 0, "the drain leaves what the relay has in hand"
    await relay.flush()

    assert await unpublished(stores) == []
    assert len(marks) < 10, "marked in batches, not one commit per message"
    assert len(published(bus)) == 10


async def test_a_message_the_bus_refused_is_left_for_the_drain(stores: IntakeStores) -> None:
    bus = await started_bus(available=False)
    relay = OutboxRelay(stores, bus)

    await relay.publish_now(await recorded(stores, "k"))
    await relay.flush()
    assert await unpublished(stores) == ["k"]

    bus.broker.available = True
    assert await relay.drain() == 1
    assert await unpublished(stores) == []
    assert published(bus) == [b"k"]


class SlowPublisher:
    """A bus that takes a while per message, counting how many are in flight at once."""

    def __init__(self, failing: bytes | None = None) -> None:
        self.sent: list[OutgoingMessage] = []
        self.in_flight = self.most_in_flight = 0
        self.failing = failing

    async def publish(self, message: OutgoingMessage) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            if message.value == self.failing:
                raise BusError("the broker is down")
            self.sent.append(message)
        finally:
            self.in_flight -= 1


async def recorded_for(stores: IntakeStores, key: str, message_key: bytes) -> None:
    message = OutgoingMessage("caselog.intake", key.encode(), message_key, ())
    async with stores.ledger_work() as uow:
        await uow.ledger.record(key, Accepted("case", key), message, None)
        await uow.commit()


async def test_the_drain_has_many_in_flight_and_keeps_each_keys_order(
    stores: IntakeStores,
) -> None:
    for n in range(12):
        await recorded_for(stores, f"k{n}", f"subject-{n % 3}".encode())
    publisher = SlowPublisher()

    assert await OutboxRelay(stores, publisher).drain() == 12

    assert publisher.most_in_flight == 3, "one chain per message key, side by side"
    for subject in range(3):
        of_subject = [m.value for m in publisher.sent if m.key == f"subject-{subject}".encode()]
        assert of_subject == [f"k{n}".encode() for n in range(subject, 12, 3)]
    assert await unpublished(stores) == []


async def test_a_failed_publish_stops_its_key_and_marks_what_went_out(
    stores: IntakeStores,
) -> None:
    for n in range(6):
        await recorded_for(stores, f"k{n}", f"subject-{n % 2}".encode())
    publisher = SlowPublisher(failing=b"k2")  # subject-0's second message

    with pytest.raises(BusError):
        await OutboxRelay(stores, publisher).drain()

    assert [m.value for m in publisher.sent if m.key == b"subject-0"] == [b"k0"]
    assert await unpublished(stores) == ["k2", "k4"], "nothing of subject-0 overtook k2"
