"""The SQL decision store on SQLite: an event is recorded once with its output, and a state
written from a stale read is refused, so a racing instance can never double count."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.policy.adapters.decision_store import SqlDecisionStore
from services.policy.adapters.tables import create_tables
from services.policy.service_layer.errors import StateConflictError
from services.policy.service_layer.state import CaseState, SubjectState
from shared.bus.messages import OutgoingMessage
from shared.database import engine_for_url

OUTPUT = OutgoingMessage("caselog.policy", b"{}", b"subj-1", (("caselog.type", b"x"),))


def with_cases(*case_ids: str) -> SubjectState:
    return SubjectState(cases={case_id: CaseState() for case_id in case_ids})


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlDecisionStore]:
    engine = engine_for_url(f"sqlite+aiosqlite:///{tmp_path / 'policy.sqlite3'}")
    await create_tables(engine)
    yield SqlDecisionStore(engine)
    await engine.dispose()


async def test_an_event_is_recorded_with_its_output(store: SqlDecisionStore) -> None:
    loaded = await store.load("subj-1")
    await store.save("event-1", "subj-1", loaded, with_cases("case-1"), OUTPUT)

    found = await store.processed("event-1")
    assert found is not None
    assert found.output == OUTPUT
    assert (await store.load("subj-1")).state == with_cases("case-1")


async def test_a_second_record_of_one_event_returns_the_first(store: SqlDecisionStore) -> None:
    loaded = await store.load("subj-1")
    await store.save("event-1", "subj-1", loaded, with_cases("case-1"), OUTPUT)

    again = await store.save("event-1", "subj-1", loaded, with_cases("case-9"), None)

    assert again.output == OUTPUT
    assert (await store.load("subj-1")).state == with_cases("case-1")


async def test_a_state_written_from_a_stale_read_is_refused(store: SqlDecisionStore) -> None:
    stale = await store.load("subj-1")
    await store.save("event-1", "subj-1", stale, with_cases("case-1"), None)
    current = await store.load("subj-1")
    await store.save("event-2", "subj-1", current, with_cases("case-1", "case-2"), None)

    for old in (stale, current):
        with pytest.raises(StateConflictError):
            await store.save("event-3", "subj-1", old, with_cases("case-3"), None)

    assert await store.processed("event-3") is None
    assert (await store.load("subj-1")).state == with_cases("case-1", "case-2")
