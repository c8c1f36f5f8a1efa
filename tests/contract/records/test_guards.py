"""The database itself refuses to change the log: UPDATE, DELETE and inserting over a stored
row (SQLite's INSERT OR REPLACE, PostgreSQL's ON CONFLICT DO UPDATE) fail on every records
table."""

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


# Each forges one stored row by inserting over its key: SQLite's REPLACE deletes the old row
# without firing a DELETE trigger; PostgreSQL's ON CONFLICT DO UPDATE is the same attack there.
_EVENT_COLUMNS = (
    "position, event_id, {case_id}, case_position, event_type, occurred_at, recorded_at,"
    " stored_at, origin_topic, origin_partition, origin_offset, leaf, prev_hash, chain_hash"
)
REPLACEMENTS = {
    "events": (
        _EVENT_COLUMNS.format(case_id="case_id"),
        _EVENT_COLUMNS.format(case_id="'forged' AS case_id"),
        "position = 0",
        "position",
        "case_id",
    ),
    "merkle_nodes": (
        "level, idx, hash",
        "level, idx, {zero_hash}",
        "idx = 0",
        "level, idx",
        "hash",
    ),
    "checkpoints": (
        "size, root_hash, note, issued_at",
        "size, root_hash, 'forged' AS note, issued_at",
        "size > 0",
        "size",
        "note",
    ),
}


@pytest.mark.usefixtures("filled")
@pytest.mark.parametrize("kind", ["events", "merkle_nodes", "checkpoints"])
async def test_the_database_refuses_to_replace_a_row_by_inserting_over_it(
    log_engine: AsyncEngine, log_tables: RecordsTables, kind: str
) -> None:
    table = f"{log_tables.prefix}{kind}"
    columns, forged, where, key, changed = REPLACEMENTS[kind]
    sqlite = log_engine.dialect.name == "sqlite"
    zero_hash = "zeroblob(32)" if sqlite else "decode(repeat('00', 32), 'hex')"
    source = f"SELECT {forged.format(zero_hash=zero_hash)} FROM {table} WHERE {where}"
    if sqlite:
        sql = f"INSERT OR REPLACE INTO {table} ({columns}) {source}"
    else:
        sql = (
            f"INSERT INTO {table} ({columns}) {source} "
            f"ON CONFLICT ({key}) DO UPDATE SET {changed} = EXCLUDED.{changed}"
        )
    before = await _rows(log_engine, table)

    with pytest.raises(DBAPIError, match="append-only"):
        async with log_engine.begin() as connection:
            await connection.exec_driver_sql(sql)

    assert await _rows(log_engine, table) == before


async def _rows(engine: AsyncEngine, table: str) -> list[tuple[object, ...]]:
    async with engine.connect() as connection:
        result = await connection.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1, 2")
        return [tuple(row) for row in result]
