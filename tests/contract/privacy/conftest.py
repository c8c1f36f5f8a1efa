"""Privacy's store on SQLite (a file per test) and on the real PostgreSQL server (a database per
run, its tables created afresh for each test): the same assertions on both."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.privacy.adapters.store import SqlPrivacyStore, SqlUnitOfWork
from services.privacy.adapters.tables import metadata
from shared.database import create_engine
from shared.settings import load_settings
from tests.integration.databases import fresh_database


@pytest.fixture(scope="session")
async def privacy_postgres_url(postgres_url: str) -> AsyncIterator[str]:
    async with fresh_database(postgres_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'privacy.sqlite3'}"
    url: str = request.getfixturevalue("privacy_postgres_url")
    return url


@pytest.fixture
async def engine(store_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(load_settings(service_name="privacy", database_url=store_url))
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
    await SqlPrivacyStore(engine).create_tables()
    yield engine
    await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> SqlPrivacyStore:
    """The store as routes read it: each read on a connection of its own."""
    return SqlPrivacyStore(engine)


UnitOfWorkFactory = Callable[[], SqlUnitOfWork]


@pytest.fixture
def unit_of_work(engine: AsyncEngine) -> UnitOfWorkFactory:
    return lambda: SqlUnitOfWork(engine)
