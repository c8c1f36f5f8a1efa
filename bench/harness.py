"""Runs the benchmarks one after another: each gets a context, returns figures or fails alone."""

import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bench.figures import Figure, Spread
from bench.infra import Infrastructure
from bench.resources import Resources
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
    resources: Resources = field(default_factory=Resources)
    # Spreads a later benchmark compares with (B9's baseline is B2's rate), by name.
    measured: dict[str, Spread] = field(default_factory=dict)

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
    uses: frozenset[str] = frozenset()  # names in `Context.resources`


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
    try:
        for done, benchmark in enumerate(benchmarks, 1):
            await _run_one(benchmark, context, result)
            on_done(benchmark)
            # A shared resource stops after its last user, not idling through the others.
            still_used = {name for later in benchmarks[done:] for name in later.uses}
            for name in benchmark.uses - still_used:
                await _release(context, name, result)
    finally:
        for name in context.resources.names():
            await _release(context, name, result)
    return result


async def _release(context: Context, name: str, result: SuiteResult) -> None:
    try:
        await context.resources.release(name)
    except Exception as error:  # noqa: BLE001 - the figures measured before still count
        result.failures.append(
            Failure("-", f"stopping the {name}", f"{type(error).__name__}: {error}")
        )


async def _run_one(benchmark: Benchmark, context: Context, result: SuiteResult) -> None:
    context.report_status(benchmark.key)
    started = time.perf_counter()
    try:
        result.figures += await benchmark.run(context)
    except Exception as error:  # noqa: BLE001 - one broken benchmark must not lose the rest
        last = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{Path(last.filename).name}:{last.lineno}"
        result.failures.append(
            Failure(benchmark.key, benchmark.title, f"{type(error).__name__}: {error} ({where})")
        )
    result.seconds[benchmark.key] = round(time.perf_counter() - started, 2)
