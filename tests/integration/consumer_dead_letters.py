"""Shared check for every service's consumer: an event of an unknown type and one of an unknown
version, published where the consumer reads, reach its DLQ with the reason — on Kafka and on
the embedded bus (the `consumer_bus` fixture's ids `kafka`, `embedded`)."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from shared.bus.batches import Handler
from shared.bus.interface import Bus, Consumer
from shared.bus.kafka import KafkaBus
from shared.contracts.declaring import UnknownEventError, unknown_reason
from shared.contracts.registry import CONTRACTS
from tests.conformance.conftest import BusBackend
from tests.conformance.running import running
from tests.contract_events import UNDECLARED_TYPE, dead_letters, unknown_event_messages


@pytest.fixture(params=["kafka", "embedded"])
async def consumer_bus(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[BusBackend]:
    if request.param == "kafka":
        bootstrap = request.getfixturevalue("kafka_bootstrap")
        made = BusBackend("kafka", bootstrap, lambda: KafkaBus(bootstrap, client_id="consumers"))
    else:
        from shared.bus.embedded import EmbeddedBus

        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
        path = tmp_path / "bus.sqlite3"
        made = BusBackend("embedded", str(path), lambda: EmbeddedBus(path, session_timeout_s=2.0))
    yield made
    await made.close_all()


Member = Callable[[Bus, str, str], Consumer]
"""Starts the consumer under test on (bus, group, topic)."""


def subscriber(handler: Handler) -> Member:
    return lambda bus, group, topic: bus.subscribe(group, [topic], handler)


async def assert_unknown_events_dead_lettered(
    backend: BusBackend,
    consumer: str,
    member: Member,
    known_type: str,
    error_type: type[Exception] = UnknownEventError,
) -> None:
    """Runs the consumer on a fresh topic and group, publishes an undeclared type and
    `known_type` one version too new, and asserts both reach its DLQ with the reason."""
    topic = await backend.topic()
    bus = await backend.new_bus()
    group = backend.group(consumer)
    for message in unknown_event_messages(topic, known_type):
        await bus.publish(message)
    async with running(member(bus, group, topic)):
        letters = await dead_letters(bus, topic, expected=2, group=group)
    assert {letter.error_type for letter in letters} == {error_type.__name__}
    too_new = CONTRACTS.latest(known_type).version + 1
    assert sorted(letter.reason for letter in letters) == sorted(
        f"{consumer}: {unknown_reason(CONTRACTS, event_type, version)}"
        for event_type, version in [(UNDECLARED_TYPE, 1), (known_type, too_new)]
    )
    assert not any("not read by anyone" in letter.reason for letter in letters)
