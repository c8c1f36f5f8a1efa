"""The Merkle tree's NodeStore on a SQL connection, so nodes join the events' transaction."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from services.records.adapters.tables import RecordsTables
from shared.merkle.errors import MissingNodeError, NodeConflictError
from shared.merkle.store import NodeId


class SqlNodeStore:
    """`merkle_nodes(level, idx, hash)` read and written through one (synchronous) connection.

    Used inside `AsyncConnection.run_sync`, so a MerkleTree over it reads and writes in the
    caller's transaction. The table is append-only: its primary key refuses a rewrite.
    """

    def __init__(self, connection: Connection, tables: RecordsTables) -> None:
        self._connection = connection
        self._table = tables.merkle_nodes

    def leaf_count(self) -> int:
        # max(idx) walks the primary key index; count(*) would scan the whole level.
        table = self._table
        last = self._connection.scalar(select(func.max(table.c.idx)).where(table.c.level == 0))
        return 0 if last is None else int(last) + 1

    def get(self, ids: Sequence[NodeId]) -> list[bytes]:
        if not ids:
            return []
        table = self._table
        by_level: defaultdict[int, list[int]] = defaultdict(list)
        for level, index in ids:
            by_level[level].append(index)
        condition = or_(
            *(
                and_(table.c.level == level, table.c.idx.in_(idxs))
                for level, idxs in by_level.items()
            )
        )
        rows = self._connection.execute(select(table).where(condition))
        found = {(row.level, row.idx): bytes(row.hash) for row in rows}
        missing = [node for node in ids if node not in found]
        if missing:
            raise MissingNodeError(f"merkle_nodes has no node {missing[0]}")
        return [found[node] for node in ids]

    def put(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        rows = [{"level": level, "idx": index, "hash": digest} for (level, index), digest in nodes]
        try:
            self._connection.execute(insert(self._table), rows)
        except IntegrityError:
            # The single writer only adds new nodes; a clash means the table is not what the
            # tree read at its start. `from None`: the driver's text quotes the row.
            raise NodeConflictError("a node being appended is already in merkle_nodes") from None
