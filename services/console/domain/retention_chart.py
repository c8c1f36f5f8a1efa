"""The privacy page's month-by-month retention chart: how many case records fall due in each of
the next twelve months and how many of those a hold keeps, with the geometry of the SVG bars.

Pure, so the chart, the table beside it (for screen readers) and the tests count the same way.
The counts come from a dry-run sweep `as_of` the end of the window: privacy already answers
which records will have expired by then, and with which holds.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MONTHS = 12
CASE_RECORD = "case_record"  # privacy's RecordKind: the chart counts cases, not recordings
CHART_HEIGHT = 120  # SVG units of the tallest bar
BAR_WIDTH = 20
BAR_GAP = 10


@dataclass(frozen=True, slots=True)
class MonthBar:
    """One month: `due` records not held, `held` records a hold keeps; heights in SVG units."""

    month: str  # YYYY-MM, UTC
    due: int
    held: int
    x: int
    due_height: int
    held_height: int


@dataclass(frozen=True, slots=True)
class RetentionChart:
    months: tuple[MonthBar, ...]
    width: int
    height: int = CHART_HEIGHT
    bar_width: int = BAR_WIDTH

    @property
    def total_due(self) -> int:
        return sum(bar.due for bar in self.months)

    @property
    def total_held(self) -> int:
        return sum(bar.held for bar in self.months)


def month_starts(start: datetime, months: int = MONTHS) -> list[datetime]:
    """The first instants (UTC) of `start`'s month and the `months - 1` after it, then the end."""
    first = start.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return [
        first.replace(
            year=first.year + (first.month - 1 + step) // 12,
            month=(first.month - 1 + step) % 12 + 1,
        )
        for step in range(months + 1)
    ]


def window_end(start: datetime, months: int = MONTHS) -> datetime:
    """The `as_of` of the dry run the chart is drawn from: the end of its last month."""
    return month_starts(start, months)[-1]


def retention_chart(
    report: Mapping[str, Any], start: datetime, months: int = MONTHS
) -> RetentionChart:
    """Case records of a dry-run `report` by the month their retention ends. Records already
    past their end before `start`'s month count in the first month: they are due now."""
    bounds = month_starts(start, months)
    due = _by_month(report.get("due", []), bounds)
    held = _by_month(report.get("held", []), bounds)
    tallest = max([*(a + b for a, b in zip(due, held, strict=True)), 1])
    bars = tuple(
        MonthBar(
            month=bounds[step].strftime("%Y-%m"),
            due=due[step],
            held=held[step],
            x=step * (BAR_WIDTH + BAR_GAP),
            due_height=round(CHART_HEIGHT * due[step] / tallest),
            held_height=round(CHART_HEIGHT * held[step] / tallest),
        )
        for step in range(months)
    )
    return RetentionChart(bars, width=months * (BAR_WIDTH + BAR_GAP))


def _by_month(items: Iterable[Mapping[str, Any]], bounds: list[datetime]) -> list[int]:
    counts = [0] * (len(bounds) - 1)
    for item in items:
        if item.get("kind") != CASE_RECORD:
            continue
        ends = datetime.fromisoformat(str(item["retention_ends_at"])).astimezone(UTC)
        if ends >= bounds[-1]:
            continue
        step = next(i for i in range(len(counts)) if ends < bounds[i + 1])
        counts[step] += 1
    return counts
