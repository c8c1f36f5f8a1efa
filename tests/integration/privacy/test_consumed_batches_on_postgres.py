"""A polled batch handled as one (issue 20) ends as its events handled one by one, on
PostgreSQL (the case rows locked FOR UPDATE, the multi-row writes as asyncpg runs them)."""

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.privacy.bootstrap import Privacy, bootstrap
from shared.bus.memory import MemoryBus
from shared.database import create_engine
from shared.infrastructure import Infrastructure
from shared.settings import CaselogSettings, load_settings
from tests.integration.databases import fresh_database
from tests.unit.privacy import batches

TOPICS_FILE = Path(__file__).resolve().parents[3] / "deploy" / "kafka" / "topics.toml"
NOW = datetime(2026, 11, 6, tzinfo=UTC)

Started = Callable[[], contextlib.AbstractAsyncContextManager[Privacy]]


@pytest.fixture
async def on_postgres(postgres_url: str, tmp_path: Path) -> AsyncIterator[Started]:
    """Privacy instances on PostgreSQL, each with a database of its own, all with one key store
    and signing key, a fixed clock and an in-memory bus."""
    async with contextlib.AsyncExitStack() as stack:
        keys = await stack.enter_async_context(fresh_database(postgres_url))

        @contextlib.asynccontextmanager
        async def started() -> AsyncIterator[Privacy]:
            async with fresh_database(postgres_url) as store:
                settings: CaselogSettings = load_settings(
                    service_name="privacy",
                    database_url=store,
                    keystore_url=keys,
                    topics_file=TOPICS_FILE,
                    privacy_dev_signing_key_file=tmp_path / "receipt.key",
                )
                bus = MemoryBus()
                await bus.start()
                infrastructure = Infrastructure(settings, bus, create_engine(settings))
                service = bootstrap(settings, infrastructure, clock=lambda: NOW)
                async with service.running():
                    yield service
                await infrastructure.engine.dispose()
                await bus.close()

        yield started


async def test_a_batch_applies_as_its_events_one_by_one(on_postgres: Started) -> None:
    async with on_postgres() as alone, on_postgres() as together:
        await batches.check_batch_applies_as_one_by_one(alone=alone, together=together)


async def test_a_redelivered_batch_changes_nothing(on_postgres: Started) -> None:
    async with on_postgres() as privacy:
        await batches.check_redelivered_batch_changes_nothing(privacy)


async def test_a_poison_event_in_a_batch_is_dead_lettered_alone(on_postgres: Started) -> None:
    async with on_postgres() as alone, on_postgres() as together:
        await batches.check_poison_event_is_dead_lettered_alone(alone=alone, together=together)
