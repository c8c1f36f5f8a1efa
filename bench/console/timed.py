"""B12's and B13's measure: GET requests one at a time, each timed inside its server, as p50
and p99 per repetition and over every request of the run.

One at a time: server time under no load, what a person waiting for the page sees on an idle
system. The requests of a route are shared out over the repetitions (at least `total` in all),
so a run's percentiles rest on >= 200 requests without every repetition sending 200.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.console.server_clock import ServerClock, percentile
from bench.figures import Figure, Spread, Target, spread
from bench.harness import Context
from bench.trials import Trial

P50, P99 = 0.50, 0.99


@dataclass(frozen=True)
class Route:
    """A page or API call and the clock of the server that answers it."""

    client: httpx.AsyncClient
    path: str
    clock: ServerClock
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    async def get(self) -> None:
        answer = await self.client.get(self.path, params=self.params, headers=self.headers)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {self.path} answered {answer.status_code}")


@dataclass
class Timings:
    """Server times of every route measured, per repetition and pooled."""

    context: Context
    total: int  # requests per route over the run, at least
    warm_up: int
    per_repetition: defaultdict[str, list[list[float]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    @property
    def each_time(self) -> int:
        return math.ceil(self.total / self.context.repetitions)

    async def warm(self, *routes: Route) -> None:
        for route in routes:
            for _ in range(self.warm_up):
                await route.get()
            route.clock.taken(route.path)

    def trial(self, name: str, route: Route) -> Trial:
        async def measure() -> float:
            route.clock.taken(route.path)  # what other routes' pages asked of this server
            for _ in range(self.each_time):
                await route.get()
            times = route.clock.taken(route.path)
            if len(times) != self.each_time:
                raise RuntimeError(f"{len(times)} server times for {self.each_time} requests")
            self.per_repetition[name].append(times)
            return percentile(times, P99)

        return measure

    def spread(self, name: str, fraction: float) -> Spread:
        return spread([percentile(times, fraction) for times in self.per_repetition[name]])

    def pooled(self, name: str) -> list[float]:
        return [time for times in self.per_repetition[name] for time in times]

    def figures(
        self,
        key: str,
        measure: str,
        name: str,
        baseline_name: str,
        baseline: str,
        targets: tuple[Target, Target],
        parameters: dict[str, Any],
    ) -> list[Figure]:
        """A p50 and a p99 row of `name` against `baseline`; the p99 row notes the percentiles
        over every request of the run."""
        pooled, pooled_baseline = self.pooled(name), self.pooled(baseline)
        note = (
            f"{key} {measure}, over all {len(pooled)} requests of the run: p50 "
            f"{percentile(pooled, P50):.1f} ms, p99 {percentile(pooled, P99):.1f} ms (baseline: "
            f"p50 {percentile(pooled_baseline, P50):.1f} ms, "
            f"p99 {percentile(pooled_baseline, P99):.1f} ms)"
        )
        rows = []
        for fraction, target in zip((P50, P99), targets, strict=True):
            label = f"p{round(fraction * 100)}"
            rows.append(
                Figure(
                    key,
                    f"{measure}: server time {label}",
                    "ms",
                    False,
                    self.spread(name, fraction),
                    baseline_name,
                    self.spread(baseline, fraction),
                    target,
                    {**parameters, "requests": len(pooled), "per_repetition": self.each_time},
                    (note,) if fraction == P99 else (),
                )
            )
        return rows
