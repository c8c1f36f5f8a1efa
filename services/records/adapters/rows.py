"""Rows of the records tables: to domain objects and back (timestamps UTC both ways), many at
once, and the Merkle tree's nodes as a NodeStore on the same connection. On PostgreSQL an
append's rows go in with COPY and a lookup takes one array parameter: a row-by-row
`executemany` and an `IN` list of hundreds of parameters cost more than the database's own
work."""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import (
    Row,
    Select,
    Table,
    bindparam,
    func,
    insert,
    select,
    tuple_,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.util import await_

from services.records.adapters.driver_rows import driver_of, fetch
from services.records.adapters.tables import RecordsTables
from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.errors import RecordsError
from services.records.domain.events import Origin, StoredEvent
from shared.merkle.errors import MissingNodeError, NodeConflictError
from shared.merkle.store import NodeId
from shared.sql_types import as_utc


def event_row(event: StoredEvent) -> tuple[Any, ...]:
    """The event's values in the columns' order, the inverse of `stored_event`."""
    origin = event.origin
    return (
        event.position,
        event.event_id,
        event.case_id,
        event.case_position,
        event.event_type,
        event.occurred_at,
        event.recorded_at,
        event.stored_at,
        origin.topic if origin else None,
        origin.partition if origin else None,
        origin.offset if origin else None,
        event.leaf,
        event.prev_hash,
        event.chain_hash,
    )


def stored_event(row: Sequence[Any]) -> StoredEvent:
    """A row of `select(tables.events)`, its columns in the table's order."""
    # Unpacked by position: replays and audits map every row, and named access costs more.
    (
        position,
        event_id,
        case_id,
        case_position,
        event_type,
        occurred_at,
        recorded_at,
        stored_at,
        origin_topic,
        origin_partition,
        origin_offset,
        leaf,
        prev_hash,
        chain_hash,
    ) = row
    origin = None
    if origin_topic is not None:
        origin = Origin(origin_topic, origin_partition, origin_offset)
    return StoredEvent(
        position,
        event_id,
        case_id,
        case_position,
        event_type,
        as_utc(occurred_at),
        as_utc(recorded_at),
        as_utc(stored_at),
        origin,
        bytes(leaf),
        bytes(prev_hash),
        bytes(chain_hash),
    )


def checkpoint_row(checkpoint: StoredCheckpoint) -> dict[str, Any]:
    return {
        "size": checkpoint.size,
        "root_hash": checkpoint.root_hash,
        "note": checkpoint.note,
        "issued_at": checkpoint.issued_at,
    }


def stored_checkpoint(row: Row[Any]) -> StoredCheckpoint:
    return StoredCheckpoint(row.size, bytes(row.root_hash), row.note, as_utc(row.issued_at))


def insert_rows(connection: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Inserts `rows` (values for every column of `table`, in order) in the connection's
    transaction.

    COPY is an INSERT to PostgreSQL: the append-only triggers, the grants (INSERT is all it
    needs) and every constraint apply as to any insert; a clash raises IntegrityError as ever.
    """
    if not rows:
        return
    names = [column.name for column in table.columns]
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])
        return
    driver = driver_of(connection)
    # The driver's own call bypasses SQLAlchemy's lazy BEGIN: outside a transaction it would
    # commit on its own, apart from the rest of the append.
    if driver is None or not driver.is_in_transaction():
        raise RecordsError("rows are copied only inside an open transaction")
    try:
        await_(driver.copy_records_to_table(table.name, records=rows, columns=names))
    except asyncpg.PostgresError as error:
        # As SQLAlchemy would raise them, so callers catch one family of errors. `from None`,
        # no parameters: the driver's detail quotes the row it refused.
        kind = (
            IntegrityError
            if isinstance(error, asyncpg.IntegrityConstraintViolationError)
            else DBAPIError
        )
        raise kind(f"COPY {table.name}", None, error) from None


class SqlNodeStore:
    """`merkle_nodes(level, idx, hash)` read and written through one (synchronous) connection.

    Used inside `AsyncConnection.run_sync`, so a MerkleTree over it reads and writes in the
    caller's transaction. The table is append-only: its primary key refuses a rewrite.
    """

    def __init__(
        self, connection: Connection, tables: RecordsTables, *, leaf_count: int | None = None
    ) -> None:
        """`leaf_count`: the size, if the caller has just read it (see `last_leaf`)."""
        self._connection = connection
        self._table = tables.merkle_nodes
        self._leaf_count = leaf_count

    def leaf_count(self) -> int:
        if self._leaf_count is not None:
            return self._leaf_count
        return count_after(self._connection.scalar(last_leaf(self._table)))

    def get(self, ids: Sequence[NodeId]) -> list[bytes]:
        if not ids:
            return []
        if self._connection.dialect.name == "postgresql":
            levels, indexes = [level for level, _ in ids], [index for _, index in ids]
            rows = fetch(self._connection, _nodes_sql(self._table), levels, indexes)
        else:
            rows = self._connection.execute(_nodes_among(self._table), {"ids": list(ids)}).all()
        found = {(level, index): bytes(digest) for level, index, digest in rows}
        missing = [node for node in ids if node not in found]
        if missing:
            raise MissingNodeError(f"merkle_nodes has no node {missing[0]}")
        return [found[node] for node in ids]

    def put(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        rows = [(level, index, digest) for (level, index), digest in nodes]
        try:
            insert_rows(self._connection, self._table, rows)
        except IntegrityError:
            # The single writer only adds new nodes; a clash means the table is not what the
            # tree read at its start. `from None`: the driver's text quotes the row.
            raise NodeConflictError("a node being appended is already in merkle_nodes") from None


def last_leaf(table: Table) -> Select[int | None]:
    """The highest leaf index stored; max(idx) walks the primary key index, where count(*)
    would scan the whole level."""
    return select(func.max(table.c.idx)).where(table.c.level == 0)


def count_after(last: int | None) -> int:
    """How many there are from 0 up to `last`, the highest index or position (None: none)."""
    return 0 if last is None else int(last) + 1


@lru_cache(maxsize=64)
def _nodes_sql(table: Table) -> str:
    """PostgreSQL: the nodes among two arrays' pairs (levels, indexes), one index probe each."""
    return (
        f"SELECT n.level, n.idx, n.hash FROM {table.name} n "  # noqa: S608 - our own name
        "JOIN unnest($1::smallint[], $2::bigint[]) AS wanted(level, idx) "
        "ON n.level = wanted.level AND n.idx = wanted.idx"
    )


@lru_cache(maxsize=64)
def _nodes_among(table: Table) -> Select[Any]:
    """The nodes whose (level, idx) is among the `ids` parameter.

    Built once per table, so SQLAlchemy compiles it once: a proof asks for about 2 log2(n) nodes,
    and building a fresh condition for each cost more than the query itself.
    """
    wanted = tuple_(table.c.level, table.c.idx).in_(bindparam("ids", expanding=True))
    return select(table.c.level, table.c.idx, table.c.hash).where(wanted)
