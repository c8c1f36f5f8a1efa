"""Applying case changes: the case row, its kept envelopes, anonymization and erasure (for
many cases at once: a few statements per request, not a few per case)."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.privacy.adapters.tables import cases, erased_subjects, kept_events
from services.privacy.domain.cases import Disposition
from services.privacy.service_layer import changes
from shared.crypto.tables import insert_all_unless_present, insert_unless_present
from shared.envelope import Envelope, encode_envelope
from shared.sql_types import as_utc

Write = Callable[[AsyncConnection, Any], Awaitable[None]]
"""Writes one change on the connection of a unit of work."""


async def case_seen(connection: AsyncConnection, change: changes.CaseSeen) -> None:
    await _ensure(connection, change.case_id, change.subject_id)
    if change.subject_id is not None:
        await connection.execute(
            update(cases)
            .where(cases.c.case_id == change.case_id, cases.c.subject_id.is_(None))
            .values(subject_id=change.subject_id)
        )


async def case_opened(connection: AsyncConnection, change: changes.CaseOpened) -> None:
    await _update(connection, change.case_id, opened_at=as_utc(change.opened_at))


async def case_closed(connection: AsyncConnection, change: changes.CaseClosed) -> None:
    await _update(
        connection,
        change.case_id,
        closed_at=as_utc(change.closed_at),
        closure_reason=change.reason,
        closure_event_id=change.closure_event_id,
    )


async def closure_accepted(connection: AsyncConnection, change: changes.ClosureAccepted) -> None:
    await _update_closure(
        connection, change.case_id, change.closure_event_id, closed_at=as_utc(change.decided_at)
    )


async def closure_refused(connection: AsyncConnection, change: changes.ClosureRefused) -> None:
    await _update_closure(
        connection,
        change.case_id,
        change.closure_event_id,
        closed_at=None,
        closure_reason=None,
        closure_event_id=None,
    )


async def _update_closure(
    connection: AsyncConnection, case_id: str, closed_by: str, **values: Any
) -> None:
    """Only while the case is still closed by request `closed_by` (a later one may have
    replaced it)."""
    await connection.execute(
        update(cases)
        .where(cases.c.case_id == case_id, cases.c.closure_event_id == closed_by)
        .values(**values)
    )


async def recording_attached(
    connection: AsyncConnection, change: changes.RecordingAttached
) -> None:
    await _update(connection, change.case_id, has_recording=True)


async def event_kept(connection: AsyncConnection, change: changes.EventKept) -> None:
    envelope = change.envelope
    state = select(cases.c.key_destroyed_at, cases.c.disposition).where(
        cases.c.case_id == envelope.case_id
    )
    row = (await connection.execute(state)).first()
    if row is not None and is_shredded(row._mapping):
        return  # a redelivered event of a shredded case: nothing of it is kept again
    await insert_unless_present(connection, kept_events, kept_row(envelope))


def kept_row(envelope: Envelope) -> dict[str, Any]:
    """The row that keeps `envelope` as received (its personal fields are ciphertext)."""
    return {
        "event_id": str(envelope.event_id),
        "case_id": envelope.case_id,
        "type": envelope.type,
        "occurred_at": envelope.occurred_at,
        "causation_id": envelope.causation_id,
        "envelope": encode_envelope(envelope).decode(),
    }


def is_shredded(row: Mapping[Any, Any]) -> bool:
    """Whether the case row says its key is gone (nothing of its events is kept again)."""
    return bool(row["key_destroyed_at"] or row["disposition"] != Disposition.KEPT.value)


async def case_anonymized(connection: AsyncConnection, change: changes.CaseAnonymized) -> None:
    await _ensure(connection, change.case_id)
    await _drop_events(connection, change.case_id)
    await _update(
        connection,
        change.case_id,
        disposition=Disposition.ANONYMIZED.value,
        anonymized_at=as_utc(change.anonymized_at),
    )


async def key_destroyed(connection: AsyncConnection, change: changes.KeyDestroyed) -> None:
    await _ensure(connection, change.case_id)
    await _drop_events(connection, change.case_id)
    await _update(connection, change.case_id, key_destroyed_at=as_utc(change.destroyed_at))


async def case_erased(connection: AsyncConnection, change: changes.CaseErased) -> None:
    await _ensure(connection, change.case_id)
    await _drop_events(connection, change.case_id)
    await _update(
        connection,
        change.case_id,
        disposition=Disposition.ERASED.value,
        erased_at=as_utc(change.erased_at),
    )


async def subject_erased(connection: AsyncConnection, change: changes.SubjectErased) -> None:
    row = {"subject_id": change.subject_id, "request_id": change.request_id}
    await insert_unless_present(
        connection, erased_subjects, {**row, "erased_at": as_utc(change.erased_at)}
    )


async def recordings_expired(
    connection: AsyncConnection, change: changes.RecordingsExpired
) -> None:
    await connection.execute(
        update(cases)
        .where(cases.c.case_id.in_(change.case_ids))
        .values(recording_expired_at=as_utc(change.expired_at))
    )


async def _ensure(connection: AsyncConnection, case_id: str, subject_id: str | None = None) -> None:
    # Privacy's own events may be read before the intake events of their case (two topics).
    await insert_unless_present(connection, cases, new_case_row(case_id, subject_id))


def new_case_row(case_id: str, subject_id: str | None) -> dict[str, Any]:
    """A case's row when privacy first hears of it: kept, nothing known yet but its subject."""
    return {
        "case_id": case_id,
        "subject_id": subject_id,
        "has_recording": False,
        "disposition": Disposition.KEPT.value,
    }


async def _drop_events(connection: AsyncConnection, case_id: str) -> None:
    await connection.execute(delete(kept_events).where(kept_events.c.case_id == case_id))


async def _update(connection: AsyncConnection, case_id: str, **values: Any) -> None:
    await connection.execute(update(cases).where(cases.c.case_id == case_id).values(**values))


# Each of these sets its own columns of its case's row, drops that case's kept envelopes, or
# records a subject unless recorded: applied in any order they end the same, so a run of them
# can go as one statement per kind.
BATCHED = (changes.CaseErased, changes.KeyDestroyed, changes.SubjectErased)
# Cases per statement: under even an old SQLite's 999 bound parameters.
_CHUNK = 100


async def apply_batched(connection: AsyncConnection, batch: Sequence[changes.Change]) -> None:
    """What applying each change of `batch` (all of a BATCHED kind) in turn would do."""
    erased = [change for change in batch if isinstance(change, changes.CaseErased)]
    destroyed = [change for change in batch if isinstance(change, changes.KeyDestroyed)]
    touched: list[changes.CaseErased | changes.KeyDestroyed] = [*erased, *destroyed]
    case_ids = list(dict.fromkeys(change.case_id for change in touched))
    for start in range(0, len(case_ids), _CHUNK):
        chunk = case_ids[start : start + _CHUNK]
        # Privacy's own events may be read before the intake events of their case (two topics).
        rows = [new_case_row(case_id, None) for case_id in chunk]
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
    for change in batch:
        if isinstance(change, changes.SubjectErased):
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


WRITES: dict[type[Any], Write] = {
    changes.CaseSeen: case_seen,
    changes.CaseOpened: case_opened,
    changes.CaseClosed: case_closed,
    changes.ClosureAccepted: closure_accepted,
    changes.ClosureRefused: closure_refused,
    changes.RecordingAttached: recording_attached,
    changes.EventKept: event_kept,
    changes.CaseAnonymized: case_anonymized,
    changes.KeyDestroyed: key_destroyed,
    changes.CaseErased: case_erased,
    changes.SubjectErased: subject_erased,
    changes.RecordingsExpired: recordings_expired,
}
"""Each case change, by type, and the function that writes it (adapters.store applies them)."""
