"""Statements of the log on one connection besides the append: reads of events, stored leaves,
roots and proofs; the checkpoints table (signed tree heads, at most one per size, never changed)
and the witnesses' cosignatures (at most one per witness and size). A checkpoint is read with
every cosignature it has so far appended to its note."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from functools import lru_cache

from sqlalchemy import ColumnElement, and_, func, insert, select
from sqlalchemy.engine import Connection

from services.records.adapters.appending import lock_writer
from services.records.adapters.driver_rows import fetch
from services.records.adapters.rows import (
    SqlNodeStore,
    checkpoint_row,
    count_after,
    last_leaf,
    stored_checkpoint,
    stored_event,
)
from services.records.adapters.tables import RecordsTables
from services.records.domain.checkpoints import ConsistencyProof, InclusionProof, StoredCheckpoint
from services.records.domain.errors import (
    CheckpointMismatchError,
    SizeOutOfRangeError,
    UnknownEventError,
)
from services.records.domain.events import LeafRow, StoredEvent
from services.records.domain.timeline import StoredFacts, Window, select_stored
from shared.merkle.case_map import CaseHead
from shared.merkle.errors import MissingNodeError, TreeSizeError
from shared.merkle.hashing import leaf_hash
from shared.merkle.store import NodeId, NodeStore
from shared.merkle.tree import MerkleTree
from shared.sql_types import as_utc


def select_events(
    connection: Connection, tables: RecordsTables, where: ColumnElement[bool] | None = None
) -> list[StoredEvent]:
    """The events matching `where` (all by default), in log order."""
    query = select(tables.events).order_by(tables.events.c.position)
    if where is not None:
        query = query.where(where)
    # all() fetches the rows in one call; iterating the result would fetch them one by one.
    return list(map(stored_event, connection.execute(query).all()))


def leaf_rows(connection: Connection, tables: RecordsTables, start: int, end: int) -> list[LeafRow]:
    """What an audit checks of positions [start, end), in log order, in one read: each event
    with the leaf hash the tree holds at its position (an outer join: None if it holds none)."""
    if connection.dialect.name == "postgresql":
        return list(map(LeafRow._make, fetch(connection, _leaf_rows_sql(tables), start, end)))
    events = tables.events
    between = and_(events.c.position >= start, events.c.position < end)
    committed = stored_leaf_hashes(connection, tables, start, end)
    return [
        LeafRow.of(event, committed.get(event.position))
        for event in select_events(connection, tables, between)
    ]


@lru_cache(maxsize=64)
def _leaf_rows_sql(tables: RecordsTables) -> str:
    columns = ", ".join(f"e.{name}" for name in LeafRow._fields[:-1])
    # Our own table names (records_tables admits plain lower-case prefixes only).
    return (
        f"SELECT {columns}, n.hash FROM {tables.events.name} e "  # noqa: S608
        f"LEFT JOIN {tables.merkle_nodes.name} n ON n.level = 0 AND n.idx = e.position "
        "WHERE e.position >= $1 AND e.position < $2 ORDER BY e.position"
    )


def case_events(connection: Connection, tables: RecordsTables, case_id: str) -> list[StoredEvent]:
    """One case's events in log order; on PostgreSQL through asyncpg itself (a replay reads
    thousands of rows, and SQLAlchemy's row handling cost more than the read)."""
    if connection.dialect.name != "postgresql":
        return select_events(connection, tables, tables.events.c.case_id == case_id)
    return list(map(stored_event, fetch(connection, _case_events_sql(tables), case_id)))


@lru_cache(maxsize=64)
def _case_events_sql(tables: RecordsTables) -> str:
    events = tables.events
    columns = ", ".join(column.name for column in events.columns)  # stored_event's order
    return f"SELECT {columns} FROM {events.name} WHERE case_id = $1 ORDER BY position"  # noqa: S608


def case_facts(
    connection: Connection, tables: RecordsTables, case_id: str, window: Window
) -> list[StoredFacts]:
    """The case's events `window` admits, as they happened, as the case view folds them. On
    PostgreSQL the window chooses and orders the rows in the query, and only the five columns
    the fold reads come back: a replay of 10,000 events reads a third of the bytes."""
    if connection.dialect.name != "postgresql":
        chosen = select_stored(case_events(connection, tables, case_id), window)
        return list(map(StoredFacts.of, chosen))
    as_of, valid_at = as_utc(window.as_of), as_utc(window.valid_at)
    rows = fetch(connection, _case_facts_sql(tables), case_id, as_of, valid_at)
    return [StoredFacts.parse(*row) for row in rows]


@lru_cache(maxsize=64)
def _case_facts_sql(tables: RecordsTables) -> str:
    return (
        "SELECT position, event_id, event_type, occurred_at, leaf "  # noqa: S608 - our names
        f"FROM {tables.events.name} WHERE case_id = $1 "
        "AND ($2::timestamptz IS NULL OR recorded_at <= $2) "
        "AND ($3::timestamptz IS NULL OR occurred_at <= $3) "
        "ORDER BY occurred_at, position"  # timeline.select_stored's order
    )


def events_page(
    connection: Connection, tables: RecordsTables, position: int, limit: int
) -> list[StoredEvent]:
    """Up to `limit` events from `position` on, in log order."""
    events = tables.events
    query = select(events).where(events.c.position >= position).order_by(events.c.position)
    return list(map(stored_event, connection.execute(query.limit(limit)).all()))


def event_by_id(connection: Connection, tables: RecordsTables, event_id: str) -> StoredEvent:
    found = select_events(connection, tables, tables.events.c.event_id == event_id)
    if not found:
        raise UnknownEventError(f"no event {event_id} is stored")
    return found[0]


def stored_leaf_hashes(
    connection: Connection, tables: RecordsTables, start: int = 0, end: int | None = None
) -> dict[int, bytes]:
    """Level 0 of the stored Merkle tree: the leaf hash committed for each position."""
    nodes = tables.merkle_nodes
    query = select(nodes.c.idx, nodes.c.hash).where(nodes.c.level == 0, nodes.c.idx >= start)
    if end is not None:
        query = query.where(nodes.c.idx < end)
    return {index: bytes(digest) for index, digest in connection.execute(query).all()}


def nodes(connection: Connection, tables: RecordsTables, ids: Sequence[NodeId]) -> list[bytes]:
    """The stored hashes of Merkle nodes `ids`, in order (a tile is one such read)."""
    return SqlNodeStore(connection, tables).get(ids)


def tree_size(connection: Connection, tables: RecordsTables) -> int:
    return SqlNodeStore(connection, tables).leaf_count()


def root(connection: Connection, tables: RecordsTables, size: int) -> bytes:
    with _sizes_checked():
        return _tree(connection, tables).root(size)


def inclusion(
    connection: Connection, tables: RecordsTables, event_id: str, size: int
) -> InclusionProof:
    """The event's audit path in the tree of `size`: on PostgreSQL in one query (the event, the
    tree's size and every node its path needs), elsewhere in two (the event, then the nodes)."""
    if connection.dialect.name == "postgresql":
        rows = fetch(connection, _inclusion_sql(tables), event_id, size)
        if not rows:
            raise UnknownEventError(f"no event {event_id} is stored")
        position, leaf, last = rows[0][:3]
        found = {(row[3], row[4]): bytes(row[5]) for row in rows if row[5] is not None}
        nodes: NodeStore = _ReadAhead(found, count_after(last))
    else:
        position, leaf, tree_size = _proof_start(connection, tables, event_id)
        nodes = SqlNodeStore(connection, tables, leaf_count=tree_size)
    if position >= size:
        raise SizeOutOfRangeError(f"event {event_id} is not in the tree of size {size}")
    with _sizes_checked():
        # The tree, not the query, says which nodes make the path: a node the query did not
        # read ahead is a MissingNodeError, never a wrong proof.
        hashes = MerkleTree(nodes).inclusion_proof(position, size)
    return InclusionProof(event_id, position, size, leaf_hash(bytes(leaf)), tuple(hashes))


class _ReadAhead:
    """A NodeStore of the nodes one query read for one proof; it never writes."""

    def __init__(self, found: dict[NodeId, bytes], leaf_count: int) -> None:
        self._found, self._leaf_count = found, leaf_count

    def leaf_count(self) -> int:
        return self._leaf_count

    def get(self, ids: Sequence[NodeId]) -> list[bytes]:
        if missing := [node for node in ids if node not in self._found]:
            raise MissingNodeError(f"merkle_nodes has no node {missing[0]}")
        return [self._found[node] for node in ids]

    def put(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        raise MissingNodeError("a proof's nodes are read, never written")


@lru_cache(maxsize=64)
def _inclusion_sql(tables: RecordsTables) -> str:
    """RFC 9162 §2.1.3.1's path of leaf m in a tree of n = $2 leaves, as node ids: at each
    level l, the block of 2^l leaves beside m's (start = ((m >> l) XOR 1) << l) if it lies
    inside the tree whole, the perfect subtrees of [start, n) if n cuts it (one level at most),
    nothing if it lies beyond n."""
    events, nodes = tables.events.name, tables.merkle_nodes.name
    return (
        f"WITH event AS (SELECT position, leaf FROM {events} WHERE event_id = $1), "  # noqa: S608
        "levels AS (SELECT l, ((event.position >> l) # 1::bigint) << l AS start "
        "FROM event, generate_series(0, 62) AS l), "
        "wanted AS ("
        "SELECT l AS level, start >> l AS idx FROM levels "
        "WHERE start <= $2::bigint - (1::bigint << l) "
        "UNION ALL "
        "SELECT b, (start + ((($2::bigint - start) >> (b + 1)) << (b + 1))) >> b "
        "FROM levels CROSS JOIN generate_series(0, 62) AS b "
        "WHERE start < $2::bigint AND start > $2::bigint - (1::bigint << l) "
        "AND (($2::bigint - start) >> b) & 1 = 1) "
        f"SELECT event.position, event.leaf, (SELECT max(idx) FROM {nodes} WHERE level = 0), "
        "wanted.level, wanted.idx, node.hash "
        f"FROM event LEFT JOIN wanted ON true LEFT JOIN {nodes} node "
        "ON node.level = wanted.level AND node.idx = wanted.idx"
    )


def _proof_start(
    connection: Connection, tables: RecordsTables, event_id: str
) -> tuple[int, bytes, int]:
    """The event's position and bytes, and the tree's size, in one read."""
    events, nodes = tables.events, tables.merkle_nodes
    size = last_leaf(nodes).scalar_subquery()
    query = select(events.c.position, events.c.leaf, size).where(events.c.event_id == event_id)
    row = connection.execute(query).first()
    if row is None:
        raise UnknownEventError(f"no event {event_id} is stored")
    position, leaf, last = row
    return position, bytes(leaf), count_after(last)


def consistency(
    connection: Connection, tables: RecordsTables, old_size: int, new_size: int
) -> ConsistencyProof:
    with _sizes_checked():
        hashes = _tree(connection, tables).consistency_proof(old_size, new_size)
    return ConsistencyProof(old_size, new_size, tuple(hashes))


def _tree(connection: Connection, tables: RecordsTables) -> MerkleTree:
    return MerkleTree(SqlNodeStore(connection, tables))


@contextmanager
def _sizes_checked() -> Iterator[None]:
    try:
        yield
    except TreeSizeError as error:
        raise SizeOutOfRangeError(str(error)) from None


def add_checkpoint(
    connection: Connection, tables: RecordsTables, checkpoint: StoredCheckpoint
) -> StoredCheckpoint:
    """Keeps `checkpoint` unless its size has one already, which is then returned instead.

    Refuses a checkpoint whose root is not the stored tree's root at that size: the table
    only ever holds tree heads the log can prove.
    """
    lock_writer(connection, tables)
    existing = checkpoint_at(connection, tables, checkpoint.size)
    if existing is not None:
        return existing
    if root(connection, tables, checkpoint.size) != checkpoint.root_hash:
        raise CheckpointMismatchError(
            f"checkpoint at size {checkpoint.size} does not carry the log's root hash"
        )
    connection.execute(insert(tables.checkpoints).values(**checkpoint_row(checkpoint)))
    return checkpoint


def checkpoint_at(
    connection: Connection, tables: RecordsTables, size: int
) -> StoredCheckpoint | None:
    table = tables.checkpoints
    row = connection.execute(select(table).where(table.c.size == size)).first()
    return None if row is None else _cosigned(connection, tables, [stored_checkpoint(row)])[0]


def latest_checkpoint(connection: Connection, tables: RecordsTables) -> StoredCheckpoint | None:
    table = tables.checkpoints
    row = connection.execute(select(table).order_by(table.c.size.desc()).limit(1)).first()
    return None if row is None else _cosigned(connection, tables, [stored_checkpoint(row)])[0]


def all_checkpoints(connection: Connection, tables: RecordsTables) -> list[StoredCheckpoint]:
    table = tables.checkpoints
    rows = connection.execute(select(table).order_by(table.c.size))
    return _cosigned(connection, tables, [stored_checkpoint(row) for row in rows])


def add_cosignature(
    connection: Connection,
    tables: RecordsTables,
    size: int,
    witness: str,
    signature_line: str,
    received_at: datetime,
) -> None:
    """Keeps a witness's cosignature line of the checkpoint at `size`, unless it has one."""
    table = tables.cosignatures
    kept = connection.execute(
        select(table.c.size).where(table.c.size == size, table.c.witness == witness)
    ).first()
    if kept is None:
        connection.execute(
            insert(table).values(
                size=size, witness=witness, signature_line=signature_line, received_at=received_at
            )
        )


def case_heads(
    connection: Connection, tables: RecordsTables, start: int, end: int
) -> list[CaseHead]:
    """Each case's head after the events at positions [start, end), for the cases with an
    event there: its count and chain hash at its last event in the range (one row a case)."""
    size = tree_size(connection, tables)
    if not 0 <= start <= end <= size:
        raise SizeOutOfRangeError(f"the log holds {size} events, not [{start}, {end})")
    events = tables.events
    last = (
        select(events.c.case_id, func.max(events.c.case_position).label("case_position"))
        .where(events.c.position >= start, events.c.position < end)
        .group_by(events.c.case_id)
        .subquery()
    )
    query = select(events.c.case_id, events.c.case_position, events.c.chain_hash).join(
        last,
        and_(events.c.case_id == last.c.case_id, events.c.case_position == last.c.case_position),
    )
    return [
        CaseHead(row.case_id, row.case_position + 1, bytes(row.chain_hash))
        for row in connection.execute(query).all()
    ]


def add_case_map_statement(
    connection: Connection, tables: RecordsTables, size: int, statement: str
) -> str:
    """Keeps the signed case map statement of `size` unless it has one, which is returned."""
    lock_writer(connection, tables)
    kept = case_map_statement(connection, tables, size)
    if kept is not None:
        return kept
    connection.execute(insert(tables.case_maps).values(size=size, statement=statement))
    return statement


def case_map_statement(connection: Connection, tables: RecordsTables, size: int) -> str | None:
    table = tables.case_maps
    found = connection.execute(select(table.c.statement).where(table.c.size == size)).scalar()
    return None if found is None else str(found)


def witnessed_size(connection: Connection, tables: RecordsTables, witness: str) -> int | None:
    """The largest size `witness` cosigned, if any: where its next consistency proof starts."""
    table = tables.cosignatures
    found = connection.execute(
        select(func.max(table.c.size)).where(table.c.witness == witness)
    ).scalar()
    return None if found is None else int(found)


def cosigned_witnesses(connection: Connection, tables: RecordsTables, size: int) -> set[str]:
    table = tables.cosignatures
    return set(connection.execute(select(table.c.witness).where(table.c.size == size)).scalars())


def _cosigned(
    connection: Connection, tables: RecordsTables, checkpoints: list[StoredCheckpoint]
) -> list[StoredCheckpoint]:
    if not checkpoints:
        return checkpoints
    table = tables.cosignatures
    query = select(table.c.size, table.c.signature_line).order_by(table.c.size, table.c.witness)
    if len(checkpoints) == 1:
        query = query.where(table.c.size == checkpoints[0].size)
    rows = connection.execute(query)
    lines: dict[int, list[str]] = {}
    for row in rows:
        lines.setdefault(row.size, []).append(row.signature_line)
    return [
        replace(checkpoint, note=checkpoint.note + "".join(lines[checkpoint.size]))
        if checkpoint.size in lines
        else checkpoint
        for checkpoint in checkpoints
    ]
