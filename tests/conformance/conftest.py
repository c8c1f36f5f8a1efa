"""Runs every conformance test once per bus implementation: ids `kafka`, `embedded`, `memory`."""

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from shared.bus.interface import Bus
from shared.bus.kafka import KafkaBus
from shared.bus.memory import MemoryBroker, MemoryBus
from shared.bus.topics import TopicSpec


class BusBackend:
    """Makes fresh Bus instances over one shared backend, so a test can 'restart' a process."""

    def __init__(self, kind: str, address: str, make: Callable[[], Bus]) -> None:
        self.kind = kind
        self.address = address
        self._make = make
        self._opened: list[Bus] = []
        self._run = uuid.uuid4().hex[:8]

    async def new_bus(self) -> Bus:
        bus = self._make()
        await bus.start()
        self._opened.append(bus)
        return bus

    async def topic(self, partitions: int = 1) -> str:
        """A new declared topic (with its DLQ) unique to the calling test."""
        name = f"conformance.{uuid.uuid4().hex[:12]}"
        bus = await self.new_bus()
        await bus.ensure_topics([TopicSpec(name, partitions)])
        return name

    def group(self, name: str) -> str:
        """A consumer-group name unique to this test run (reruns on one broker don't mix)."""
        return f"{name}.{self._run}"

    async def close_all(self) -> None:
        for bus in self._opened:
            await bus.close()


@pytest.fixture(params=["kafka", "embedded", "memory"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BusBackend]:
    if request.param == "kafka":
        bootstrap = request.getfixturevalue("kafka_bootstrap")
        made = BusBackend("kafka", bootstrap, lambda: KafkaBus(bootstrap, client_id="conformance"))
    elif request.param == "memory":
        # Every bus of one test shares one broker, as every bus of the others shares a server.
        broker = MemoryBroker()
        made = BusBackend("memory", "", lambda: MemoryBus(broker))
    else:
        from shared.bus.embedded import EmbeddedBus

        path = tmp_path / "bus.sqlite3"
        made = BusBackend("embedded", str(path), lambda: EmbeddedBus(path, session_timeout_s=2.0))
    yield made
    await made.close_all()
