"""Privacy's consumer dead-letters an event of a type or a version it does not know, with the
reason, from each topic it reads, on Kafka and on the embedded bus (issue 15)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.privacy.bootstrap import Privacy, bootstrap
from services.privacy.entrypoints.consumer import consume
from shared.bus.memory import MemoryBroker, MemoryBus
from shared.bus.messages import ConsumedMessage
from shared.database import create_engine
from shared.envelope import decode_envelope
from shared.infrastructure import Infrastructure
from shared.settings import load_settings
from tests.conformance.conftest import BusBackend
from tests.integration.consumer_dead_letters import (
    assert_unknown_events_dead_lettered,
    consumer_bus,
    subscriber,
)

__all__ = ["consumer_bus"]
TOPICS_FILE = Path(__file__).resolve().parents[3] / "deploy" / "kafka" / "topics.toml"


@pytest.fixture
async def privacy(tmp_path: Path) -> AsyncIterator[Privacy]:
    """Privacy as its bootstrap wires it, on SQLite stores of this test; its consumer runs
    below on the bus under test (its own publications go to an in-memory bus)."""
    settings = load_settings(
        service_name="privacy",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/privacy.sqlite3",
        keystore_url=f"sqlite+aiosqlite:///{tmp_path}/keys.sqlite3",
        topics_file=TOPICS_FILE,
        privacy_dev_signing_key_file=tmp_path / "receipt.key",
    )
    infrastructure = Infrastructure(settings, MemoryBus(MemoryBroker()), create_engine(settings))
    service = bootstrap(settings, infrastructure)
    async with service.running():
        yield service
    await infrastructure.engine.dispose()


@pytest.mark.parametrize(
    ("read_as", "known_type"),
    [
        ("intake", "consultation.received"),
        ("policy", "closure.decided"),
        ("records", "records.acknowledged"),
        ("privacy", "subject.erased"),
    ],
)
async def test_unknown_events_reach_privacys_dlq_with_the_reason(
    consumer_bus: BusBackend, privacy: Privacy, read_as: str, known_type: str
) -> None:
    as_topic = getattr(privacy.topics, read_as)

    async def handle(message: ConsumedMessage) -> None:
        # The test's fresh topic stands for the topic privacy reads it as.
        await consume(privacy, as_topic, decode_envelope(message.value))

    await assert_unknown_events_dead_lettered(
        consumer_bus, "privacy", subscriber(handle), known_type
    )
