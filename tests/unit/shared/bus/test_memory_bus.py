"""What MemoryBus offers beyond the Bus contract (the contract itself: tests/conformance)."""

import pytest

from shared.bus.errors import BusError, UnknownTopicError
from shared.bus.factory import build_bus
from shared.bus.memory import MemoryBroker, MemoryBus
from shared.bus.messages import OutgoingMessage
from shared.bus.topics import TopicSpec
from shared.settings import CaselogSettings


async def test_published_lists_every_record_with_its_place_in_append_order() -> None:
    bus = MemoryBus()
    await bus.start()
    await bus.ensure_topics([TopicSpec("t", partitions=3), TopicSpec("u")])
    await bus.publish(OutgoingMessage("t", b"one", key=b"k"))
    await bus.publish(OutgoingMessage("u", b"two", key=b"k"))
    await bus.publish(OutgoingMessage("t", b"three", key=b"k"))

    assert [record.value for record in bus.broker.published()] == [b"one", b"two", b"three"]
    on_t = bus.broker.published("t")
    assert [record.value for record in on_t] == [b"one", b"three"]
    assert [record.offset for record in on_t] == [0, 1]
    assert on_t[0].partition == on_t[1].partition, "one key, one partition"
    assert bus.broker.topics == {"t": 3, "u": 1, "t.dlq": 3, "u.dlq": 1}


async def test_an_unavailable_broker_refuses_publish_and_ping() -> None:
    bus = MemoryBus()
    await bus.start()
    await bus.ensure_topics([TopicSpec("t")])
    bus.broker.available = False
    with pytest.raises(BusError):
        await bus.ping()
    with pytest.raises(BusError):
        await bus.publish(OutgoingMessage("t", b"lost"))
    assert bus.broker.published() == []


async def test_publishing_to_an_undeclared_topic_fails_and_a_bus_must_be_started() -> None:
    bus = MemoryBus(MemoryBroker())
    with pytest.raises(BusError, match="not started"):
        await bus.publish(OutgoingMessage("t", b"early"))
    await bus.start()
    with pytest.raises(UnknownTopicError):
        await bus.publish(OutgoingMessage("never-declared", b"x"))


def test_the_factory_builds_a_memory_bus_when_settings_ask_for_one() -> None:
    settings = CaselogSettings(service_name="intake", bus="memory")
    assert isinstance(build_bus(settings), MemoryBus)
