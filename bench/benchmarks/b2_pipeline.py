"""B2: consultations/s through the whole distributed pipeline (ingress topic -> intake -> policy
-> records, stored and in the Merkle log), against B1's raw aiokafka one hop in the same run;
p50/p95/p99 latency at 50% and 90% of that rate; and each service's peak RSS meanwhile."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bench.bus_sides import IN_FLIGHT, raw_one_hop
from bench.figures import Figure, Spread, Target, spread
from bench.harness import Benchmark, Context
from bench.pipeline.deployments import Pipeline
from bench.pipeline.load import PERCENTILES, backlog, paced
from bench.pipeline.processes import memory_mib
from bench.pipeline.shared_run import DISTRIBUTED, distributed_pipeline
from bench.pipeline.usage import usage
from bench.trials import Trial

LOADS = (0.5, 0.9)
RATE = "B2 rate"  # in Context.measured: B9's baseline


@dataclass(frozen=True)
class Size:
    warm_up: int
    backlog: int
    raw_events: int
    paced_s: float
    paced_at_least: int  # consultations per paced repetition, so p99 is more than one value

    def paced_count(self, rate: float) -> int:
        return max(self.paced_at_least, round(rate * self.paced_s))


QUICK = Size(warm_up=5, backlog=12, raw_events=500, paced_s=1.0, paced_at_least=5)
FULL = Size(warm_up=20, backlog=100, raw_events=5_000, paced_s=4.0, paced_at_least=30)


async def run(context: Context) -> list[Figure]:
    size = context.pick(QUICK, FULL)
    pipeline = await distributed_pipeline(context)
    await backlog(pipeline, size.warm_up)
    peaks: dict[str, list[float]] = {name: [] for name in pipeline.pids}
    cpu_ms: dict[str, list[float]] = {name: [] for name in pipeline.pids}
    bootstrap = await context.infrastructure.kafka()
    topic = f"bench.b2.{context.run_id.lower()}.{uuid.uuid4().hex[:6]}.raw"
    async with raw_one_hop(bootstrap, topic, size.raw_events) as raw:
        rates = await context.repeat(
            "B2 backlog",
            {
                "pipeline": _watched(pipeline, size.backlog, peaks, cpu_ms),
                "raw": raw.trial(size.raw_events, IN_FLIGHT),
            },
        )
    context.measured[RATE] = rates["pipeline"]
    latencies = {
        load: await _latencies(context, pipeline, load * rates["pipeline"].median, size)
        for load in LOADS
    }
    lifetime = {name: memory_mib(pid, "VmHWM") for name, pid in pipeline.pids.items()}
    parameters = {
        "runtime": "distributed: 4 processes (production mode), Kafka, PostgreSQL",
        "backlog": size.backlog,
        "paced": f"{size.paced_s:g} s or {size.paced_at_least} consultations, the longer",
    }
    return [
        Figure(
            "B2",
            "pipeline: consultations/s, ingress topic to decision in records",
            "per s",
            True,
            rates["pipeline"],
            "raw aiokafka produce + consume, one hop, 1 KiB events/s (B1's baseline)",
            rates["raw"],
            Target(">=", 0.3),
            {**parameters, "raw_events": size.raw_events, "in_flight": IN_FLIGHT},
            (
                "B2: a backlog of consultations published at once; the rate is the backlog over "
                "the time until the last decision is acknowledged by records",
            ),
        ),
        *(
            Figure(
                "B2",
                f"latency p{p} at {load:.0%} load ({load * rates['pipeline'].median:.1f}/s)",
                "ms",
                False,
                latencies[load][p],
                None,
                None,
                Target("<=", 250, "ms") if (p, load) == (99, 0.5) else None,
                parameters,
            )
            for load in LOADS
            for p in PERCENTILES
        ),
        *_per_service("B2", "CPU time of {} per consultation, during the backlog", "ms", cpu_ms),
        *_per_service(
            "RSS",
            "peak RSS of {} during B2's backlog",
            "MiB",
            peaks,
            lambda name: (
                f"RSS: {name}'s peak over its life (VmHWM), after B2: {lifetime[name]:.0f} MiB"
            ),
        ),
    ]


def _per_service(
    key: str,
    measure: str,
    unit: str,
    samples: dict[str, list[float]],
    note: Callable[[str], str] | None = None,
) -> list[Figure]:
    """One row per service process, lower is better, no baseline: `measure` names the service."""
    return [
        Figure(
            key,
            measure.format(name),
            unit,
            False,
            spread(values),
            None,
            None,
            None,
            {"process": f"python -m services {name}"},
            (note(name),) if note else (),
        )
        for name, values in samples.items()
    ]


def _watched(
    pipeline: Pipeline, count: int, peaks: dict[str, list[float]], cpu_ms: dict[str, list[float]]
) -> Trial:
    """The backlog, with each service's peak RSS and CPU ms per consultation meanwhile."""

    async def measure() -> float:
        async with usage(pipeline.pids) as used:
            rate = await backlog(pipeline, count)
        for name in pipeline.pids:
            peaks[name].append(used.peak_mib[name])
            cpu_ms[name].append(1000 * used.cpu_s[name] / count)
        return rate

    return measure


async def _latencies(
    context: Context, pipeline: Pipeline, rate: float, size: Size
) -> dict[int, Spread]:
    samples: dict[int, list[float]] = {p: [] for p in PERCENTILES}
    for repetition in range(context.repetitions):
        context.report_status(f"B2 {rate:.0f}/s {repetition + 1}/{context.repetitions}")
        for p, value in (await paced(pipeline, rate, size.paced_count(rate))).items():
            samples[p].append(value)
    return {p: spread(values) for p, values in samples.items()}


BENCHMARK = Benchmark(
    "B2", "pipeline: ingress to records, distributed", run, frozenset({DISTRIBUTED})
)
