"""One batch appended in one transaction: events, their Merkle nodes and chain links together."""

import hashlib
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from services.records.adapters.case_heads import Tail, batch_heads, next_tail
from services.records.adapters.many_rows import among, insert_rows
from services.records.adapters.node_store import SqlNodeStore, count_after, last_leaf
from services.records.adapters.rows import event_row, stored_event
from services.records.adapters.tables import RecordsTables
from services.records.domain.batches import plan_batch
from services.records.domain.errors import StoreIntegrityError
from services.records.domain.events import Appended, ReceivedEvent, StoredEvent
from shared.merkle.errors import MerkleError
from shared.merkle.tree import MerkleTree


def append_events(
    connection: Connection,
    tables: RecordsTables,
    events: Sequence[ReceivedEvent],
    stored_at: datetime,
    tail: Tail | None = None,
) -> tuple[tuple[Appended, ...], Tail]:
    """Appends `events` in the connection's transaction; the caller commits or rolls back, and
    passes the returned Tail to its next append only if the commit succeeded."""
    lock_writer(connection, tables)
    try:
        size = _log_size(connection, tables)
        if tail is not None and tail.size != size:
            tail = None  # someone else appended since: what it kept may be out of date
        tree = MerkleTree(
            SqlNodeStore(connection, tables, leaf_count=size),
            frontier=None if tail is None else tail.frontier,
        )
        heads = batch_heads(connection, tables, {e.envelope.case_id for e in events}, tail)
        plan = plan_batch(
            events,
            known=_known(connection, tables, {str(e.envelope.event_id) for e in events}),
            heads=heads,
            size=size,
            stored_at=stored_at,
        )
        if plan.new_events:
            insert_rows(connection, tables.events, [event_row(e) for e in plan.new_events])
            tree.extend_hashed(plan.leaf_hashes)
    except (IntegrityError, MerkleError) as error:
        # A second writer got in first, or the tables were damaged. `from None`: a driver's
        # message quotes the row it refused.
        reason = error if isinstance(error, MerkleError) else "a row clashed with a stored one"
        raise StoreIntegrityError(f"append refused, nothing written: {reason}") from None
    return plan.appended, next_tail(tail, tree, heads, plan)


def lock_writer(connection: Connection, tables: RecordsTables) -> None:
    """PostgreSQL: one appending transaction at a time, also across processes.

    Elsewhere the in-process lock and the primary keys keep a second writer from doing harm.
    """
    if connection.dialect.name == "postgresql":
        digest = hashlib.sha256(tables.events.name.encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _log_size(connection: Connection, tables: RecordsTables) -> int:
    """How many events the log holds, checked against its Merkle tree's leaves in one statement
    (after the lock, so it sees every append committed before)."""
    last_event = select(func.max(tables.events.c.position)).scalar_subquery()
    query = select(last_event, last_leaf(tables.merkle_nodes).scalar_subquery())
    events, leaves = (count_after(last) for last in connection.execute(query).one())
    if events != leaves:
        raise StoreIntegrityError(
            f"the log holds {events} events but its Merkle tree {leaves} leaves; nothing written"
        )
    return events


def _known(
    connection: Connection, tables: RecordsTables, event_ids: Collection[str]
) -> dict[str, StoredEvent]:
    events = tables.events
    rows = connection.execute(select(events).where(among(connection, events.c.event_id, event_ids)))
    return {event.event_id: event for event in map(stored_event, rows)}
