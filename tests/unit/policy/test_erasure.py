"""Forgetting an erased subject on a real SQLite store: `subject.erased` drops the subject's and
the case's state, keeps the exactly-once bookkeeping, and late events build no state again."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.policy.adapters.decision_store import SqlDecisionStore
from services.policy.adapters.intake_reader import IntakeEventReader
from services.policy.adapters.tables import create_tables, subject_states
from services.policy.domain import Policy
from services.policy.service_layer.consuming import DecisionConsumer
from services.policy.service_layer.erasing import ErasureConsumer
from services.policy.service_layer.errors import StateConflictError, UnreadableErasureError
from services.policy.service_layer.ports import Erasure, Processed, StoredState
from shared.bus.envelopes import envelope_message
from shared.bus.messages import ConsumedMessage
from shared.crypto.codec import FieldCodec
from shared.database import engine_for_url
from shared.envelope import Envelope
from tests.unit.policy.intake_envelopes import consultation, sealed
from tests.unit.policy.privacy_envelopes import subject_erased
from tests.unit.shared.crypto.fake_keys import FakeKeys


def consumed(topic: str, envelope: Envelope) -> ConsumedMessage:
    message = envelope_message(topic, envelope)
    return ConsumedMessage(topic, 0, 0, message.key, message.value)


class Policies:
    """The two consumers of the policy service over one store, as bootstrap wires them."""

    def __init__(self, policy: Policy, engine: AsyncEngine) -> None:
        self.codec = FieldCodec(FakeKeys())
        self.engine = engine
        self.store = store = SqlDecisionStore(engine)
        self.decider = DecisionConsumer(policy, IntakeEventReader(self.codec), store, "p")
        self.eraser = ErasureConsumer(store)

    async def consult(self, case_id: str, subject_id: str | None) -> Envelope:
        event = await sealed(self.codec, consultation(), case_id=case_id, subject_id=subject_id)
        [output] = await self.decider.transform(consumed("caselog.intake", event))
        assert output.value
        return event

    async def erase(self, envelope: Envelope) -> None:
        await self.eraser.handle(consumed("caselog.privacy", envelope))

    async def state_keys(self) -> set[str]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(select(subject_states.c.subject_key))
            return set(rows.scalars())


@pytest.fixture
async def policies(tmp_path: Path, policy: Policy) -> AsyncIterator[Policies]:
    engine = engine_for_url(f"sqlite+aiosqlite:///{tmp_path / 'policy.sqlite3'}")
    await create_tables(engine)
    yield Policies(policy, engine)
    await engine.dispose()


async def test_the_subjects_state_and_decisions_go_and_the_bookkeeping_stays(
    policies: Policies,
) -> None:
    first = await policies.consult("case-1", "subj-1")
    other = await policies.consult("case-2", "subj-2")
    await policies.consult("case-3", None)
    kept = await policies.store.processed(str(other.event_id))

    await policies.erase(subject_erased("subj-1", "case-1"))
    await policies.erase(subject_erased("subj-1", "case-1"))  # redelivered: harmless

    assert await policies.state_keys() == {"subj-2", "case:case-3"}
    # The erased case's input is still known as processed: not decided again, and its
    # decision (offsets into the erased text) is no longer kept to be re-sent.
    assert await policies.store.processed(str(first.event_id)) == Processed(None)
    assert await policies.decider.transform(consumed("caselog.intake", first)) == []
    again = await policies.decider.transform(consumed("caselog.intake", other))
    assert kept is not None
    assert kept.output is not None
    assert again == kept.outputs(), "a case not erased re-sends the same decision"


async def test_a_held_case_keeps_its_decision_and_the_erased_one_loses_it(
    policies: Policies,
) -> None:
    erased = await policies.consult("case-1", "subj-1")
    held = await policies.consult("case-2", "subj-1")
    kept = await policies.store.processed(str(held.event_id))

    await policies.erase(subject_erased("subj-1", "case-1", held=("case-2",)))

    assert await policies.store.processed(str(erased.event_id)) == Processed(None)
    assert await policies.store.processed(str(held.event_id)) == kept
    assert kept is not None
    assert kept.output is not None


async def test_a_case_without_a_subject_is_dropped_by_its_case_key(policies: Policies) -> None:
    await policies.consult("case-3", None)
    await policies.consult("case-4", None)

    await policies.erase(subject_erased("subj-9", "case-3"))

    assert await policies.state_keys() == {"case:case-4"}


async def test_a_late_event_is_decided_but_builds_no_state(policies: Policies) -> None:
    await policies.consult("case-1", "subj-1")
    await policies.consult("case-3", None)
    await policies.erase(subject_erased("subj-1", "case-1"))
    await policies.erase(subject_erased("subj-9", "case-3"))

    await policies.consult("case-1", "subj-1")  # asserts a decision was made
    await policies.consult("case-5", "subj-1")  # a new case of the erased subject
    await policies.consult("case-3", None)

    assert await policies.state_keys() == set()


async def test_held_cases_stay_and_keep_building_state(policies: Policies) -> None:
    await policies.consult("case-1", "subj-1")
    await policies.consult("case-2", "subj-1")

    await policies.erase(subject_erased("subj-1", "case-1", held=("case-2",)))
    await policies.consult("case-1", "subj-1")
    await policies.consult("case-2", "subj-1")

    stored = await policies.store.load("subj-1")
    assert set(stored.state.cases) == {"case-2"}
    assert len(stored.state.case("case-2").contacts) == 2


async def test_a_decision_built_before_the_erasure_is_refused(policies: Policies) -> None:
    await policies.consult("case-1", "subj-1")
    loaded = await policies.store.recall("event-late", "subj-1", ("subj-1", "case:case-1"))
    assert isinstance(loaded, StoredState)
    assert not loaded.erased

    await policies.store.forget(Erasure(("subj-1",), ("case-1",), complete=True))

    with pytest.raises(StateConflictError):
        await policies.store.save("event-late", "subj-1", loaded, loaded.state, None)
    assert await policies.state_keys() == set()


async def test_a_first_decision_on_a_subject_erased_meanwhile_is_refused(
    policies: Policies,
) -> None:
    keys = ("subj-new", "case:case-new")
    loaded = await policies.store.recall("event-first", "subj-new", keys)
    assert isinstance(loaded, StoredState)
    assert loaded.version == 0  # nothing stored yet: no version for the erasure to move on

    await policies.store.forget(Erasure(("subj-new",), ("case-new",), complete=True))

    with pytest.raises(StateConflictError):
        await policies.store.save("event-first", "subj-new", loaded, loaded.state, None, keys)
    assert await policies.state_keys() == set()
    assert await policies.store.processed("event-first") is None


async def test_other_privacy_events_pass(policies: Policies) -> None:
    await policies.consult("case-1", "subj-1")
    erased = subject_erased("subj-1", "case-1")

    await policies.erase(erased.model_copy(update={"type": "hold.placed"}))

    assert await policies.state_keys() == {"subj-1"}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"schema_version": 2}, "subject.erased v2: unknown schema version"),
        ({"payload": {"subject_ids": ["subj-1"]}}, "erased_case_ids: Field required"),
    ],
)
async def test_an_unreadable_erasure_is_a_permanent_error(
    policies: Policies, change: dict[str, object], reason: str
) -> None:
    erased = subject_erased("subj-1", "case-1").model_copy(update=change)

    with pytest.raises(UnreadableErasureError, match=reason):
        await policies.erase(erased)
