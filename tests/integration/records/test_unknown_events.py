"""Records' consumer dead-letters an event of a type or a version no contract declares, with
the reason, on Kafka and on the embedded bus (issue 15), and stores nothing of either: the log
keeps every declared event, never one of a shape nobody declared."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.records.bootstrap import Records, bootstrap
from services.records.entrypoints.consumer import PATIENT_DELIVERY, record_handler
from shared.bus.interface import Bus, Consumer
from shared.bus.memory import MemoryBroker, MemoryBus
from shared.database import create_engine
from shared.infrastructure import Infrastructure
from shared.settings import load_settings
from tests.conformance.conftest import BusBackend
from tests.integration.consumer_dead_letters import (
    assert_unknown_events_dead_lettered,
    consumer_bus,
)

__all__ = ["consumer_bus"]
TOPICS_FILE = Path(__file__).resolve().parents[3] / "deploy" / "kafka" / "topics.toml"


@pytest.fixture
async def records(tmp_path: Path) -> AsyncIterator[Records]:
    """Records as its bootstrap wires it, on SQLite files of this test; its consumer runs below
    on the bus under test (its acknowledgements go to an in-memory bus)."""
    settings = load_settings(
        service_name="records",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/records.sqlite3",
        keystore_url=f"sqlite+aiosqlite:///{tmp_path}/keys.sqlite3",
        records_dev_signing_key_file=tmp_path / "records-signing.key",
        topics_file=TOPICS_FILE,
    )
    infrastructure = Infrastructure(settings, MemoryBus(MemoryBroker()), create_engine(settings))
    service = bootstrap(settings, infrastructure)
    async with service.running():
        yield service
    await infrastructure.engine.dispose()


@pytest.mark.parametrize(
    "known_type", ["consultation.received", "closure.decided", "subject.erased"]
)
async def test_unknown_events_reach_records_dlq_with_the_reason_and_are_not_stored(
    consumer_bus: BusBackend, records: Records, known_type: str
) -> None:
    handler = record_handler(records.handle)

    def member(bus: Bus, group: str, topic: str) -> Consumer:
        return bus.subscribe_batch(group, [topic], handler, PATIENT_DELIVERY)

    await assert_unknown_events_dead_lettered(consumer_bus, "records", member, known_type)

    assert await records.store.size() == 0
