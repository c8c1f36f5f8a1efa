"""The database itself refuses to change the log: UPDATE and DELETE fail on every records table."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.adapters.event_store import SqlEventStore
from services.records.adapters.tables import RecordsTables
from services.records.service_layer.checkpoints import CheckpointIssuer
from tests.contract.records.sample_events import interleaved

CHANGES = {
    "events": "UPDATE {table} SET case_id = 'other' WHERE position = 0",
    "merkle_nodes": "UPDATE {table} SET hash = hash WHERE idx = 0",
    "checkpoints": "UPDATE {table} SET note = 'forged' WHERE size > 0",
}


@pytest.fixture
async def filled(store: SqlEventStore, issuer: CheckpointIssuer) -> None:
    await store.append_batch(interleaved(cases=2, per_case=2))
    await issuer.issue()


async def _row_count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(text(table))) or 0)


@pytest.mark.usefixtures("filled")
@pytest.mark.parametrize("kind", ["events", "merkle_nodes", "checkpoints"])
@pytest.mark.parametrize("statement", ["UPDATE", "DELETE"])
async def test_the_database_refuses_to_change_a_row(
    log_engine: AsyncEngine, log_tables: RecordsTables, kind: str, statement: str
) -> None:
    table = f"{log_tables.prefix}{kind}"
    before = await _row_count(log_engine, table)
    sql = (CHANGES[kind] if statement == "UPDATE" else "DELETE FROM {table}").format(table=table)

    with pytest.raises(DBAPIError, match="append-only"):
        async with log_engine.begin() as connection:
            await connection.exec_driver_sql(sql)

    assert await _row_count(log_engine, table) == before > 0
