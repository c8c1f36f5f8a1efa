"""Reading a case from the log: its events as they stood, the read model, the timeline."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.records.domain.access import Reveal
from services.records.domain.case_view import CaseView, project_case
from services.records.domain.errors import CaseNotFoundError
from services.records.domain.timeline import CaseEvent, TimelineEntry, Window, select
from services.records.service_layer.access import record_access, reveal_entries
from services.records.service_layer.ports import EventStore, PersonalFields
from services.records.service_layer.recorder import Recorder
from shared.envelope import utc_now


@dataclass(frozen=True)
class Timeline:
    case_id: str
    window: Window
    entries: tuple[TimelineEntry, ...]
    key_destroyed: bool
    access_event_id: str | None = None


class CaseReads:
    """Everything is rebuilt from the log on each read: nothing to migrate, nothing to drift."""

    def __init__(
        self,
        store: EventStore,
        personal: PersonalFields,
        recorder: Recorder,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store, self.personal, self.recorder, self.clock = store, personal, recorder, clock

    async def events(self, case_id: str, window: Window | None = None) -> list[CaseEvent]:
        """The case's events `window` admits, as they happened; CaseNotFoundError if the log
        holds none of the case at all (an empty list if none at the times asked for)."""
        stored = await self.store.case_events(case_id)
        if not stored:
            raise CaseNotFoundError(case_id)
        return select([CaseEvent.of(event) for event in stored], window or Window())

    async def view(self, case_id: str, window: Window) -> tuple[CaseView, bool]:
        """The read model at `window`, and whether the case's key has been destroyed (now)."""
        events = await self.events(case_id, window)
        view = project_case(case_id, (event.envelope for event in events))
        return view, await self.personal.key_destroyed(case_id)

    async def timeline(
        self, case_id: str, window: Window, reveal: Reveal | None, correlation_id: str
    ) -> Timeline:
        """Ciphertext as stored, unless `reveal`: then plaintext, and an access event."""
        events = await self.events(case_id, window)
        access_event_id = None
        if reveal is None:
            entries = [TimelineEntry(event, dict(event.envelope.payload)) for event in events]
        else:
            entries = await reveal_entries(events, self.personal, reveal)
            access_event_id = await record_access(
                self.recorder,
                reveal,
                entries,
                case_id=case_id,
                view="timeline",
                window=window,
                correlation_id=correlation_id,
                now=self.clock(),
            )
        destroyed = await self.personal.key_destroyed(case_id)
        return Timeline(case_id, window, tuple(entries), destroyed, access_event_id)
