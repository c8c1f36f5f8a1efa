"""B6's replay of a case as of a moment, with the records read model as `reads.case_view` folds
it (without its key-store lookup): the rows `Window` admits, in the order they happened, each
one's bytes read once into what the fold needs (`case_view.project_stored`)."""

from collections.abc import Sequence
from datetime import datetime

from services.records.domain.case_view import CaseView, project_stored
from services.records.domain.events import StoredEvent
from services.records.domain.timeline import Window

PROJECTION = "the records read model (case_view.project_stored)"


def replay(case_id: str, stored: Sequence[StoredEvent], as_of: datetime) -> CaseView:
    return project_stored(case_id, stored, Window(as_of=as_of))
