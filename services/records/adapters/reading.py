"""Reads of the log in one connection: events, stored leaf hashes, roots and proofs."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import ColumnElement, select
from sqlalchemy.engine import Connection

from services.records.adapters.node_store import SqlNodeStore
from services.records.adapters.rows import stored_event
from services.records.adapters.tables import RecordsTables
from services.records.domain.errors import SizeOutOfRangeError, UnknownEventError
from services.records.domain.events import StoredEvent
from services.records.domain.proofs import ConsistencyProof, InclusionProof
from shared.merkle.errors import TreeSizeError
from shared.merkle.hashing import leaf_hash
from shared.merkle.tree import MerkleTree


def select_events(
    connection: Connection, tables: RecordsTables, where: ColumnElement[bool] | None = None
) -> list[StoredEvent]:
    """The events matching `where` (all by default), in log order."""
    query = select(tables.events).order_by(tables.events.c.position)
    if where is not None:
        query = query.where(where)
    # all() fetches the rows in one call; iterating the result would fetch them one by one.
    return list(map(stored_event, connection.execute(query).all()))


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


def tree_size(connection: Connection, tables: RecordsTables) -> int:
    return SqlNodeStore(connection, tables).leaf_count()


def root(connection: Connection, tables: RecordsTables, size: int) -> bytes:
    with _sizes_checked():
        return _tree(connection, tables).root(size)


def inclusion(
    connection: Connection, tables: RecordsTables, event_id: str, size: int
) -> InclusionProof:
    event = event_by_id(connection, tables, event_id)
    if event.position >= size:
        raise SizeOutOfRangeError(f"event {event_id} is not in the tree of size {size}")
    with _sizes_checked():
        hashes = _tree(connection, tables).inclusion_proof(event.position, size)
    return InclusionProof(event_id, event.position, size, leaf_hash(event.leaf), tuple(hashes))


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
