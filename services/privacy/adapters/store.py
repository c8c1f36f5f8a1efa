"""Privacy's store in SQL: changes applied in one transaction, once per event id, and reads."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.privacy.adapters import case_writes as cw
from services.privacy.adapters import record_writes as rw
from services.privacy.adapters.reads import StoreReads
from services.privacy.adapters.tables import metadata, seen_events
from services.privacy.service_layer import changes as c
from shared.crypto.tables import insert_unless_present

Apply = Callable[[AsyncConnection, Any], Awaitable[None]]
APPLY: dict[type, Apply] = {
    c.CaseSeen: cw.case_seen,
    c.CaseOpened: cw.case_opened,
    c.CaseClosed: cw.case_closed,
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
    c.HoldEnded: rw.hold_ended,
    c.RequestSaved: rw.request_saved,
    c.ReceiptSaved: rw.receipt_saved,
    c.CopiesExpired: rw.copies_expired,
    c.CheckpointSeen: rw.checkpoint_seen,
}


class SqlPrivacyStore(StoreReads):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._engine = engine

    async def create_tables(self) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def apply(self, event_id: str | None, changes: Sequence[c.Change]) -> bool:
        async with self._engine.begin() as connection:
            if event_id is not None:
                row = {"event_id": event_id, "seen_at": datetime.now(UTC)}
                if not await insert_unless_present(connection, seen_events, row):
                    return False  # a redelivery: applied before
            for change in changes:
                await APPLY[type(change)](connection, change)
        return True
