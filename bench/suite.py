"""The benchmarks of issues 9, 17 (B12, B13) and 20 (B14), in the order a run measures them,
and any not measured yet."""

from bench.benchmarks import (
    b1_bus,
    b2_pipeline,
    b3_intake_http,
    b4_append,
    b5_verify,
    b6_replay,
    b7_erasure,
    b8_crypto,
    b9_embedded,
    b10_epoch_close,
    b11_epoch_close_under_load,
    b12_case_page,
    b13_search,
    b14_growth,
)
from bench.harness import Benchmark, Pending

IMPLEMENTED: tuple[Benchmark, ...] = (
    b1_bus.BENCHMARK,
    b2_pipeline.BENCHMARK,
    b3_intake_http.BENCHMARK,
    b4_append.BENCHMARK,
    b5_verify.BENCHMARK,
    b6_replay.BENCHMARK,
    b7_erasure.BENCHMARK,
    b8_crypto.BENCHMARK,
    b9_embedded.BENCHMARK,
    b10_epoch_close.BENCHMARK,
    b11_epoch_close_under_load.BENCHMARK,
    b12_case_page.BENCHMARK,
    b13_search.BENCHMARK,
    b14_growth.BENCHMARK,
)
# Figures whose id is not a benchmark's own: the services' memory, measured during B2.
EXTRA_FIGURE_IDS = frozenset({"RSS"})
PENDING: tuple[Pending, ...] = ()


def select(keys: set[str] | None) -> tuple[Benchmark, ...]:
    """The implemented benchmarks named in `keys` (all of them for None)."""
    if keys is None:
        return IMPLEMENTED
    unknown = keys - {benchmark.key for benchmark in IMPLEMENTED}
    if unknown:
        raise SystemExit(f"bench: no implemented benchmark {', '.join(sorted(unknown))}")
    return tuple(benchmark for benchmark in IMPLEMENTED if benchmark.key in keys)
