"""The benchmarks of issue 9: those the harness measures, and those that wait for the pipeline."""

from bench.benchmarks import b1_bus, b3_intake_http, b4_append, b5_verify, b6_replay, b8_crypto
from bench.figures import TIMES
from bench.harness import Benchmark, Pending

IMPLEMENTED: tuple[Benchmark, ...] = (
    b1_bus.BENCHMARK,
    b3_intake_http.BENCHMARK,
    b4_append.BENCHMARK,
    b5_verify.BENCHMARK,
    b6_replay.BENCHMARK,
    b8_crypto.BENCHMARK,
)

_PIPELINE = "needs the full pipeline (intake → policy → records as running services)"
PENDING: tuple[Pending, ...] = (
    Pending(
        "B2",
        "pipeline: consultations/s end to end, p50/p95/p99 at 50% and 90% load "
        f"(target ≥ 0.3{TIMES} B1 raw; p99 ≤ 250 ms at 50%)",
        _PIPELINE,
    ),
    Pending(
        "B7",
        "erasure: ms to erase a subject with 100 cases, receipt included (target ≤ 1 s)",
        "needs the privacy service's erasure",
    ),
    Pending("B9", f"embedded: B2 in the embedded runtime (target ≥ 0.5{TIMES} B2)", _PIPELINE),
    Pending("RSS", "peak RSS of each service during B2", _PIPELINE),
)


def select(keys: set[str] | None) -> tuple[Benchmark, ...]:
    """The implemented benchmarks named in `keys` (all of them for None)."""
    if keys is None:
        return IMPLEMENTED
    unknown = keys - {benchmark.key for benchmark in IMPLEMENTED}
    if unknown:
        raise SystemExit(f"bench: no implemented benchmark {', '.join(sorted(unknown))}")
    return tuple(benchmark for benchmark in IMPLEMENTED if benchmark.key in keys)
