"""B6's replay of a case as of a moment, with the records read model: the events `Window`
admits, in the order they happened, folded into the case view (as `reads.case_view` does,
without its key-store lookup)."""

from collections.abc import Sequence
from datetime import datetime

from services.records.domain.case_view import CaseView, project_case
from services.records.domain.events import StoredEvent
from services.records.domain.timeline import CaseEvent, Window, select

PROJECTION = "the records read model (timeline.select + case_view.project_case)"


def replay(case_id: str, stored: Sequence[StoredEvent], as_of: datetime) -> CaseView:
    events = select([CaseEvent.of(event) for event in stored], Window(as_of=as_of))
    return project_case(case_id, (event.envelope for event in events))
