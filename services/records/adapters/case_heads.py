"""Where a batch's chain links start: the last event of each of its cases, with the leaf hash the
tree committed to, read from the log or kept from the writer's previous append."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import Subquery, and_, func, select, true
from sqlalchemy.engine import Connection

from services.records.adapters.many_rows import as_array
from services.records.adapters.tables import RecordsTables
from services.records.domain.batches import BatchPlan
from services.records.domain.chain import ChainLink
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
