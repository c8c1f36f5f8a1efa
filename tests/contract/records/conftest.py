"""The records store on SQLite (a file per test) and on the real PostgreSQL server (a database
per run, created by the caselog user); tables get a fresh prefix per test."""

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import TextClause, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.records.adapters.append_only import create_schema
from services.records.adapters.event_store import SqlEventStore
from services.records.adapters.tables import RecordsTables, records_tables
from services.records.service_layer.checkpoints import CheckpointIssuer
from shared.database import engine_for_url
from shared.merkle.keys import NoteSigner
from tests.contract.records.sample_events import ORIGIN
from tests.contract.records.superuser import Bypass, as_user


@pytest.fixture(scope="session")
async def records_postgres_url(postgres_url: str) -> AsyncIterator[str]:
    name = f"records_{uuid4().hex[:12]}"
    owner = create_async_engine(postgres_url, isolation_level="AUTOCOMMIT")
    async with owner.connect() as connection:
        await connection.exec_driver_sql(f"CREATE DATABASE {name}")
    await owner.dispose()
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    # As superuser: FORCE may have to end sessions of other roles the tests logged in as.
    superuser = create_async_engine(as_user(postgres_url, "postgres"), isolation_level="AUTOCOMMIT")
    async with superuser.connect() as connection:
        await connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await superuser.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'records.sqlite3'}"
    return str(request.getfixturevalue("records_postgres_url"))


@pytest.fixture
def log_tables() -> RecordsTables:
    return records_tables(prefix=f"t{uuid4().hex[:10]}_")


@pytest.fixture
async def log_engine(store_url: str, log_tables: RecordsTables) -> AsyncIterator[AsyncEngine]:
    engine = engine_for_url(store_url)
    await create_schema(engine, log_tables)
    yield engine
    await engine.dispose()


@pytest.fixture
def store(log_engine: AsyncEngine, log_tables: RecordsTables) -> SqlEventStore:
    return SqlEventStore(log_engine, log_tables)


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture
def issuer(store: SqlEventStore, signer: NoteSigner) -> CheckpointIssuer:
    return CheckpointIssuer(store, signer, origin=ORIGIN)


@pytest.fixture
async def bypass_guards(
    backend: str, store_url: str, log_engine: AsyncEngine, log_tables: RecordsTables
) -> AsyncIterator[Bypass]:
    """Runs statements as an attacker with full control of the database would, guards off.

    PostgreSQL: the superuser with `session_replication_role = replica` (triggers do not
    fire); SQLite: the triggers dropped, then put back.
    """
    # As the SQLite file's owner, the tests' own engine has full control already.
    engine = log_engine
    if backend == "postgres":
        engine = create_async_engine(as_user(store_url, "postgres"))

    async def run(*statements: TextClause) -> None:
        async with engine.begin() as connection:
            if backend == "postgres":
                await connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            else:
                query = text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                for name in (await connection.execute(query)).scalars().all():
                    await connection.exec_driver_sql(f"DROP TRIGGER {name}")
            for statement in statements:
                await connection.execute(statement)
        if backend == "sqlite":
            await create_schema(log_engine, log_tables)

    yield run
    if engine is not log_engine:
        await engine.dispose()
