"""Applying case changes: the case row, its kept envelopes, anonymization and erasure."""

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.privacy.adapters.tables import cases, erased_subjects, kept_events
from services.privacy.domain.cases import Disposition
from services.privacy.service_layer import changes as c
from shared.crypto.tables import insert_unless_present
from shared.envelope import encode_envelope
from shared.sql_types import as_utc


async def case_seen(connection: AsyncConnection, change: c.CaseSeen) -> None:
    await _ensure(connection, change.case_id, change.subject_id)
    if change.subject_id is not None:
        await connection.execute(
            update(cases)
            .where(cases.c.case_id == change.case_id, cases.c.subject_id.is_(None))
            .values(subject_id=change.subject_id)
        )


async def case_opened(connection: AsyncConnection, change: c.CaseOpened) -> None:
    await _update(connection, change.case_id, opened_at=as_utc(change.opened_at))


async def case_closed(connection: AsyncConnection, change: c.CaseClosed) -> None:
    await _update(
        connection,
        change.case_id,
        closed_at=as_utc(change.closed_at),
        closure_reason=change.reason,
        closure_event_id=change.closure_event_id,
    )


async def closure_accepted(connection: AsyncConnection, change: c.ClosureAccepted) -> None:
    await _update_closure(
        connection, change.case_id, change.closure_event_id, closed_at=as_utc(change.decided_at)
    )


async def closure_refused(connection: AsyncConnection, change: c.ClosureRefused) -> None:
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


async def recording_attached(connection: AsyncConnection, change: c.RecordingAttached) -> None:
    await _update(connection, change.case_id, has_recording=True)


async def event_kept(connection: AsyncConnection, change: c.EventKept) -> None:
    envelope = change.envelope
    state = select(cases.c.key_destroyed_at, cases.c.disposition).where(
        cases.c.case_id == envelope.case_id
    )
    row = (await connection.execute(state)).first()
    if row is not None and (row.key_destroyed_at or row.disposition != Disposition.KEPT.value):
        return  # a redelivered event of a shredded case: nothing of it is kept again
    await insert_unless_present(
        connection,
        kept_events,
        {
            "event_id": str(envelope.event_id),
            "case_id": envelope.case_id,
            "type": envelope.type,
            "occurred_at": envelope.occurred_at,
            "causation_id": envelope.causation_id,
            "envelope": encode_envelope(envelope).decode(),
        },
    )


async def case_anonymized(connection: AsyncConnection, change: c.CaseAnonymized) -> None:
    await _ensure(connection, change.case_id)
    await _drop_events(connection, change.case_id)
    await _update(
        connection,
        change.case_id,
        disposition=Disposition.ANONYMIZED.value,
        anonymized_at=as_utc(change.anonymized_at),
    )


async def key_destroyed(connection: AsyncConnection, change: c.KeyDestroyed) -> None:
    await _ensure(connection, change.case_id)
    await _drop_events(connection, change.case_id)
    await _update(connection, change.case_id, key_destroyed_at=as_utc(change.destroyed_at))


async def case_erased(connection: AsyncConnection, change: c.CaseErased) -> None:
    await _ensure(connection, change.case_id)
    await _drop_events(connection, change.case_id)
    await _update(
        connection,
        change.case_id,
        disposition=Disposition.ERASED.value,
        erased_at=as_utc(change.erased_at),
    )


async def subject_erased(connection: AsyncConnection, change: c.SubjectErased) -> None:
    row = {"subject_id": change.subject_id, "request_id": change.request_id}
    await insert_unless_present(
        connection, erased_subjects, {**row, "erased_at": as_utc(change.erased_at)}
    )


async def recordings_expired(connection: AsyncConnection, change: c.RecordingsExpired) -> None:
    await connection.execute(
        update(cases)
        .where(cases.c.case_id.in_(change.case_ids))
        .values(recording_expired_at=as_utc(change.expired_at))
    )


async def _ensure(connection: AsyncConnection, case_id: str, subject_id: str | None = None) -> None:
    # Privacy's own events may be read before the intake events of their case (two topics).
    row = {"case_id": case_id, "subject_id": subject_id, "has_recording": False}
    await insert_unless_present(connection, cases, {**row, "disposition": Disposition.KEPT.value})


async def _drop_events(connection: AsyncConnection, case_id: str) -> None:
    await connection.execute(delete(kept_events).where(kept_events.c.case_id == case_id))


async def _update(connection: AsyncConnection, case_id: str, **values: Any) -> None:
    await connection.execute(update(cases).where(cases.c.case_id == case_id).values(**values))
