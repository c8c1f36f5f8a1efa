"""B4's COPY baseline: a store's own rows read back, split into the batches the store wrote
them in, and copied into fresh tables with asyncpg's COPY."""

from collections import defaultdict
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Table

Row = tuple[Any, ...]


async def select_rows(
    connection: asyncpg.Connection, table: Table, order: str = ""
) -> list[asyncpg.Record]:
    # Our own table names, from records_tables(); nothing from outside.
    return list(await connection.fetch(f"SELECT * FROM {table.name} {order}"))  # noqa: S608


def rows_by_batch(
    events: list[asyncpg.Record], nodes: list[asyncpg.Record], batch: int
) -> tuple[list[list[Row]], list[list[Row]]]:
    """The stored rows split as the appends wrote them: a Merkle node goes with the batch of
    the leaf that completed its subtree."""
    event_batches = [
        [tuple(row) for row in events[start : start + batch]]
        for start in range(0, len(events), batch)
    ]
    by_batch: defaultdict[int, list[Row]] = defaultdict(list)
    for row in nodes:
        last_leaf = ((row["idx"] + 1) << row["level"]) - 1
        by_batch[last_leaf // batch].append(tuple(row))
    return event_batches, [by_batch[index] for index in range(len(event_batches))]


async def copy_rows(connection: asyncpg.Connection, table: Table, rows: list[Row]) -> None:
    columns = [column.name for column in table.columns]
    await connection.copy_records_to_table(table.name, records=rows, columns=columns)
