"""B14: how the PostgreSQL store's costs grow with the log (issue 20, item 5). One store is
filled to each size in turn (10k, 100k, 1M events; quick: 1k, 10k) and at each size measured:
the append rate, an inclusion proof (served and verified), the replay of one consultation,
and the bytes on disk per consultation. Each figure compares the largest size with the
smallest; flat or O(log n) growth is the aim, so the target is the ratio log n would give."""

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import projection
from bench.figures import TIMES, Figure, Spread, Target
from bench.harness import Benchmark, Context
from bench.records import APPEND_BATCH, append_all, new_store, records_database
from bench.workload import EVENT_BYTES, consultation_events, consultations_in
from services.records.adapters.event_store import SqlEventStore
from services.records.adapters.tables import RecordsTables
from shared.merkle.hashing import leaf_hash
from shared.merkle.verify import verify_inclusion

PER_CASE, ACTIVE = 10, 100
"""A consultation is ten events (the consultation, contacts, decisions); 100 open at a time."""
FLAT = 1.15
"""Within this factor of the smallest size's figure counts as flat (run-to-run spread)."""


@dataclass(frozen=True)
class Size:
    sizes: tuple[int, ...]
    appended: int  # events per append measurement
    proofs: int  # proofs per proof measurement


QUICK = Size(sizes=(1_000, 10_000), appended=1_000, proofs=20)
FULL = Size(sizes=(10_000, 100_000, 1_000_000), appended=5_000, proofs=50)
FILL_CHUNK = 20_000


@dataclass(frozen=True)
class AtSize:
    events: int
    spreads: dict[str, Spread]


class _Growing:
    """The one store of the run, and where its events have reached."""

    def __init__(self, store: SqlEventStore, tables: RecordsTables, engine: AsyncEngine) -> None:
        self.store, self._tables, self._engine = store, tables, engine
        self.events = 0

    async def fill_to(self, size: int, context: Context) -> None:
        while self.events < size:
            count = min(FILL_CHUNK, size - self.events)
            context.report_status(f"B14 filling {self.events:,}/{size:,}")
            await self.append(count)

    async def append(self, count: int) -> None:
        events = consultation_events(self.events, count, PER_CASE, ACTIVE)
        await append_all(self.store, events, APPEND_BATCH)
        self.events += count

    async def bytes_per_consultation(self) -> float:
        names = ", ".join(f"pg_total_relation_size('{table.name}')" for table in self._tables.all)
        async with self._engine.connect() as connection:
            total = (await connection.execute(text(f"SELECT {names}"))).one()
        return sum(total) / consultations_in(self.events, PER_CASE, ACTIVE)


async def _measure(growing: _Growing, size: Size, context: Context) -> dict[str, Spread]:
    store = growing.store
    chooser = random.Random(growing.events)  # noqa: S311 - a sample, not a secret

    async def append_rate() -> float:
        started = time.perf_counter()
        await growing.append(size.appended)
        return size.appended / (time.perf_counter() - started)

    async def proof_ms() -> float:
        tree_size = await store.size()
        root = await store.root(tree_size)
        positions = chooser.sample(range(tree_size), size.proofs)
        events = [(await store.events_from(position, 1))[0] for position in positions]
        started = time.perf_counter()
        for event in events:
            proof = await store.inclusion_proof(event.event_id, tree_size)
            verify_inclusion(leaf_hash(event.leaf), proof.index, tree_size, proof.hashes, root)
        return (time.perf_counter() - started) * 1000 / len(events)

    async def replay_ms() -> float:
        # A consultation from the middle of the log, all of its events recorded.
        case = f"case-{consultations_in(growing.events // 2, PER_CASE, ACTIVE) // 2:07d}"
        started = time.perf_counter()
        view = await projection.replay(store, case, datetime.now(UTC))
        elapsed = (time.perf_counter() - started) * 1000
        if view.events != PER_CASE:
            raise RuntimeError(f"{case} replayed {view.events} events, not {PER_CASE}")
        return elapsed

    return await context.repeat(
        f"B14 at {growing.events:,}",
        {
            "append": append_rate,
            "proof": proof_ms,
            "replay": replay_ms,
            "disk": growing.bytes_per_consultation,
        },
    )


def _verdict(at: Sequence[AtSize], name: str, higher_is_better: bool) -> str:
    first, last = at[0], at[-1]
    cost = first.spreads[name].median / last.spreads[name].median
    if not higher_is_better:
        cost = 1 / cost
    log_growth = math.log2(last.events) / math.log2(first.events)
    growth = f"{cost:.2f}{TIMES}; log n would give {log_growth:.2f}{TIMES}"
    if cost <= FLAT:
        return f"flat ({growth})"
    if cost <= log_growth * FLAT:
        return f"grows as log n or slower ({growth})"
    return f"grows faster than log n ({growth})"


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


async def run(context: Context) -> list[Figure]:
    size = context.pick(QUICK, FULL)
    measured: list[AtSize] = []
    async with records_database(context.infrastructure) as (_, engine):
        store, tables = await new_store(engine)
        growing = _Growing(store, tables, engine)
        for events in size.sizes:
            await growing.fill_to(events, context)
            measured.append(AtSize(events, await _measure(growing, size, context)))
    first, last = measured[0], measured[-1]
    log_growth = math.log2(last.events) / math.log2(first.events)
    parameters = {
        "sizes": ", ".join(f"{at.events:,}" for at in measured),
        "events_per_consultation": PER_CASE,
        "event_bytes": EVENT_BYTES,
        "append_batch": APPEND_BATCH,
        "appended_per_sample": size.appended,
        "proofs_per_sample": size.proofs,
    }
    measures = (
        ("append", "append rate", "events/s", True),
        ("proof", "an inclusion proof, served and verified", "ms", False),
        ("replay", f"replay one {PER_CASE}-event consultation", "ms", False),
        ("disk", "bytes on disk per consultation (records' tables)", "bytes", False),
    )
    figures = []
    for name, title, unit, higher in measures:
        each = "; ".join(f"{at.events:,}: {_number(at.spreads[name].median)}" for at in measured)
        target = (
            Target(">=", round(1 / log_growth, 2)) if higher else Target("<=", round(log_growth, 2))
        )
        figures.append(
            Figure(
                "B14",
                f"{title} at {last.events:,} events",
                unit,
                higher,
                last.spreads[name],
                f"the same at {first.events:,} events",
                first.spreads[name],
                target,
                parameters,
                (f"B14 {title}: {_verdict(measured, name, higher)} ({unit} by size: {each})",),
            )
        )
    return figures


BENCHMARK = Benchmark("B14", "growth: the store from 10k to 1M events", run)
