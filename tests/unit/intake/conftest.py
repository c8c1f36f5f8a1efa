"""Intake as `bootstrap` wires it, on SQLite files (ledger, key store) and the in-memory bus,
with a clock the test sets: what its handler tests run against."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.intake.bootstrap import Intake, bootstrap
from shared.bus.memory import MemoryBus
from shared.database import create_engine
from shared.envelope import Envelope, decode_envelope
from shared.infrastructure import Infrastructure
from shared.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@dataclass(frozen=True)
class Running:
    intake: Intake
    bus: MemoryBus
    clock: Clock

    def published(self, topic: str = "caselog.intake") -> list[Envelope]:
        return [decode_envelope(record.value) for record in self.bus.broker.published(topic)]

    def published_types(self) -> list[str]:
        return [envelope.type for envelope in self.published()]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    settings = load_settings(
        service_name="intake",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/intake.sqlite3",
        keystore_url=f"sqlite+aiosqlite:///{tmp_path}/keys.sqlite3",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
    )
    bus, clock = MemoryBus(), Clock()
    infrastructure = Infrastructure(settings, bus, create_engine(settings))
    intake = bootstrap(settings, infrastructure, clock=clock)
    async with infrastructure.running(), intake.running():
        yield Running(intake, bus, clock)
