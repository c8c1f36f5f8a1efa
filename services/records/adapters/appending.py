"""One batch appended in one transaction: events, their Merkle nodes and chain links together,
the links starting from the last event of each case of the batch (read from the log, or kept
from the writer's previous append)."""

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Subquery, and_, func, select, text, true
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from services.records.adapters.rows import (
    SqlNodeStore,
    among,
    as_array,
    count_after,
    event_row,
    insert_rows,
    last_leaf,
    stored_event,
)
from services.records.adapters.tables import RecordsTables
from services.records.domain.errors import StoreIntegrityError
from services.records.domain.events import (
    Appended,
    BatchPlan,
    ReceivedEvent,
    StoredEvent,
    plan_batch,
)
from shared.bundle.case_chain import ChainLink
from shared.merkle.errors import MerkleError
from shared.merkle.tree import MerkleTree


@dataclass(frozen=True)
class Tail:
    """What an append leaves for the next one of the same writer: the tree's right edge and the
    last chain link of recent cases. Valid only while the log holds exactly `size` events, so
    an append by anyone else (another process, another store) voids it."""

    size: int
    frontier: tuple[bytes, ...]
    heads: Mapping[str, ChainLink]


TAIL_CASES = 10_000
"""At most this many cases' links are kept; past it, only the last batch's."""


def batch_heads(
    connection: Connection, tables: RecordsTables, case_ids: set[str], tail: Tail | None
) -> dict[str, ChainLink]:
    """The last link of each of `case_ids`: from `tail` where it has them, else read."""
    kept = {} if tail is None else tail.heads
    heads = {case_id: kept[case_id] for case_id in case_ids if case_id in kept}
    if missing := case_ids - heads.keys():
        heads |= case_heads(connection, tables, missing)
    return heads


def next_tail(
    tail: Tail | None, tree: MerkleTree, heads: Mapping[str, ChainLink], plan: BatchPlan
) -> Tail:
    """The Tail after `plan` was appended to `tree`; `heads` are the links the plan started from."""
    latest = dict(heads)
    for event, digest in zip(plan.new_events, plan.leaf_hashes, strict=True):
        latest[event.case_id] = ChainLink(
            event.case_position, digest, event.prev_hash, event.chain_hash
        )
    kept = {} if tail is None or len(tail.heads) + len(latest) > TAIL_CASES else tail.heads
    return Tail(tree.size, tree.frontier, {**kept, **latest})


def case_heads(
    connection: Connection, tables: RecordsTables, case_ids: Collection[str]
) -> dict[str, ChainLink]:
    """The chain link of each case's last event; its leaf hash is the one the tree committed to."""
    events, nodes = tables.events, tables.merkle_nodes
    if connection.dialect.name == "postgresql":
        last = _last_events_lateral(tables, case_ids)
    else:
        last = _last_events_grouped(tables, case_ids)
    query = (
        select(events.c.case_id, events.c.case_position, nodes.c.hash)
        .add_columns(events.c.prev_hash, events.c.chain_hash)
        .join(last, events.c.position == last.c.position)
        .join(nodes, and_(nodes.c.level == 0, nodes.c.idx == events.c.position))
    )
    return {
        row.case_id: ChainLink(
            row.case_position, bytes(row.hash), bytes(row.prev_hash), bytes(row.chain_hash)
        )
        for row in connection.execute(query)
    }


def _last_events_lateral(tables: RecordsTables, case_ids: Collection[str]) -> Subquery:
    """PostgreSQL: per case, one step down the (case_id, case_position) index from the top; a
    GROUP BY would read every event of the cases (all of the log when a batch spans it)."""
    events = tables.events
    cases = (
        func.unnest(as_array(events.c.case_id, case_ids))
        .table_valued("case_id")
        .render_derived(name="batch_cases")
    )
    head = (
        select(events.c.position)
        .where(events.c.case_id == cases.c.case_id)
        .order_by(events.c.case_position.desc())
        .limit(1)
        .lateral("head")
    )
    return select(head.c.position).select_from(cases).join(head, true()).subquery()


def _last_events_grouped(tables: RecordsTables, case_ids: Collection[str]) -> Subquery:
    """SQLite: no LATERAL; its planner reads max(case_position) per case off the index."""
    events = tables.events
    last = (
        select(events.c.case_id, func.max(events.c.case_position).label("case_position"))
        .where(events.c.case_id.in_(case_ids))
        .group_by(events.c.case_id)
        .subquery()
    )
    return (
        select(events.c.position)
        .join(
            last,
            and_(
                events.c.case_id == last.c.case_id,
                events.c.case_position == last.c.case_position,
            ),
        )
        .subquery()
    )


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
