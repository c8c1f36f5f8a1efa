"""Records stores for the benchmarks: a fresh database per benchmark, fresh tables per store."""

import contextlib
from collections.abc import AsyncIterator, Sequence
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from bench.infra import Infrastructure, fresh_database
from services.records.adapters.append_only import create_schema
from services.records.adapters.event_store import SqlEventStore
from services.records.adapters.tables import RecordsTables, records_tables
from services.records.domain.events import ReceivedEvent
from shared.database import engine_for_url

APPEND_BATCH = 500


@contextlib.asynccontextmanager
async def records_database(
    infrastructure: Infrastructure,
) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A new database on the run's PostgreSQL server (dropped afterwards), and an engine on it
    built as the services build theirs."""
    async with fresh_database(await infrastructure.postgres()) as url:
        engine = engine_for_url(url)
        try:
            yield url, engine
        finally:
            await engine.dispose()


def fresh_tables() -> RecordsTables:
    return records_tables(prefix=f"b{uuid4().hex[:10]}_")


async def new_store(engine: AsyncEngine) -> tuple[SqlEventStore, RecordsTables]:
    """An empty store, as the records service builds it (guards included), and its tables."""
    tables = fresh_tables()
    await create_schema(engine, tables)
    return SqlEventStore(engine, tables), tables


async def append_all(
    store: SqlEventStore, events: Sequence[ReceivedEvent], batch: int = APPEND_BATCH
) -> None:
    for start in range(0, len(events), batch):
        await store.append_batch(events[start : start + batch])
