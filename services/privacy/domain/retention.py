"""Retention periods per record kind and closure reason, counted from the case's closure."""

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.privacy.domain.errors import RulesError
from shared.contracts.privacy import RecordKind as RecordKind

_PERIOD = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?")
KEEP = "keep"
"""A rule value meaning: never expires."""


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar period (ISO 8601 `PnYnMnD`): five years after 29 February is 28 February."""

    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str, where: str) -> "Period":
        match = _PERIOD.fullmatch(text.strip().upper())
        if match is None or not any(match.groups()):
            raise RulesError(f"{where}: {text!r} is not a period such as P5Y, P18M or P90D")
        years, months, days = (int(part or 0) for part in match.groups())
        return cls(years, months, days)

    def after(self, moment: datetime) -> datetime:
        month_index = moment.month - 1 + self.months + 12 * self.years
        year, month = moment.year + month_index // 12, month_index % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day) + timedelta(days=self.days)

    def __str__(self) -> str:
        parts = ((self.years, "Y"), (self.months, "M"), (self.days, "D"))
        return "P" + ("".join(f"{n}{unit}" for n, unit in parts if n) or "0D")


@dataclass(frozen=True, slots=True)
class RetentionRule:
    """One kind's period, overridden per closure reason; None keeps the record indefinitely."""

    default: Period | None
    by_reason: Mapping[str, Period | None] = field(default_factory=dict)

    def period(self, closure_reason: str | None) -> Period | None:
        if closure_reason is not None and closure_reason in self.by_reason:
            return self.by_reason[closure_reason]
        return self.default


@dataclass(frozen=True, slots=True)
class RetentionRules:
    rules: Mapping[RecordKind, RetentionRule]

    def ends_at(
        self, kind: RecordKind, closure_reason: str | None, closed_at: datetime
    ) -> datetime | None:
        """When a record of `kind` expires, or None if it is kept indefinitely."""
        period = self.rules[kind].period(closure_reason)
        return None if period is None else period.after(closed_at)

    def describe(self, kind: RecordKind, closure_reason: str | None) -> str:
        period = self.rules[kind].period(closure_reason)
        return KEEP if period is None else str(period)


DEFAULT_RETENTION = RetentionRules(
    {
        RecordKind.CASE_RECORD: RetentionRule(Period(years=5)),
        RecordKind.CALL_RECORDING: RetentionRule(Period(years=1)),
        # The copy holds no personal data: kept unless the business sets a period.
        RecordKind.ANONYMIZED_COPY: RetentionRule(None),
    }
)


def retention_rules(section: Mapping[str, Any]) -> RetentionRules:
    """The `[retention]` table of the rules file; kinds it leaves out keep their defaults.

    Each kind is a table: `default = "P5Y"` and one entry per closure reason, e.g.
    `persuasion_difficult = "P10Y"`; the value `"keep"` never expires.
    """
    unknown = sorted(set(section) - set(RecordKind))
    if unknown:
        raise RulesError(f"retention: unknown record kinds {unknown}; known: {list(RecordKind)}")
    rules = dict(DEFAULT_RETENTION.rules)
    for kind in RecordKind:
        entry = section.get(kind.value)
        if entry is None:
            continue
        if not isinstance(entry, Mapping):
            raise RulesError(f"retention.{kind}: expected a table of periods")
        periods = {
            str(name): _period(value, f"retention.{kind}.{name}") for name, value in entry.items()
        }
        default = periods.pop("default", rules[kind].default)
        rules[kind] = RetentionRule(default, periods)
    return RetentionRules(rules)


def _period(value: object, where: str) -> Period | None:
    if not isinstance(value, str):
        raise RulesError(f'{where}: expected a period text such as "P5Y" or "keep"')
    return None if value.strip().lower() == KEEP else Period.parse(value, where)
