"""The outbox relay against fakes: fresh messages published at once and marked in batches off
the request's path, the drain leaving them alone meanwhile, failures left for the drain."""

import asyncio

from services.intake.service_layer.outbox import OutboxRelay
from services.intake.service_layer.ports import PendingMessage
from shared.bus.errors import BusError
from shared.bus.messages import OutgoingMessage


class FakeLedger:
    def __init__(self) -> None:
        self.unpublished: dict[str, PendingMessage] = {}
        self.marks: list[list[str]] = []

    def add(self, key: str) -> PendingMessage:
        pending = PendingMessage(key, OutgoingMessage("topic", key.encode(), None, ()))
        self.unpublished[key] = pending
        return pending

    async def pending(self, limit: int) -> list[PendingMessage]:
        return list(self.unpublished.values())[:limit]

    async def mark_published(self, keys: list[str]) -> None:
        await asyncio.sleep(0)  # a round trip: others publish meanwhile
        self.marks.append(keys)
        for key in keys:
            self.unpublished.pop(key, None)


class FakeBus:
    def __init__(self, failing: bool = False) -> None:
        self.published: list[bytes] = []
        self.failing = failing

    async def publish(self, message: OutgoingMessage) -> None:
        if self.failing:
            raise BusError("broker down")
        self.published.append(message.value)


async def test_fresh_messages_are_published_at_once_and_marked_together() -> None:
    ledger, bus = FakeLedger(), FakeBus()
    relay = OutboxRelay(ledger, bus)
    fresh = [ledger.add(f"k{i}") for i in range(10)]

    await asyncio.gather(*(relay.publish_now(pending) for pending in fresh))
    assert len(bus.published) == 10
    assert await relay.drain() == 0, "the drain leaves what the relay has in hand"
    await relay.flush()

    assert ledger.unpublished == {}
    assert len(ledger.marks) < 10, "marked in batches, not one commit per message"
    assert len(bus.published) == 10


async def test_a_message_the_bus_refused_is_left_for_the_drain() -> None:
    ledger, bus = FakeLedger(), FakeBus(failing=True)
    relay = OutboxRelay(ledger, bus)

    await relay.publish_now(ledger.add("k"))
    await relay.flush()
    assert list(ledger.unpublished) == ["k"]

    bus.failing = False
    assert await relay.drain() == 1
    assert ledger.unpublished == {}
    assert bus.published == [b"k"]
