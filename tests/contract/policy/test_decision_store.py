"""The decision store's contract, on SQLite and PostgreSQL alike: an input is recorded once with
its output, a state written from a stale read is refused, nothing stays of a unit of work left
without commit, and an erasure forgets states and decision messages but keeps the bookkeeping."""

from collections.abc import Callable

import pytest

from services.policy.domain.state import CaseState, SubjectState
from services.policy.service_layer.errors import StateConflictError
from services.policy.service_layer.messages import ForgetErasedCases
from services.policy.service_layer.ports import DecidedInput, NextState, Processed, StoredState
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
        await unit.decisions.record_all([DecidedInput(event_id, subject_key, output)])
        await unit.decisions.replace_states([NextState(subject_key, loaded, state)])
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

    both = [DecidedInput("event-2", "subj-1", None), DecidedInput("event-1", "subj-1", None)]
    with pytest.raises(StateConflictError):
        async with work() as unit:
            await unit.decisions.record_all(both)

    assert await processed(work, "event-1") == Processed(OUTPUT)
    assert await processed(work, "event-2") is None, "the batch is written whole or not at all"


async def test_nothing_stays_of_a_unit_of_work_left_without_commit(work: Work) -> None:
    async with work() as unit:
        loaded = await unit.decisions.state("subj-1")
        await unit.decisions.record_all([DecidedInput("event-1", "subj-1", OUTPUT)])
        await unit.decisions.replace_states([NextState("subj-1", loaded, with_cases("case-1"))])

    assert await processed(work, "event-1") is None
    assert (await state(work, "subj-1")).version == 0


async def test_a_state_written_from_a_stale_read_is_refused(work: Work) -> None:
    stale = await state(work, "subj-1")
    await decide(work, "event-1", "subj-1", with_cases("case-1"))
    current = await state(work, "subj-1")
    await decide(work, "event-2", "subj-1", with_cases("case-1", "case-2"))

    for old in (stale, current):
        written = [NextState("subj-1", old, with_cases("case-3"))]
        with pytest.raises(StateConflictError):
            async with work() as unit:
                await unit.decisions.replace_states(written)

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
        await unit.decisions.record_all([DecidedInput("event-2", "subj-1", output_of("case-2"))])
        both = with_cases("case-1", "case-2")
        await unit.decisions.replace_states([NextState("subj-1", loaded, both)])
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
        asked = ["case:case-1", "case:case-9", "subj-1", "subj-2"]
        assert await unit.decisions.erased_among(asked) == {"case:case-1", "subj-1"}
        assert await unit.decisions.erased_among([]) == frozenset()


async def test_a_state_read_before_the_erasure_cannot_be_written_back(work: Work) -> None:
    await decide(work, "event-1", "subj-1", with_cases("case-1"))
    before = await state(work, "subj-1")

    await forget(work, ForgetErasedCases(("subj-1",), ("case-1",), complete=True))

    with pytest.raises(StateConflictError):
        async with work() as unit:
            await unit.decisions.replace_states([NextState("subj-1", before, before.state)])
    assert (await state(work, "subj-1")).version == 0


# A batch's reads and writes: every key in one statement, all or nothing.


async def test_a_batch_reads_the_records_and_states_of_all_its_keys_at_once(work: Work) -> None:
    await decide(work, "event-1", "subj-1", with_cases("case-1"), OUTPUT)
    await decide(work, "event-2", "subj-2", with_cases("case-2"))

    async with work() as unit:
        found = await unit.decisions.processed_among(["event-1", "event-2", "event-9"])
        states = await unit.decisions.states(["subj-1", "subj-2", "subj-9"])

    assert found == {"event-1": Processed(OUTPUT), "event-2": Processed(None)}
    assert {key: (s.state, s.version) for key, s in states.items()} == {
        "subj-1": (with_cases("case-1"), 1),
        "subj-2": (with_cases("case-2"), 1),
        "subj-9": (SubjectState(), 0),
    }


async def test_a_batch_creates_and_replaces_states_together(work: Work) -> None:
    await decide(work, "event-1", "subj-1", with_cases("case-1"))
    await decide(work, "event-2", "subj-2", with_cases("case-2"))

    async with work() as unit:
        loaded = await unit.decisions.states(["subj-1", "subj-2", "subj-3"])
        await unit.decisions.record_all(
            [DecidedInput(f"event-{n}", "subj-1", output_of(f"case-{n}")) for n in (3, 4)]
        )
        await unit.decisions.replace_states(
            [
                NextState("subj-1", loaded["subj-1"], with_cases("case-1", "case-3")),
                NextState("subj-2", loaded["subj-2"], with_cases("case-2", "case-4")),
                NextState("subj-3", loaded["subj-3"], with_cases("case-5")),
            ]
        )
        await unit.commit()

    assert await processed(work, "event-4") == Processed(output_of("case-4"))
    after = {key: await state(work, key) for key in ("subj-1", "subj-2", "subj-3")}
    assert {key: (s.state, s.version) for key, s in after.items()} == {
        "subj-1": (with_cases("case-1", "case-3"), 2),
        "subj-2": (with_cases("case-2", "case-4"), 2),
        "subj-3": (with_cases("case-5"), 1),
    }


@pytest.mark.parametrize("moved", ["subj-1", "subj-3"])
async def test_one_state_moved_on_refuses_the_whole_batch(work: Work, moved: str) -> None:
    await decide(work, "event-1", "subj-1", with_cases("case-1"))
    await decide(work, "event-2", "subj-2", with_cases("case-2"))
    async with work() as unit:
        loaded = await unit.decisions.states(["subj-1", "subj-2", "subj-3"])
    # Another instance writes one of them (an update, or the first state of a new subject).
    await decide(work, "event-3", moved, with_cases("case-9"))

    written = [NextState(key, loaded[key], with_cases("case-7")) for key in loaded]
    with pytest.raises(StateConflictError):
        async with work() as unit:
            await unit.decisions.replace_states(written)

    assert (await state(work, moved)).state == with_cases("case-9")
    assert (await state(work, "subj-2")).state == with_cases("case-2"), "nothing else written"
