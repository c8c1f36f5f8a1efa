"""B4: events/s appended into the PostgreSQL event store (events, Merkle nodes and chain in one
transaction per batch), against raw COPY of the same rows and the eventsourcing recorder."""

import time
from dataclasses import dataclass

import asyncpg  # type: ignore[import-untyped]

from bench import peer_recorder
from bench.figures import Figure, Target
from bench.harness import Benchmark, Context
from bench.infra import asyncpg_url
from bench.records import append_all, fresh_tables, new_store, records_database
from bench.store_rows import copy_rows, rows_by_batch, select_rows
from bench.workload import EVENT_BYTES, interleaved_events
from services.records.adapters.append_only import create_schema


@dataclass(frozen=True)
class Size:
    cases: int
    per_case: int
    batch: int


QUICK, FULL = Size(cases=50, per_case=20, batch=250), Size(cases=200, per_case=100, batch=500)


async def run(context: Context) -> list[Figure]:
    size = context.pick(QUICK, FULL)
    events = interleaved_events(size.cases, size.per_case)
    count = len(events)
    async with records_database(context.infrastructure) as (database, engine):
        connection = await asyncpg.connect(asyncpg_url(database))
        peer = peer_recorder.PeerRecorder(database)
        try:
            # Untimed warm-up; its rows are what the baselines write.
            store, tables = await new_store(engine)
            await append_all(store, events, size.batch)
            stored = await select_rows(connection, tables.events, "ORDER BY position")
            event_batches, node_batches = rows_by_batch(
                stored, await select_rows(connection, tables.merkle_nodes), size.batch
            )
            peer_events = [
                peer_recorder.as_stored_event(
                    row["case_id"], row["case_position"], row["event_type"], row["leaf"]
                )
                for row in stored
            ]

            async def caselog() -> float:
                store, _ = await new_store(engine)
                started = time.perf_counter()
                await append_all(store, events, size.batch)
                return count / (time.perf_counter() - started)

            async def copy() -> float:
                target = fresh_tables()
                await create_schema(engine, target)
                started = time.perf_counter()
                for event_rows, node_rows in zip(event_batches, node_batches, strict=True):
                    async with connection.transaction():
                        await copy_rows(connection, target.events, event_rows)
                        await copy_rows(connection, target.merkle_nodes, node_rows)
                return count / (time.perf_counter() - started)

            async def eventsourcing() -> float:
                recorder = peer.new_table()
                started = time.perf_counter()
                peer_recorder.insert_all(recorder, peer_events, size.batch)
                return count / (time.perf_counter() - started)

            spreads = await context.repeat(
                "B4 append", {"caselog": caselog, "copy": copy, "peer": eventsourcing}
            )
        finally:
            peer.close()
            await connection.close()
    parameters = {
        "events": count,
        "cases": size.cases,
        "batch": size.batch,
        "event_bytes": EVENT_BYTES,
    }
    return [
        Figure(
            "B4",
            "append into the PostgreSQL event store",
            "events/s",
            True,
            spreads["caselog"],
            "raw COPY (asyncpg) of the same event and Merkle node rows, same batches",
            spreads["copy"],
            Target(">=", 0.5),
            parameters,
        ),
        Figure(
            "B4",
            "append into the PostgreSQL event store",
            "events/s",
            True,
            spreads["caselog"],
            f"peer: {peer_recorder.NAME}, same events and batches",
            spreads["peer"],
            Target(">=", 2.0),
            parameters,
            ("the peer stores each event once (no Merkle nodes, no hash chain)",),
        ),
    ]


BENCHMARK = Benchmark("B4", "append: PostgreSQL event store", run)
