"""One batch appended in one transaction: events, their Merkle nodes and chain links together,
the links starting from the last event of each case of the batch (read from the log, or kept
from the writer's previous append)."""

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, Subquery, and_, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from services.records.adapters.driver_rows import fetch
from services.records.adapters.rows import (
    SqlNodeStore,
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
    if connection.dialect.name == "postgresql":
        rows = fetch(connection, _pg_heads_sql(tables), list(case_ids))
    else:
        rows = connection.execute(_heads_query(tables, case_ids)).all()
    return {
        case_id: ChainLink(case_position, bytes(digest), bytes(prev_hash), bytes(chain_hash))
        for case_id, case_position, digest, prev_hash, chain_hash in rows
    }


@lru_cache(maxsize=64)
def _pg_heads_sql(tables: RecordsTables) -> str:
    """PostgreSQL: per case, one step down the (case_id, case_position) index from the top; a
    GROUP BY would read every event of the cases (all of the log when a batch spans it)."""
    events, nodes = tables.events.name, tables.merkle_nodes.name
    # Our own table names (records_tables admits plain lower-case prefixes only).
    return (
        "SELECT e.case_id, e.case_position, n.hash, e.prev_hash, e.chain_hash "  # noqa: S608
        "FROM unnest($1::text[]) AS batch_cases(case_id) CROSS JOIN LATERAL ("
        f"SELECT position FROM {events} WHERE case_id = batch_cases.case_id "
        "ORDER BY case_position DESC LIMIT 1) AS head "
        f"JOIN {events} e ON e.position = head.position "
        f"JOIN {nodes} n ON n.level = 0 AND n.idx = e.position"
    )


def _heads_query(tables: RecordsTables, case_ids: Collection[str]) -> Select[Any]:
    """SQLite: no LATERAL; its planner reads max(case_position) per case off the index."""
    events, nodes = tables.events, tables.merkle_nodes
    last = _last_events_grouped(tables, case_ids)
    return (
        select(events.c.case_id, events.c.case_position, nodes.c.hash)
        .add_columns(events.c.prev_hash, events.c.chain_hash)
        .join(last, events.c.position == last.c.position)
        .join(nodes, and_(nodes.c.level == 0, nodes.c.idx == events.c.position))
    )


def _last_events_grouped(tables: RecordsTables, case_ids: Collection[str]) -> Subquery:
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
    if connection.dialect.name == "postgresql":
        row = fetch(connection, _pg_size_sql(tables))[0]
    else:
        last_event = select(func.max(tables.events.c.position)).scalar_subquery()
        query = select(last_event, last_leaf(tables.merkle_nodes).scalar_subquery())
        row = connection.execute(query).one()
    events, leaves = (count_after(last) for last in row)
    if events != leaves:
        raise StoreIntegrityError(
            f"the log holds {events} events but its Merkle tree {leaves} leaves; nothing written"
        )
    return events


def _known(
    connection: Connection, tables: RecordsTables, event_ids: Collection[str]
) -> dict[str, StoredEvent]:
    events = tables.events
    if connection.dialect.name == "postgresql":
        rows = fetch(connection, _pg_known_sql(tables), list(event_ids))
    else:
        rows = connection.execute(select(events).where(events.c.event_id.in_(event_ids))).all()
    return {event.event_id: event for event in map(stored_event, rows)}


@lru_cache(maxsize=64)
def _pg_size_sql(tables: RecordsTables) -> str:
    events, nodes = tables.events.name, tables.merkle_nodes.name
    return (
        f"SELECT (SELECT max(position) FROM {events}), "  # noqa: S608 - our own names
        f"(SELECT max(idx) FROM {nodes} WHERE level = 0)"
    )


@lru_cache(maxsize=64)
def _pg_known_sql(tables: RecordsTables) -> str:
    events = tables.events
    columns = ", ".join(column.name for column in events.columns)  # stored_event's order
    return f"SELECT {columns} FROM {events.name} WHERE event_id = ANY($1::text[])"  # noqa: S608
