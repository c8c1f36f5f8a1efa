"""Group commit: concurrent requests that arrive within a short window share one unit of work.

Generic, so it lives here and not in one service: a transaction costs its BEGIN, its COMMIT and
a WAL flush whatever it holds, so N requests in one commit pay that once instead of N times,
and a batch step (one multi-row INSERT for the group's rows) replaces N statements. Any
service whose writes are independent per request and settled by unique keys can use it.

How a group runs: the first request to arrive waits `window_s` (or until `max_size` have
joined) while a group is not already committing; then, in one unit of work, each member
`prepare`s its part (its own statements, on the shared connections), `settle` writes what the
group writes together and says, per member, whether it is kept or withdrawn (a duplicate found
by the database), and the unit of work commits. A member answers when the commit holding it
returns.

Guarantees, as the callers rely on them:
- A member that fails (its `prepare` raises) or is withdrawn (its `settle` outcome) MUST NOT
  fail the others and MUST NOT leave any write: the unit of work is rolled back and the group
  runs again without it (no savepoints: on PostgreSQL an error aborts the whole transaction,
  and the common case, nobody failing, then costs no extra round trip). `prepare` MUST
  therefore be safe to run again (new ids, new keys: nothing of a rolled-back try is kept).
- An error of the group itself (`settle` raising, the commit failing, the database gone)
  answers every member still in the group with that error; nothing of theirs was committed
  unless the unit of work's own commit order says otherwise (see `SqlUnitOfWork.commit`).
- Two members with the same `claim` (an idempotency key, a platform ticket) never share a
  group: the later one waits for the next group, where the database finds the first one's
  committed row, so a duplicate is answered as the first time, exactly as without grouping.
- At most `concurrency` groups commit at a time (each on its own connections: the database
  works on one while this process prepares another); the next one fills meanwhile, so
  under load groups grow to what the commit time lets in, and a lone request waits at most
  `window_s`. A claim being committed in one group is not taken into another until that
  group ends (as above, the later one then finds the committed row).
- A member whose caller is cancelled while its group commits is committed all the same (the
  caller hears nothing; whatever the caller would have done after the commit, such as a
  publish, must be done again by someone else: intake's outbox drain).
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from shared.handling import UnitOfWork

EntryT = TypeVar("EntryT")
AnswerT = TypeVar("AnswerT")
UnitT = TypeVar("UnitT", bound=UnitOfWork)


@dataclass(frozen=True, slots=True)
class Kept:
    """The member's writes stay in the group's commit."""


@dataclass(frozen=True, slots=True)
class Withdrawn(Generic[AnswerT]):
    """The member leaves the group without its writes, answered with `answer` (the first answer
    of a duplicate, or the error to raise)."""

    answer: AnswerT | Exception


Settle = Callable[[UnitT, Sequence[EntryT]], Awaitable[Sequence[Kept | Withdrawn[AnswerT]]]]
"""The group's batch step: given each member's prepared entry, in order, one outcome each."""


@dataclass(eq=False)
class _Member(Generic[UnitT, EntryT, AnswerT]):
    prepare: Callable[[UnitT], Awaitable[EntryT]]
    claim: str | None
    arrived: float
    answer: "asyncio.Future[EntryT | AnswerT]" = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def resolve(self, outcome: "EntryT | AnswerT | BaseException") -> None:
        if self.answer.done():  # its caller went away (cancelled): nobody to answer
            return
        if isinstance(outcome, BaseException):
            self.answer.set_exception(outcome)
        else:
            self.answer.set_result(outcome)


@dataclass(slots=True)
class GroupStats:
    """How the groups went (for tests and metrics): commits made, the members they held, and
    the tries run again without a member that failed or was withdrawn."""

    commits: int = 0
    members: int = 0
    retries: int = 0


class GroupCommit(Generic[UnitT, EntryT, AnswerT]):
    """Runs `submit`ted members in groups (see the module docstring for the guarantees)."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitT],
        settle: Settle[UnitT, EntryT, AnswerT],
        *,
        window_s: float,
        max_size: int,
        concurrency: int = 1,
    ) -> None:
        if max_size < 1 or concurrency < 1 or window_s < 0:
            raise ValueError("a group holds at least one member and waits no negative time")
        self._unit_of_work = unit_of_work
        self._settle = settle
        self._window_s = window_s
        self._max_size = max_size
        self._concurrency = concurrency
        self._waiting: list[_Member[UnitT, EntryT, AnswerT]] = []
        self._full = asyncio.Event()
        self._runners: set[asyncio.Task[None]] = set()
        self._collecting = False  # a runner is waiting out the window of the next group
        self._claimed: set[str] = set()  # the claims of the groups committing now
        self.stats = GroupStats()

    async def submit(
        self, prepare: Callable[[UnitT], Awaitable[EntryT]], claim: str | None = None
    ) -> EntryT | AnswerT:
        """Joins the next group; returns the member's entry once committed, or the answer it
        was withdrawn with. Raises what its `prepare` raised, its withdrawal's error, or the
        group's error."""
        member: _Member[UnitT, EntryT, AnswerT] = _Member(prepare, claim, time.monotonic())
        self._waiting.append(member)
        if len(self._waiting) >= self._max_size:
            self._full.set()
        self._start_runner()
        return await member.answer

    def _start_runner(self) -> None:
        """A runner for what waits, unless one is collecting it or all are busy committing."""
        # Counted by done(), not by the set: a runner's done-callback comes a step after it ends.
        busy = sum(not runner.done() for runner in self._runners)
        if self._collecting or not self._waiting or busy >= self._concurrency:
            return
        self._collecting = True
        runner = asyncio.create_task(self._run())
        self._runners.add(runner)
        runner.add_done_callback(self._runners.discard)

    async def _run(self) -> None:
        # Collects one group, lets another runner collect the next while this one commits,
        # and ends when nobody waits: no task lingers between bursts.
        while True:
            self._collecting = True
            if self._waiting:
                delay = self._waiting[0].arrived + self._window_s - time.monotonic()
                if delay > 0 and len(self._waiting) < self._max_size:
                    self._full.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._full.wait(), delay)
            group = self._next_group()
            self._collecting = False
            if not group:
                return
            claims = {member.claim for member in group if member.claim is not None}
            self._claimed |= claims
            self._start_runner()
            try:
                await self._commit(group)
            finally:
                self._claimed -= claims
            if self._collecting or not self._waiting:
                return

    def _next_group(self) -> list[_Member[UnitT, EntryT, AnswerT]]:
        group: list[_Member[UnitT, EntryT, AnswerT]] = []
        later: list[_Member[UnitT, EntryT, AnswerT]] = []
        claims: set[str] = set()
        for member in self._waiting:
            if member.answer.done():
                continue
            taken = member.claim is not None and (
                member.claim in claims or member.claim in self._claimed
            )
            if len(group) >= self._max_size or taken:
                later.append(member)
                continue
            if member.claim is not None:
                claims.add(member.claim)
            group.append(member)
        self._waiting = later
        return group

    async def _commit(self, group: list[_Member[UnitT, EntryT, AnswerT]]) -> None:
        remaining = group
        tries = 0
        while remaining:
            tries += 1
            try:
                kept = await self._try(remaining)
            except Exception as error:  # noqa: BLE001 - the group's own failure: all in it
                for member in remaining:
                    member.resolve(error)
                break
            except BaseException as error:  # cancelled (shutdown): answer, then go on ending
                for member in remaining:
                    member.answer.cancel()
                raise error
            if kept is None:
                continue  # someone left the group (answered): the rest again, without them
            self.stats.commits += 1
            self.stats.members += len(kept)
            for member, entry in kept:
                member.resolve(entry)
            break
        self.stats.retries += tries - 1

    async def _try(
        self, remaining: list[_Member[UnitT, EntryT, AnswerT]]
    ) -> list[tuple[_Member[UnitT, EntryT, AnswerT], EntryT]] | None:
        """One try of the group: the members kept and their entries, committed; or None when a
        member failed or was withdrawn (answered, and taken out of `remaining`) and the unit of
        work rolled back."""
        async with self._unit_of_work() as unit:
            entries: list[EntryT] = []
            for member in remaining:
                try:
                    entries.append(await member.prepare(unit))
                except Exception as error:  # noqa: BLE001 - the member's own error is its answer
                    remaining.remove(member)
                    member.resolve(error)
                    return None
            outcomes = await self._settle(unit, entries)
            if len(outcomes) != len(entries):
                raise RuntimeError("a group's settle gives one outcome per member")
            withdrawn = [
                (member, outcome)
                for member, outcome in zip(list(remaining), outcomes, strict=True)
                if isinstance(outcome, Withdrawn)
            ]
            if withdrawn:
                for member, outcome in withdrawn:
                    remaining.remove(member)
                    member.resolve(outcome.answer)
                return None
            await unit.commit()
        return list(zip(remaining, entries, strict=True))
