"""Privacy wired through its own bootstrap on SQLite files and a bus that only records what is
published; intake's events are handed to the projection as the consumer would."""

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.privacy.bootstrap import Privacy, bootstrap
from services.privacy.entrypoints.consumer import consume
from shared.bus.memory import MemoryBus
from shared.bus.messages import ConsumedMessage
from shared.bus.topics import load_topic_specs
from shared.database import create_engine
from shared.envelope import Envelope, decode_envelope
from shared.infrastructure import Infrastructure
from shared.settings import CaselogSettings, load_settings
from tests.unit.privacy.samples import SampleCase, sample_case

TOPICS_FILE = Path(__file__).resolve().parents[3] / "deploy" / "kafka" / "topics.toml"
START = datetime(2026, 11, 6, tzinfo=UTC)


class Clock:
    """The service's clock, moved by the test."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class RecordingBus(MemoryBus):
    """The in-memory bus (shared.bus.memory), with what was published read back for the
    assertions; nothing consumes it (the tests hand events to the projection themselves)."""

    @property
    def published(self) -> list[ConsumedMessage]:
        return self.broker.published()

    def envelopes(self, event_type: str | None = None) -> list[Envelope]:
        found = [decode_envelope(message.value) for message in self.published]
        return [e for e in found if event_type is None or e.type == event_type]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> CaselogSettings:
    return load_settings(
        service_name="privacy",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/privacy.sqlite3",
        keystore_url=f"sqlite+aiosqlite:///{tmp_path}/keys.sqlite3",
        topics_file=TOPICS_FILE,
        privacy_dev_signing_key_file=tmp_path / "receipt.key",
    )


@pytest.fixture
async def bus() -> RecordingBus:
    started = RecordingBus()
    await started.start()
    await started.ensure_topics(load_topic_specs(TOPICS_FILE))
    return started


@contextlib.asynccontextmanager
async def started(
    settings: CaselogSettings, bus: RecordingBus, clock: Clock
) -> AsyncIterator[Privacy]:
    """Privacy built by its bootstrap from `settings`, running until the block ends."""
    infrastructure = Infrastructure(settings, bus, create_engine(settings))
    service = bootstrap(settings, infrastructure, clock=clock)
    async with service.running():
        yield service
    await infrastructure.engine.dispose()


@pytest.fixture
async def privacy(
    settings: CaselogSettings, bus: RecordingBus, clock: Clock
) -> AsyncIterator[Privacy]:
    async with started(settings, bus, clock) as service:
        yield service


async def received(
    privacy: Privacy, closed_at: str | None = "2026-11-05T17:00:00+09:00", **options: str
) -> SampleCase:
    """A sample case, consumed by privacy as if read from `caselog.intake`."""
    personal = privacy.personal
    case = await sample_case(personal.codec, personal.subjects, closed_at=closed_at, **options)
    for envelope in case.envelopes:
        await consume(privacy, privacy.topics.intake, envelope)
    return case
