"""B6's replay of a case as of a moment, with the records read model as `reads.case_view` folds
it (without its key-store lookup): the rows `Window` admits, in the order they happened, read
as what the fold needs (`EventStore.case_facts`) and folded (`case_view.project_case`)."""

from datetime import datetime

from services.records.adapters.event_store import SqlEventStore
from services.records.domain.case_view import CaseView, project_case
from services.records.domain.timeline import Window

PROJECTION = "the records read model (SqlEventStore.case_facts + case_view.project_case)"


async def replay(store: SqlEventStore, case_id: str, as_of: datetime) -> CaseView:
    return project_case(case_id, await store.case_facts(case_id, Window(as_of=as_of)))
