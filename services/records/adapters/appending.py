"""One batch appended in one transaction: events, their Merkle nodes and chain links together."""

import hashlib
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from services.records.adapters.node_store import SqlNodeStore
from services.records.adapters.rows import event_row, stored_event
from services.records.adapters.tables import RecordsTables
from services.records.domain.batches import plan_batch
from services.records.domain.chain import ChainLink
from services.records.domain.errors import StoreIntegrityError
from services.records.domain.events import Appended, ReceivedEvent, StoredEvent
from shared.merkle.errors import MerkleError
from shared.merkle.tree import MerkleTree


def append_events(
    connection: Connection,
    tables: RecordsTables,
    events: Sequence[ReceivedEvent],
    stored_at: datetime,
) -> tuple[Appended, ...]:
    """Appends `events` in the connection's transaction; the caller commits or rolls back."""
    lock_writer(connection, tables)
    try:
        tree = MerkleTree(SqlNodeStore(connection, tables))
        _require_same_size(connection, tables, tree.size)
        plan = plan_batch(
            events,
            known=_known(connection, tables, {str(e.envelope.event_id) for e in events}),
            heads=_case_heads(connection, tables, {e.envelope.case_id for e in events}),
            size=tree.size,
            stored_at=stored_at,
        )
        if plan.new_events:
            connection.execute(insert(tables.events), [event_row(e) for e in plan.new_events])
            tree.extend(event.leaf for event in plan.new_events)
    except (IntegrityError, MerkleError) as error:
        # A second writer got in first, or the tables were damaged. `from None`: a driver's
        # message quotes the row it refused.
        reason = error if isinstance(error, MerkleError) else "a row clashed with a stored one"
        raise StoreIntegrityError(f"append refused, nothing written: {reason}") from None
    return plan.appended


def lock_writer(connection: Connection, tables: RecordsTables) -> None:
    """PostgreSQL: one appending transaction at a time, also across processes.

    Elsewhere the in-process lock and the primary keys keep a second writer from doing harm.
    """
    if connection.dialect.name == "postgresql":
        digest = hashlib.sha256(tables.events.name.encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _require_same_size(connection: Connection, tables: RecordsTables, size: int) -> None:
    last = connection.scalar(select(func.max(tables.events.c.position)))
    events = 0 if last is None else int(last) + 1
    if events != size:
        raise StoreIntegrityError(
            f"the log holds {events} events but its Merkle tree {size} leaves; nothing written"
        )


def _known(
    connection: Connection, tables: RecordsTables, event_ids: Collection[str]
) -> dict[str, StoredEvent]:
    rows = connection.execute(select(tables.events).where(tables.events.c.event_id.in_(event_ids)))
    return {row.event_id: stored_event(row) for row in rows}


def _case_heads(
    connection: Connection, tables: RecordsTables, case_ids: Collection[str]
) -> dict[str, ChainLink]:
    """The chain link of each case's last event; its leaf hash is the one the tree committed to."""
    events, nodes = tables.events, tables.merkle_nodes
    last = (
        select(events.c.case_id, func.max(events.c.case_position).label("case_position"))
        .where(events.c.case_id.in_(case_ids))
        .group_by(events.c.case_id)
        .subquery()
    )
    query = (
        select(events.c.case_id, events.c.case_position, nodes.c.hash)
        .add_columns(events.c.prev_hash, events.c.chain_hash)
        .join(
            last,
            and_(
                events.c.case_id == last.c.case_id,
                events.c.case_position == last.c.case_position,
            ),
        )
        .join(nodes, and_(nodes.c.level == 0, nodes.c.idx == events.c.position))
    )
    return {
        row.case_id: ChainLink(
            row.case_position, bytes(row.hash), bytes(row.prev_hash), bytes(row.chain_hash)
        )
        for row in connection.execute(query)
    }
