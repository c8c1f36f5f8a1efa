"""Privacy's store in SQL: changes applied in one transaction, once per event id, and reads."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.privacy.adapters import case_writes as cw
from services.privacy.adapters import receipt_writes
from services.privacy.adapters import record_writes as rw
from services.privacy.adapters.erasure_writes import BATCHED, apply_batched
from services.privacy.adapters.reads import StoreReads
from services.privacy.adapters.tables import metadata, seen_events
from services.privacy.service_layer import changes as c
from shared.crypto.tables import insert_all_unless_present

Apply = Callable[[AsyncConnection, Any], Awaitable[None]]
APPLY: dict[type, Apply] = {
    c.CaseSeen: cw.case_seen,
    c.CaseOpened: cw.case_opened,
    c.CaseClosed: cw.case_closed,
    c.ClosureAccepted: cw.closure_accepted,
    c.ClosureRefused: cw.closure_refused,
    c.RecordingAttached: cw.recording_attached,
    c.EventKept: cw.event_kept,
    c.CaseAnonymized: cw.case_anonymized,
    c.KeyDestroyed: cw.key_destroyed,
    c.CaseErased: cw.case_erased,
    c.SubjectErased: cw.subject_erased,
    c.RecordingsExpired: cw.recordings_expired,
    c.RecommendationMade: rw.recommendation_made,
    c.HoldSaved: rw.hold_saved,
    c.HoldReleaseRequested: rw.hold_release_requested,
    c.HoldEnded: rw.hold_ended,
    c.RequestSaved: rw.request_saved,
    c.ReceiptSaved: rw.receipt_saved,
    c.CopiesExpired: rw.copies_expired,
    c.CopyStored: rw.copy_stored,
    c.CopyRemoved: rw.copy_removed,
    c.CheckpointSeen: rw.checkpoint_seen,
    c.ReceiptTracked: receipt_writes.receipt_tracked,
    c.ReceiptBound: receipt_writes.receipt_bound,
    c.ErasureAcknowledged: receipt_writes.erasure_acknowledged,
    c.CompletionIssued: receipt_writes.completion_issued,
}


class SqlPrivacyStore(StoreReads):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._engine = engine

    async def create_tables(self) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def apply(self, event_id: str | None, changes: Sequence[c.Change]) -> bool:
        [applied] = await self.apply_each([(event_id, changes)])
        return applied

    async def apply_each(
        self, events: Sequence[tuple[str | None, Sequence[c.Change]]]
    ) -> list[bool]:
        async with self._engine.begin() as connection:
            applied = await _first_seen(connection, [event_id for event_id, _ in events])
            todo = [
                change
                for (_, changes), new in zip(events, applied, strict=True)
                if new
                for change in changes
            ]
            # In order, except that a run of erasure changes goes in a few statements.
            for batched, run in groupby(todo, key=lambda change: isinstance(change, BATCHED)):
                if batched:
                    await apply_batched(connection, list(run))
                else:
                    for change in run:
                        await APPLY[type(change)](connection, change)
        return applied


async def _first_seen(connection: AsyncConnection, event_ids: list[str | None]) -> list[bool]:
    """Records the event ids as seen; False for each one seen before (a redelivery)."""
    now = datetime.now(UTC)
    known = [event_id for event_id in dict.fromkeys(event_ids) if event_id is not None]
    rows = [{"event_id": event_id, "seen_at": now} for event_id in known]
    new = await insert_all_unless_present(connection, seen_events, rows) if rows else set()
    first: list[bool] = []
    for event_id in event_ids:
        first.append(event_id is None or event_id in new)
        new.discard(event_id)  # the same id twice in one call: applied once
    return first
