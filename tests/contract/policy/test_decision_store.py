"""The decision store's contract, on SQLite and PostgreSQL alike: an input is recorded once with
its output, a state written from a stale read is refused, nothing stays of a unit of work left
without commit, and an erasure forgets states and decision messages but keeps the bookkeeping."""

from collections.abc import Callable

import pytest

from services.policy.domain.state import CaseState, SubjectState
from services.policy.service_layer.errors import StateConflictError
from services.policy.service_layer.messages import ForgetErasedCases
from services.policy.service_layer.ports import Processed, StoredState
from services.policy.service_layer.unit_of_work import PolicyUnitOfWork
from shared.bus.messages import OutgoingMessage

Work = Callable[[], PolicyUnitOfWork]
OUTPUT = OutgoingMessage(
    "caselog.policy",
    b'{"case_id": "case-1"}',
    b"subj-1",
    (("caselog.type", b"policy.decided"), ("traceparent", b"\x00\xff")),
)


def with_cases(*case_ids: str) -> SubjectState:
    return SubjectState(cases={case_id: CaseState() for case_id in case_ids})


def output_of(case_id: str, key: bytes = b"subj-1") -> OutgoingMessage:
    return OutgoingMessage("caselog.policy", f'{{"case_id": "{case_id}"}}'.encode(), key)


async def decide(
    work: Work,
    event_id: str,
    subject_key: str,
    state: SubjectState,
    output: OutgoingMessage | None = None,
) -> None:
    """What the decision handler writes for one input: its record and the new state."""
    async with work() as unit:
        loaded = await unit.decisions.state(subject_key)
        assert await unit.decisions.record(event_id, subject_key, output)
        await unit.decisions.replace_state(subject_key, loaded, state)
        await unit.commit()


async def processed(work: Work, event_id: str) -> Processed | None:
    async with work() as unit:
        return await unit.decisions.processed(event_id)


async def state(work: Work, subject_key: str, *erasure_keys: str) -> StoredState:
    async with work() as unit:
        return await unit.decisions.state(subject_key, erasure_keys)


async def forget(work: Work, erasure: ForgetErasedCases) -> None:
    async with work() as unit:
        await unit.decisions.forget(erasure)
        await unit.commit()


async def test_an_input_is_recorded_with_its_output_byte_for_byte(work: Work) -> None:
    await decide(work, "event-1", "subj-1", with_cases("case-1"), OUTPUT)

    assert await processed(work, "event-1") == Processed(OUTPUT)
    stored = await state(work, "subj-1")
    assert (stored.state, stored.version, stored.erased) == (with_cases("case-1"), 1, False)


async def test_an_input_recorded_before_is_not_recorded_again(work: Work) -> None:
    await decide(work, "event-1", "subj-1", with_cases("case-1"), OUTPUT)

    async with work() as unit:
        assert not await unit.decisions.record("event-1", "subj-1", None)
        await unit.commit()

    assert await processed(work, "event-1") == Processed(OUTPUT)


async def test_nothing_stays_of_a_unit_of_work_left_without_commit(work: Work) -> None:
    async with work() as unit:
        loaded = await unit.decisions.state("subj-1")
        assert await unit.decisions.record("event-1", "subj-1", OUTPUT)
        await unit.decisions.replace_state("subj-1", loaded, with_cases("case-1"))

    assert await processed(work, "event-1") is None
    assert (await state(work, "subj-1")).version == 0


async def test_a_state_written_from_a_stale_read_is_refused(work: Work) -> None:
    stale = await state(work, "subj-1")
    await decide(work, "event-1", "subj-1", with_cases("case-1"))
    current = await state(work, "subj-1")
    await decide(work, "event-2", "subj-1", with_cases("case-1", "case-2"))

    for old in (stale, current):
        with pytest.raises(StateConflictError):
            async with work() as unit:
                await unit.decisions.replace_state("subj-1", old, with_cases("case-3"))

    assert (await state(work, "subj-1")).state == with_cases("case-1", "case-2")


async def test_an_erasure_drops_the_states_and_messages_and_keeps_the_records(work: Work) -> None:
    await decide(work, "event-1", "subj-1", with_cases("case-1"), output_of("case-1"))
    await decide(work, "event-2", "subj-2", with_cases("case-2"), output_of("case-2", b"subj-2"))
    await decide(work, "event-3", "case:case-3", with_cases("case-3"), output_of("case-3"))
    erasure = ForgetErasedCases(("subj-1",), ("case-1", "case-3"), complete=True)

    await forget(work, erasure)
    await forget(work, erasure)  # redelivered: harmless

    assert await processed(work, "event-1") == Processed(None)
    assert await processed(work, "event-3") == Processed(None)
    assert await processed(work, "event-2") == Processed(output_of("case-2", b"subj-2"))
    assert (await state(work, "subj-1")).version == 0
    assert (await state(work, "case:case-3")).version == 0
    assert (await state(work, "subj-2")).state == with_cases("case-2")


async def test_a_held_case_keeps_its_state_and_message(work: Work) -> None:
    await decide(work, "event-1", "subj-1", with_cases("case-1"), output_of("case-1"))
    async with work() as unit:
        loaded = await unit.decisions.state("subj-1")
        assert await unit.decisions.record("event-2", "subj-1", output_of("case-2"))
        await unit.decisions.replace_state("subj-1", loaded, with_cases("case-1", "case-2"))
        await unit.commit()

    await forget(work, ForgetErasedCases(("subj-1",), ("case-1",), complete=False))

    assert await processed(work, "event-1") == Processed(None)
    assert await processed(work, "event-2") == Processed(output_of("case-2"))
    assert (await state(work, "subj-1")).state == with_cases("case-2")


async def test_what_was_erased_is_remembered_for_late_events(work: Work) -> None:
    await forget(work, ForgetErasedCases(("subj-1",), ("case-1",), complete=True))
    await forget(work, ForgetErasedCases(("subj-2",), ("case-2",), complete=False))

    assert (await state(work, "subj-1", "subj-1", "case:case-1")).erased
    assert (await state(work, "subj-9", "subj-9", "case:case-2")).erased
    assert not (await state(work, "subj-2", "subj-2", "case:case-9")).erased, "subject held"
    async with work() as unit:
        assert await unit.decisions.any_erased(["case:case-1"])
        assert not await unit.decisions.any_erased(["case:case-9"])


async def test_a_state_read_before_the_erasure_cannot_be_written_back(work: Work) -> None:
    await decide(work, "event-1", "subj-1", with_cases("case-1"))
    before = await state(work, "subj-1")

    await forget(work, ForgetErasedCases(("subj-1",), ("case-1",), complete=True))

    with pytest.raises(StateConflictError):
        async with work() as unit:
            await unit.decisions.replace_state("subj-1", before, before.state)
    assert (await state(work, "subj-1")).version == 0
