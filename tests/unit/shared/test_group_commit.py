"""The group commit on a unit of work that records what it did: groups bounded by size, one
claim once per group, a failing member run again without, a crash answering everyone."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Self

import pytest

from shared.group_commit import GroupCommit, Kept, Withdrawn

COMMITTED: list[list[str]] = []  # each commit's writes, in order (reset per group_commit)


class RecordingUnit:
    """A unit of work that keeps its writes in COMMITTED only when `commit()` is called."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        pass

    async def commit(self) -> None:
        COMMITTED.append(self.writes)


async def keep_all(unit: RecordingUnit, entries: Sequence[str]) -> list[Kept | Withdrawn[str]]:
    return [Kept() for _ in entries]


Settle = Callable[[RecordingUnit, Sequence[str]], Awaitable[list[Kept | Withdrawn[str]]]]


def group_commit(
    settle: Settle = keep_all, max_size: int = 100
) -> GroupCommit[RecordingUnit, str, str]:
    COMMITTED.clear()
    return GroupCommit(RecordingUnit, settle, window_s=0.005, max_size=max_size)


def writing(name: str) -> Callable[[RecordingUnit], Awaitable[str]]:
    async def prepare(unit: RecordingUnit) -> str:
        unit.writes.append(name)
        return name

    return prepare


async def test_groups_hold_at_most_max_size_members() -> None:
    groups = group_commit(max_size=4)

    answers = await asyncio.gather(*(groups.submit(writing(f"m{n}")) for n in range(10)))

    assert answers == [f"m{n}" for n in range(10)]
    assert [len(writes) for writes in COMMITTED] == [4, 4, 2]
    assert groups.stats.commits == 3
    assert groups.stats.members == 10


async def test_a_claim_shares_no_group_with_itself() -> None:
    groups = group_commit()

    await asyncio.gather(
        groups.submit(writing("a1"), claim="a"),
        groups.submit(writing("b"), claim="b"),
        groups.submit(writing("a2"), claim="a"),
    )

    assert COMMITTED == [["a1", "b"], ["a2"]]


async def test_a_failing_member_is_answered_alone_and_the_rest_run_again() -> None:
    groups = group_commit()

    async def failing(unit: RecordingUnit) -> str:
        unit.writes.append("half-written")
        raise ValueError("refused")

    answers = await asyncio.gather(
        groups.submit(writing("a")),
        groups.submit(failing),
        groups.submit(writing("b")),
        return_exceptions=True,
    )

    assert answers[0] == "a"
    assert answers[2] == "b"
    assert isinstance(answers[1], ValueError)
    assert COMMITTED == [["a", "b"]], "nothing of the failed try was kept"
    assert groups.stats.retries == 1


async def test_a_withdrawn_member_gets_its_answer_without_its_writes() -> None:
    async def withdraw_b(
        unit: RecordingUnit, entries: Sequence[str]
    ) -> list[Kept | Withdrawn[str]]:
        return [Withdrawn("first answer") if entry == "b" else Kept() for entry in entries]

    groups = group_commit(withdraw_b)

    answers = await asyncio.gather(*(groups.submit(writing(name)) for name in "abc"))

    assert answers == ["a", "first answer", "c"]
    assert COMMITTED == [["a", "c"]]


async def test_a_crash_of_the_group_answers_every_member_and_commits_nothing() -> None:
    async def crash(unit: RecordingUnit, entries: Sequence[str]) -> list[Kept | Withdrawn[str]]:
        raise ConnectionError("the database went away")

    groups = group_commit(crash)

    answers = await asyncio.gather(
        *(groups.submit(writing(name)) for name in "abc"), return_exceptions=True
    )

    assert all(isinstance(answer, ConnectionError) for answer in answers)
    assert COMMITTED == []


def test_a_group_needs_room_for_one() -> None:
    with pytest.raises(ValueError, match="at least one member"):
        GroupCommit(RecordingUnit, keep_all, window_s=0.001, max_size=0)


async def test_members_one_after_another_each_get_a_group() -> None:
    groups = group_commit()

    for name in "abc":
        assert await groups.submit(writing(name)) == name

    assert COMMITTED == [["a"], ["b"], ["c"]]


class SlowCommits:
    """Commits that take a while, counting how many are under way at once."""

    def __init__(self) -> None:
        self.now = self.most = 0

    def unit(self) -> RecordingUnit:
        slow = self
        unit = RecordingUnit()

        async def commit() -> None:
            slow.now += 1
            slow.most = max(slow.most, slow.now)
            await asyncio.sleep(0.02)
            slow.now -= 1
            COMMITTED.append(unit.writes)

        unit.commit = commit  # type: ignore[method-assign]
        return unit


@pytest.mark.parametrize(("claims", "most_at_once"), [(["a", "b"], 2), (["a", "a"], 1)])
async def test_groups_commit_side_by_side_unless_they_share_a_claim(
    claims: list[str], most_at_once: int
) -> None:
    COMMITTED.clear()
    slow = SlowCommits()
    groups = GroupCommit(slow.unit, keep_all, window_s=0.001, max_size=1, concurrency=2)

    answers = await asyncio.gather(
        *(groups.submit(writing(f"{claim}{n}"), claim=claim) for n, claim in enumerate(claims))
    )

    assert answers == [f"{claim}{n}" for n, claim in enumerate(claims)]
    assert slow.most == most_at_once
    assert len(COMMITTED) == 2
