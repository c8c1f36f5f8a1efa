"""B6: ms to replay one long case as of a moment (read its events from the store, decode and
fold them), against reading the same rows without folding (asyncpg)."""

import time
from dataclasses import dataclass

import asyncpg  # type: ignore[import-untyped]

from bench import projection
from bench.figures import Figure, Target
from bench.harness import Benchmark, Context
from bench.infra import asyncpg_url
from bench.records import append_all, new_store, records_database
from bench.workload import EVENT_BYTES, case_events, interleaved_events

CASE = "case-replayed"


@dataclass(frozen=True)
class Size:
    case_events: int
    other_cases: int
    other_per_case: int


QUICK = Size(case_events=1_000, other_cases=10, other_per_case=20)
FULL = Size(case_events=10_000, other_cases=20, other_per_case=100)


async def run(context: Context) -> list[Figure]:
    size = context.pick(QUICK, FULL)
    async with records_database(context.infrastructure) as (url, engine):
        context.report_status("B6 filling the store")
        store, tables = await new_store(engine)
        others = interleaved_events(size.other_cases, size.other_per_case)
        # The case's events are spread between other cases' events, as in a shared log.
        half = len(others) // 2
        await append_all(store, others[:half])
        await append_all(store, case_events(CASE, size.case_events, first_offset=len(others)))
        await append_all(store, others[half:])
        stored = await store.case_events(CASE)
        as_of = stored[-1].recorded_at  # a moment after the last event: every event counts
        query = f"SELECT * FROM {tables.events.name} WHERE case_id = $1 ORDER BY position"  # noqa: S608
        connection = await asyncpg.connect(asyncpg_url(url))
        try:

            async def replay() -> float:
                started = time.perf_counter()
                view = await projection.replay(store, CASE, as_of)
                elapsed = (time.perf_counter() - started) * 1000
                if view.events != size.case_events:
                    raise RuntimeError(f"replayed {view.events} events of {size.case_events}")
                return elapsed

            async def store_read() -> float:
                started = time.perf_counter()
                await store.case_events(CASE)
                return (time.perf_counter() - started) * 1000

            async def raw_read() -> float:
                started = time.perf_counter()
                rows = await connection.fetch(query, CASE)
                elapsed = (time.perf_counter() - started) * 1000
                if len(rows) != size.case_events:
                    raise RuntimeError(f"read {len(rows)} rows of {size.case_events}")
                return elapsed

            await replay()  # warm-up
            spreads = await context.repeat(
                "B6 replay", {"replay": replay, "store read": store_read, "raw read": raw_read}
            )
        finally:
            await connection.close()
    return [
        Figure(
            "B6",
            f"replay a {size.case_events:,}-event case as of a moment",
            "ms",
            False,
            spreads["replay"],
            "the same rows read without folding (asyncpg fetch)",
            spreads["raw read"],
            Target("<=", 2.0),
            {
                "case_events": size.case_events,
                "other_events": len(others),
                "event_bytes": EVENT_BYTES,
                "fold": projection.PROJECTION,
            },
            (
                "B6: the store's read alone (SqlEventStore.case_events, no folding): "
                f"{spreads['store read'].median:.1f} ms",
            ),
        )
    ]


BENCHMARK = Benchmark("B6", "replay: a long case", run)
