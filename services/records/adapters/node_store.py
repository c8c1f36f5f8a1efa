"""The Merkle tree's NodeStore on a SQL connection, so nodes join the events' transaction."""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, Table, bindparam, func, select, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from services.records.adapters.many_rows import insert_rows
from services.records.adapters.tables import RecordsTables
from shared.merkle.errors import MissingNodeError, NodeConflictError
from shared.merkle.store import NodeId


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
        rows = self._connection.execute(_nodes_among(self._table), {"ids": list(ids)})
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
def _nodes_among(table: Table) -> Select[Any]:
    """The nodes whose (level, idx) is among the `ids` parameter.

    Built once per table, so SQLAlchemy compiles it once: a proof asks for about 2 log2(n) nodes,
    and building a fresh condition for each cost more than the query itself.
    """
    wanted = tuple_(table.c.level, table.c.idx).in_(bindparam("ids", expanding=True))
    return select(table.c.level, table.c.idx, table.c.hash).where(wanted)
