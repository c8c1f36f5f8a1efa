"""Privacy wired through its own bootstrap on SQLite files and a bus that only records what is
published; intake's events are handed to the projection as the consumer would."""

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.privacy.bootstrap import Privacy, bootstrap
from services.privacy.entrypoints.consumer import consume
from shared.bus.interface import Bus, Consumer, Handler, Transform
from shared.bus.messages import OutgoingMessage
from shared.bus.policy import DeliveryPolicy
from shared.bus.topics import TopicSpec
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


class RecordingBus(Bus):
    """Keeps what is published; never delivers (tests hand events to the projection)."""

    def __init__(self) -> None:
        self.published: list[OutgoingMessage] = []

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        pass

    async def publish(self, message: OutgoingMessage) -> None:
        self.published.append(message)

    async def ping(self) -> None:
        pass

    async def delete_consumed(self, group: str, topic: str) -> dict[tuple[str, int], int]:
        raise NotImplementedError

    def subscribe(
        self,
        group: str,
        topics: Sequence[str],
        handler: Handler,
        policy: DeliveryPolicy | None = None,
    ) -> Consumer:
        raise NotImplementedError

    def transform(
        self,
        group: str,
        topics: Sequence[str],
        transform: Transform,
        policy: DeliveryPolicy | None = None,
    ) -> Consumer:
        raise NotImplementedError

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
def bus() -> RecordingBus:
    return RecordingBus()


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
