"""What a benchmark reports: repeated samples as median/min/max, and ratios against a baseline."""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

MIN_REPETITIONS = 3
# The multiplication sign and the en dash of "0.8x" and "1-2", escaped for the linter.
TIMES, DASH = "\u00d7", "\u2013"


@dataclass(frozen=True)
class Spread:
    """The samples of one measure over the repetitions of a run."""

    samples: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.samples) < MIN_REPETITIONS:
            raise ValueError(f"a figure needs at least {MIN_REPETITIONS} samples")

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def minimum(self) -> float:
        return min(self.samples)

    @property
    def maximum(self) -> float:
        return max(self.samples)

    def as_dict(self) -> dict[str, Any]:
        return {
            "median": self.median,
            "min": self.minimum,
            "max": self.maximum,
            "samples": list(self.samples),
        }


@dataclass(frozen=True)
class Target:
    """The issue's aim, shown and never asserted: for a ratio (caselog / baseline), e.g.
    `>= 0.8`, or with a `unit` for caselog's own median, e.g. `<= 250 ms`."""

    op: Literal[">=", "<="]
    value: float
    unit: str | None = None

    def met_by(self, value: float) -> bool:
        return value >= self.value if self.op == ">=" else value <= self.value

    def __str__(self) -> str:
        bound = f"{'≥' if self.op == '>=' else '≤'} {self.value:g}"
        return f"{bound} {self.unit}" if self.unit else f"{bound}{TIMES}"


@dataclass(frozen=True)
class Figure:
    """One row of the results: caselog's measure and its baseline's, in the same unit. Some
    measures have no baseline (latency percentiles, memory, erasure): no ratio then."""

    key: str
    name: str
    unit: str
    higher_is_better: bool
    caselog: Spread
    baseline_name: str | None
    baseline: Spread | None
    target: Target | None
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def ratio(self) -> float | None:
        """caselog / baseline, of the medians: above 1 means more (events/s or ms) than it."""
        return None if self.baseline is None else self.caselog.median / self.baseline.median

    @property
    def meets_target(self) -> bool | None:
        if self.target is None:
            return None
        if self.target.unit is not None:
            return self.target.met_by(self.caselog.median)
        return None if self.ratio is None else self.target.met_by(self.ratio)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.key,
            "name": self.name,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            "caselog": self.caselog.as_dict(),
            "baseline": None
            if self.baseline is None
            else {"name": self.baseline_name, **self.baseline.as_dict()},
            "ratio": self.ratio,
            "target": None if self.target is None else str(self.target),
            "meets_target": self.meets_target,
            "parameters": self.parameters,
            "notes": list(self.notes),
        }


def spread(samples: Sequence[float]) -> Spread:
    return Spread(tuple(samples))
