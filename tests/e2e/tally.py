"""What a deployment holds of one stream: intake's cases for its tickets, and the records log's
events of those cases, counted by type; and `caselog verify-log` over records' database."""

import asyncio
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.distributed import REPO_ROOT, Distributed
from tests.e2e.load import PLATFORM, Stream, external_id

CONSULTATION = "consultation.received"
DECISION = "policy.decided"
POLL_S = 2.0
PROGRESS_S = 1.0
SHOWN = 5
VERIFY_LOG_S = 300.0
CASELOG = Path(sys.executable).with_name("caselog")  # the console script of this environment


@dataclass(frozen=True, slots=True)
class Tally:
    """External id -> case id (intake's ledger); case id -> event types and how often (records);
    the cases privacy knows."""

    cases: dict[str, str]
    events: dict[str, Counter[str]]
    known_to_privacy: set[str]

    def problems(self, run: str, count: int) -> list[str]:
        """Each way the stream's consultations are not held exactly once, decided exactly once."""
        wanted = [external_id(run, index) for index in range(count)]
        unknown = [ticket for ticket in wanted if ticket not in self.cases]
        found = {kind: self._cases_with(kind) for kind in (CONSULTATION, DECISION)}
        problems = [
            _problem("tickets intake never recorded", unknown),
            _problem("cases of other tickets", sorted(set(self.cases) - set(wanted))),
        ]
        for kind, counts in found.items():
            problems.append(_problem(f"cases without {kind} in records", counts[0]))
            problems.append(_problem(f"cases with {kind} more than once", counts[2]))
        unknown_cases = sorted(set(self.cases.values()) - self.known_to_privacy)
        problems.append(_problem("cases privacy does not know", unknown_cases))
        return [problem for problem in problems if problem]

    @property
    def decided(self) -> int:
        """How many of the cases have a decision in records."""
        return sum(1 for counts in self.events.values() if counts[DECISION])

    def _cases_with(self, kind: str) -> dict[int, list[str]]:
        """Case ids by how often `kind` is in their log: 0, 1, 2 (meaning 2 or more)."""
        grouped: dict[int, list[str]] = {0: [], 1: [], 2: []}
        for case_id in sorted(self.cases.values()):
            grouped[min(self.events.get(case_id, Counter())[kind], 2)].append(case_id)
        return grouped


def _problem(what: str, items: list[str]) -> str:
    if not items:
        return ""
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return f"{len(items)} {what}: {', '.join(items[:SHOWN])}{more}"


async def tally(deployment: Distributed, run: str) -> Tally:
    cases = dict(
        await rows(
            deployment.databases["intake"],
            "SELECT external_id, case_id FROM intake_cases"
            " WHERE platform = :platform AND external_id LIKE :tickets",
            platform=PLATFORM,
            tickets=f"{run}-%",
        )
    )
    events: dict[str, Counter[str]] = {}
    for case_id, event_type, times in await rows(
        deployment.databases["records"],
        "SELECT case_id, event_type, count(*) FROM events"
        " WHERE case_id = ANY(:cases) GROUP BY case_id, event_type",
        cases=list(cases.values()),
    ):
        events.setdefault(case_id, Counter())[event_type] = times
    known = await rows(
        deployment.databases["privacy"],
        "SELECT case_id FROM privacy_cases WHERE case_id = ANY(:cases)",
        cases=list(cases.values()),
    )
    return Tally(cases, events, {case_id for (case_id,) in known})


async def until_held(deployment: Distributed, run: str, count: int, patience_s: float) -> Tally:
    """Polls until records holds each of the run's `count` consultations and its decision
    exactly once; fails, saying what is missing or doubled, once `patience_s` pass without
    progress (a slow machine is not a stalled pipeline)."""
    deadline, progress = time.monotonic() + patience_s, (-1, -1)
    while True:
        found = await tally(deployment, run)
        problems = found.problems(run, count)
        if not problems:
            return found
        if (len(found.cases), found.decided) != progress:
            deadline, progress = time.monotonic() + patience_s, (len(found.cases), found.decided)
        elif time.monotonic() > deadline:
            raise AssertionError(
                f"records does not hold the {count} consultations of run {run} exactly once,"
                f" each decided once, and nothing moved for {patience_s:.0f} s:\n"
                + "\n".join(problems)
            )
        await asyncio.sleep(POLL_S)


async def verify_log(deployment: Distributed) -> str:
    """`caselog verify-log` as an operator runs it, with records' settings; its report."""
    result = await asyncio.to_thread(
        subprocess.run,
        [str(CASELOG), "verify-log"],
        env={**deployment.environments["records"], "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=VERIFY_LOG_S,
        check=False,
    )
    assert result.returncode == 0, f"verify-log failed:\n{result.stdout}\n{result.stderr[-2000:]}"
    return result.stdout.strip()


async def rows(database_url: str, query: str, **parameters: object) -> list[tuple[Any, ...]]:
    """The rows of one query on the database of `database_url`."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(query), parameters)
            return [tuple(row) for row in result]
    finally:
        await engine.dispose()


class Progress:
    """Follows how far records has decided a stream, and keeps the stream at most `window`
    consultations ahead of that (None: no bound), so that it flows through every fault, with
    work in flight at each, however fast the pipeline is."""

    def __init__(self, deployment: Distributed, stream: Stream, window: int | None) -> None:
        self._deployment, self._stream, self._window = deployment, stream, window
        self.latest = Tally({}, {}, set())
        stream.allowed = window

    async def follow(self) -> None:
        """Runs until cancelled."""
        while True:
            self.latest = await tally(self._deployment, self._stream.run)
            if self._window is not None:
                self._stream.allowed = self.latest.decided + self._window
            await asyncio.sleep(PROGRESS_S)

    async def reach(self, decided: int) -> Tally:
        """Returns the tally once at least `decided` consultations are decided in records."""
        while self.latest.decided < decided:  # noqa: ASYNC110 - `follow` updates it
            await asyncio.sleep(PROGRESS_S / 4)
        return self.latest
