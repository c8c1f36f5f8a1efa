"""B9: B2's backlog in the embedded runtime (`caselog run`: all four services in one process,
SQLite and the embedded bus), against B2's distributed rate measured earlier in the same run
(measured here when B2 did not run)."""

from dataclasses import dataclass

from bench.benchmarks.b2_pipeline import RATE
from bench.figures import Figure, Target
from bench.harness import Benchmark, Context
from bench.pipeline.deployments import distributed, embedded
from bench.pipeline.load import backlog
from bench.pipeline.usage import usage


@dataclass(frozen=True)
class Size:
    warm_up: int
    backlog: int


QUICK, FULL = Size(warm_up=5, backlog=12), Size(warm_up=20, backlog=100)


async def run(context: Context) -> list[Figure]:
    size = context.pick(QUICK, FULL)
    notes = ["B9: the distributed rate is B2's, measured earlier in this run"]
    if RATE not in context.measured:
        notes = ["B9: the distributed rate measured here (B2 did not run)"]
        context.report_status("B9 starting the distributed services")
        async with distributed(context.infrastructure, context.scratch / "b9-distributed") as other:
            await backlog(other, size.warm_up)
            context.measured.update(
                await context.repeat("B9 distributed", {RATE: lambda: backlog(other, size.backlog)})
            )
    context.report_status("B9 starting the embedded runtime")
    async with embedded(context.scratch / "embedded") as pipeline:
        await backlog(pipeline, size.warm_up)
        async with usage(pipeline.pids) as used:
            rates = await context.repeat(
                "B9 embedded", {"embedded": lambda: backlog(pipeline, size.backlog)}
            )
    notes.append(
        f"B9: the embedded process's peak RSS in its backlogs: {used.peak_mib['embedded']:.0f} MiB"
    )
    return [
        Figure(
            "B9",
            "embedded runtime: consultations/s, ingress topic to decision in records",
            "per s",
            True,
            rates["embedded"],
            "B2: the distributed runtime (4 processes, Kafka, PostgreSQL)",
            context.measured[RATE],
            Target(">=", 0.5),
            {
                "runtime": "embedded: one process (production mode), SQLite, embedded bus",
                "backlog": size.backlog,
            },
            tuple(notes),
        )
    ]


BENCHMARK = Benchmark("B9", "embedded runtime: B2 in one process", run)
