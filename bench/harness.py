"""Runs the benchmarks one after another: each gets a context, returns figures or fails alone."""

import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bench.figures import Figure, Spread
from bench.infra import Infrastructure
from bench.trials import Trial, alternate

T = TypeVar("T")


@dataclass
class Context:
    """What a benchmark may use: the mode, the infrastructure, a scratch folder, the progress."""

    quick: bool
    repetitions: int
    infrastructure: Infrastructure
    run_id: str
    scratch: Path
    intake_bus: str = "embedded"
    report_status: Callable[[str], None] = lambda _: None

    def pick(self, quick: T, full: T) -> T:
        """The quick mode's size or the full run's."""
        return quick if self.quick else full

    async def repeat(self, label: str, trials: dict[str, Trial]) -> dict[str, Spread]:
        """`alternate` with the progress line saying which repetition runs."""

        def status(repetition: int) -> None:
            self.report_status(f"{label} {repetition + 1}/{self.repetitions}")

        return await alternate(self.repetitions, trials, status)


@dataclass(frozen=True)
class Benchmark:
    """One benchmark of the issue, in a module of bench/benchmarks/."""

    key: str
    title: str
    run: Callable[[Context], Awaitable[list[Figure]]]


@dataclass(frozen=True)
class Pending:
    """A benchmark of the issue that cannot be measured yet, and why."""

    key: str
    title: str
    reason: str


@dataclass(frozen=True)
class Failure:
    key: str
    title: str
    error: str


@dataclass
class SuiteResult:
    figures: list[Figure] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


async def run_suite(
    benchmarks: Sequence[Benchmark],
    context: Context,
    on_done: Callable[[Benchmark], None] = lambda _: None,
) -> SuiteResult:
    result = SuiteResult()
    for benchmark in benchmarks:
        context.report_status(benchmark.key)
        started = time.perf_counter()
        try:
            result.figures += await benchmark.run(context)
        except Exception as error:  # noqa: BLE001 - one broken benchmark must not lose the rest
            last = traceback.extract_tb(error.__traceback__)[-1]
            where = f"{Path(last.filename).name}:{last.lineno}"
            result.failures.append(
                Failure(
                    benchmark.key, benchmark.title, f"{type(error).__name__}: {error} ({where})"
                )
            )
        result.seconds[benchmark.key] = round(time.perf_counter() - started, 2)
        on_done(benchmark)
    return result
