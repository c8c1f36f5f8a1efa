"""Erasure's changes for many cases at once: a few statements per request, not a few per case."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.privacy.adapters.tables import cases, erased_subjects, kept_events
from services.privacy.domain.cases import Disposition
from services.privacy.service_layer import changes as c
from shared.crypto.tables import insert_all_unless_present
from shared.sql_types import as_utc

# Each of these sets its own columns of its case's row, drops that case's kept envelopes, or
# records a subject unless recorded: applied in any order they end the same, so a run of them
# can go as one statement per kind.
BATCHED = (c.CaseErased, c.KeyDestroyed, c.SubjectErased)
# Cases per statement: under even an old SQLite's 999 bound parameters.
_CHUNK = 100


async def apply_batched(connection: AsyncConnection, changes: Sequence[c.Change]) -> None:
    """What applying each of `changes` (all of a BATCHED kind) in turn would do."""
    erased = [change for change in changes if isinstance(change, c.CaseErased)]
    destroyed = [change for change in changes if isinstance(change, c.KeyDestroyed)]
    touched: list[c.CaseErased | c.KeyDestroyed] = [*erased, *destroyed]
    case_ids = list(dict.fromkeys(change.case_id for change in touched))
    for start in range(0, len(case_ids), _CHUNK):
        chunk = case_ids[start : start + _CHUNK]
        # Privacy's own events may be read before the intake events of their case (two topics).
        rows = [
            {
                "case_id": case_id,
                "subject_id": None,
                "has_recording": False,
                "disposition": Disposition.KEPT.value,
            }
            for case_id in chunk
        ]
        await insert_all_unless_present(connection, cases, rows)
        await connection.execute(delete(kept_events).where(kept_events.c.case_id.in_(chunk)))
    if erased:
        await _update_each(
            connection,
            [{"at": as_utc(change.erased_at), "case": change.case_id} for change in erased],
            disposition=Disposition.ERASED.value,
            erased_at=bindparam("at"),
        )
    if destroyed:
        await _update_each(
            connection,
            [{"at": as_utc(change.destroyed_at), "case": change.case_id} for change in destroyed],
            key_destroyed_at=bindparam("at"),
        )
    subjects: dict[str, dict[str, Any]] = {}
    for change in changes:
        if isinstance(change, c.SubjectErased):
            # The first one wins, as it would one insert at a time.
            subjects.setdefault(
                change.subject_id,
                {
                    "subject_id": change.subject_id,
                    "request_id": change.request_id,
                    "erased_at": as_utc(change.erased_at),
                },
            )
    if subjects:
        await insert_all_unless_present(connection, erased_subjects, list(subjects.values()))


async def _update_each(
    connection: AsyncConnection, rows: list[dict[str, Any]], **values: Any
) -> None:
    # One statement executed for every row, in order: a later change of a case wins.
    statement = update(cases).where(cases.c.case_id == bindparam("case")).values(**values)
    await connection.execute(statement, rows)
