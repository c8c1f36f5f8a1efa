"""The contract suites' database: every test runs on SQLite and on the real PostgreSQL server."""

import os
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.crypto.kek import AesKek
from shared.crypto.secret import SecretBytes
from shared.crypto.tables import CryptoTables, create_tables, crypto_tables
from shared.database import create_engine
from shared.settings import load_settings


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'crypto.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def tables() -> CryptoTables:
    # A prefix per test, so runs and tests sharing the PostgreSQL database never collide.
    return crypto_tables(prefix=f"t{uuid4().hex[:12]}_")


def _engine(url: str) -> AsyncEngine:
    return create_engine(load_settings(service_name="crypto-contract", database_url=url))


@pytest.fixture
async def engine(database_url: str, tables: CryptoTables) -> AsyncIterator[AsyncEngine]:
    engine = _engine(database_url)
    await create_tables(engine, tables)
    yield engine
    async with engine.begin() as connection:
        await connection.run_sync(tables.metadata.drop_all)
    await engine.dispose()


@pytest.fixture
async def other_engine(database_url: str, engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """A second engine on the same database: another process, as far as the store can tell."""
    other = _engine(database_url)
    yield other
    await other.dispose()


@pytest.fixture
def kek() -> AesKek:
    return AesKek(SecretBytes(os.urandom(32)))
