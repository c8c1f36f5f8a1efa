"""PostgreSQL only: TRUNCATE is refused too; the service's role may only SELECT and INSERT, so it
cannot change the log even when a superuser has switched the triggers off; and two writers in
two processes take turns instead of failing."""

import asyncio
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.records.adapters.append_only import create_schema, grant_service_role
from services.records.adapters.event_store import SqlEventStore
from services.records.adapters.tables import RecordsTables, records_tables
from services.records.service_layer.checkpoints import CheckpointIssuer
from shared.database import engine_for_url
from shared.merkle.keys import NoteSigner
from tests.contract.records.sample_events import ORIGIN, interleaved
from tests.contract.records.superuser import as_user

KINDS = ["events", "merkle_nodes", "checkpoints"]


@pytest.fixture
async def owner(records_postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """The migration role (the `caselog` user) that creates and owns the tables."""
    engine = engine_for_url(records_postgres_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def superuser(records_postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(as_user(records_postgres_url, "postgres"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def tables(owner: AsyncEngine) -> RecordsTables:
    tables = records_tables(prefix=f"t{uuid4().hex[:10]}_")
    await create_schema(owner, tables)
    store = SqlEventStore(owner, tables)
    await store.append_batch(interleaved(cases=2, per_case=2))
    await CheckpointIssuer(store, NoteSigner.generate(ORIGIN), origin=ORIGIN).issue()
    return tables


@pytest.fixture
async def service_role(superuser: AsyncEngine) -> AsyncIterator[str]:
    role = f"records_{uuid4().hex[:10]}"
    async with superuser.begin() as connection:
        await connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
    yield role
    async with superuser.begin() as connection:
        await connection.exec_driver_sql(f"DROP OWNED BY {role}")
        await connection.exec_driver_sql(f"DROP ROLE {role}")


@pytest.mark.parametrize("kind", KINDS)
async def test_truncate_is_refused(owner: AsyncEngine, tables: RecordsTables, kind: str) -> None:
    with pytest.raises(DBAPIError, match=r"TRUNCATE on .*append-only"):
        async with owner.begin() as connection:
            await connection.exec_driver_sql(f"TRUNCATE {tables.prefix}{kind}")


async def test_the_service_role_appends_but_never_changes_even_without_triggers(
    owner: AsyncEngine,
    superuser: AsyncEngine,
    tables: RecordsTables,
    service_role: str,
    records_postgres_url: str,
) -> None:
    await grant_service_role(owner, tables, service_role)
    service = create_async_engine(as_user(records_postgres_url, service_role))
    try:
        # What it is granted suffices to run the store: append, prove, checkpoint.
        store = SqlEventStore(service, tables)
        await store.append_batch(interleaved(cases=1, per_case=3))
        issuer = CheckpointIssuer(store, NoteSigner.generate(ORIGIN), origin=ORIGIN)
        assert (await issuer.issue()).size == 7

        async with superuser.begin() as connection:
            for kind in KINDS:
                await connection.exec_driver_sql(
                    f"ALTER TABLE {tables.prefix}{kind} DISABLE TRIGGER ALL"
                )
            privileges = await connection.exec_driver_sql(
                f"SELECT has_table_privilege('{service_role}', '{tables.prefix}events', p) "
                "FROM unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE', 'SELECT', 'INSERT']) AS p"
            )
            assert [row[0] for row in privileges] == [False, False, False, True, True]

        for kind in KINDS:
            table = f"{tables.prefix}{kind}"
            for sql in (
                f"UPDATE {table} SET {_column(kind)}",
                f"DELETE FROM {table}",
                f"TRUNCATE {table}",
            ):
                with pytest.raises(DBAPIError, match="permission denied"):
                    async with service.begin() as connection:
                        await connection.exec_driver_sql(sql)
    finally:
        await service.dispose()


def _column(kind: str) -> str:
    return {"events": "case_id = case_id", "merkle_nodes": "hash = hash"}.get(kind, "note = note")


async def test_two_stores_on_one_log_take_turns(
    records_postgres_url: str, tables: RecordsTables
) -> None:
    """Two engines stand for two processes: the advisory lock serialises their appends."""
    engines = [engine_for_url(records_postgres_url) for _ in range(2)]
    try:
        stores = [SqlEventStore(engine, tables) for engine in engines]
        batches = [interleaved(cases=3, per_case=2) for _ in range(8)]
        await asyncio.gather(
            *(stores[i % 2].append_batch(batch) for i, batch in enumerate(batches))
        )
        stored = await stores[0].events()
    finally:
        for engine in engines:
            await engine.dispose()

    assert [event.position for event in stored] == list(range(4 + 8 * 6))
    for case in ("case-0", "case-1", "case-2"):
        positions = [e.case_position for e in stored if e.case_id == case]
        assert positions == list(range(len(positions)))
