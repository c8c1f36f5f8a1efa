"""Applying what a batch of consumed events changes (intake's, policy's, records'
acknowledgements) in a few statements: the batch's case rows read once (locked), the changes
applied to them in memory in order, then written back per table in multi-row statements.

The outcome MUST be the one the per-change writes (case_writes, record_writes) give when the
same changes are applied one by one in the same order: tests/unit/privacy/test_consumed_batches
compares every table.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.privacy.adapters.case_writes import is_shredded, kept_row, new_case_row
from services.privacy.adapters.record_writes import checkpoint_seen
from services.privacy.adapters.tables import cases, erasure_positions, kept_events, recommendations
from services.privacy.domain.errors import PrivacyError
from services.privacy.service_layer import changes
from shared.crypto.tables import insert_all_unless_present
from shared.sql_types import as_utc

CASE_CHANGES = (
    changes.CaseSeen,
    changes.CaseOpened,
    changes.CaseClosed,
    changes.ClosureAccepted,
    changes.ClosureRefused,
    changes.RecordingAttached,
)
"""The changes of a case row."""
CaseChange = (
    changes.CaseSeen
    | changes.CaseOpened
    | changes.CaseClosed
    | changes.ClosureAccepted
    | changes.ClosureRefused
    | changes.RecordingAttached
)
TOGETHER = (
    *CASE_CHANGES,
    changes.EventKept,
    changes.RecommendationMade,
    changes.CheckpointSeen,
    changes.ErasureAcknowledged,
)
"""The kinds `apply_together` writes: all a consumed event of another service can change."""


class CaseRowRaceError(PrivacyError):
    """Another transaction created one of the batch's new case rows meanwhile. Not permanent:
    the bus then handles the batch's messages one by one, and they find the row."""


class _Batch:
    """The batch's rows as they stand after each change applied so far."""

    def __init__(self, stored: dict[str, dict[str, Any]]) -> None:
        self.cases = stored
        self.before = {case_id: dict(row) for case_id, row in stored.items()}
        self.kept: dict[str, dict[str, Any]] = {}
        self.recommendations: dict[str, dict[str, Any]] = {}
        self.positions: dict[str, dict[str, Any]] = {}
        self.checkpoint: changes.CheckpointSeen | None = None

    def apply(self, change: changes.Change) -> None:
        match change:
            case changes.EventKept(envelope):
                row = self.cases.get(envelope.case_id)
                if row is None or not is_shredded(row):
                    self.kept.setdefault(str(envelope.event_id), kept_row(envelope))
            case changes.RecommendationMade(found):
                self.recommendations.setdefault(
                    found.recommendation_id,
                    {
                        "recommendation_id": found.recommendation_id,
                        "document": found.model_dump_json(),
                    },
                )
            case changes.ErasureAcknowledged(event_id, position):
                self.positions.setdefault(event_id, {"event_id": event_id, "position": position})
            case changes.CheckpointSeen(seen):
                # Only a larger log replaces the one kept: the first of the largest wins.
                size = seen.tree_size or 0
                if self.checkpoint is None or (self.checkpoint.checkpoint.tree_size or 0) < size:
                    self.checkpoint = change
            case _ if isinstance(change, CASE_CHANGES):
                self._case(change)
            case _:
                raise TypeError(f"{type(change).__name__} is not applied together")

    def _case(self, change: CaseChange) -> None:
        row = self.cases.get(change.case_id)
        if isinstance(change, changes.CaseSeen):
            if row is None:
                self.cases[change.case_id] = {
                    **_EMPTY_CASE,
                    **new_case_row(change.case_id, change.subject_id),
                }
            elif change.subject_id is not None and row["subject_id"] is None:
                row["subject_id"] = change.subject_id
            return
        if row is None:
            return  # an UPDATE of a row not there changes nothing
        match change:
            case changes.CaseOpened(_, opened_at):
                row["opened_at"] = as_utc(opened_at)
            case changes.CaseClosed(_, closed_at, reason, closure_event_id):
                row.update(
                    closed_at=as_utc(closed_at),
                    closure_reason=reason,
                    closure_event_id=closure_event_id,
                )
            case changes.ClosureAccepted(_, closed_by, decided_at):
                if row["closure_event_id"] == closed_by:
                    row["closed_at"] = as_utc(decided_at)
            case changes.ClosureRefused(_, closed_by):
                if row["closure_event_id"] == closed_by:
                    row.update(closed_at=None, closure_reason=None, closure_event_id=None)
            case changes.RecordingAttached():
                row["has_recording"] = True


_EMPTY_CASE: dict[str, Any] = {column.name: None for column in cases.columns}


async def apply_together(connection: AsyncConnection, batch: Sequence[changes.Change]) -> None:
    """What applying each change of `batch` (all of a TOGETHER kind) in turn would do.

    The case rows are read FOR UPDATE (PostgreSQL; SQLite has one writer at a time anyway),
    so an erasure committing meanwhile cannot be overwritten by what this batch read before."""
    case_ids = sorted({case_id for change in batch if (case_id := _case_of(change))})
    stored: dict[str, dict[str, Any]] = {}
    if case_ids:
        query = select(cases).where(cases.c.case_id.in_(case_ids)).order_by(cases.c.case_id)
        result = await connection.execute(query.with_for_update())
        stored = {row.case_id: dict(row._mapping) for row in result}
    state = _Batch(stored)
    for change in batch:
        state.apply(change)
    await _write_cases(connection, state)
    for table, rows in (
        (kept_events, state.kept),
        (recommendations, state.recommendations),
        (erasure_positions, state.positions),
    ):
        if rows:
            await insert_all_unless_present(connection, table, list(rows.values()))
    if state.checkpoint is not None:
        await checkpoint_seen(connection, state.checkpoint)


def _case_of(change: changes.Change) -> str | None:
    """The case whose row the change reads or writes, if any."""
    if isinstance(change, changes.EventKept):
        return change.envelope.case_id
    return change.case_id if isinstance(change, CASE_CHANGES) else None


async def _write_cases(connection: AsyncConnection, state: _Batch) -> None:
    """New rows in one insert; changed ones in one UPDATE per set of changed columns (only
    those columns: a value read back from SQLite is not written again)."""
    created = [row for case_id, row in state.cases.items() if case_id not in state.before]
    if created:
        went_in = await insert_all_unless_present(connection, cases, created)
        if len(went_in) != len(created):
            raise CaseRowRaceError("a case row of this batch was created by another transaction")
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for case_id, before in state.before.items():
        row = state.cases[case_id]
        changed = tuple(name for name in row if row[name] != before[name])
        if changed:
            values = {f"new_{name}": row[name] for name in changed}
            by_columns.setdefault(changed, []).append({"case": case_id, **values})
    for columns, rows in by_columns.items():
        statement = (
            update(cases)
            .where(cases.c.case_id == bindparam("case"))
            .values({name: bindparam(f"new_{name}") for name in columns})
        )
        await connection.execute(statement, rows)
