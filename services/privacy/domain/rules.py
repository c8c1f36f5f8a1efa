"""Privacy's rules as data: retention periods, the person-name detector, request deadlines."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.privacy.domain.errors import RulesError
from services.privacy.domain.holds import HoldRules, Limitation, ReleaseRule
from services.privacy.domain.requests import Deadlines
from services.privacy.domain.retention import (
    DEFAULT_RETENTION,
    Period,
    RetentionRules,
    retention_rules,
)
from services.privacy.domain.scrubber import NOT_NAMES, PersonNameRules

SECTIONS = ("retention", "person_names", "requests", "holds")
DEFAULT_DEADLINES = Deadlines()
DEFAULT_HOLDS = HoldRules()


@dataclass(frozen=True, slots=True)
class PrivacyRules:
    retention: RetentionRules = DEFAULT_RETENTION
    person_names: PersonNameRules = field(default_factory=PersonNameRules)
    deadlines: Deadlines = field(default_factory=Deadlines)
    holds: HoldRules = field(default_factory=HoldRules)


def privacy_rules(document: Mapping[str, Any]) -> PrivacyRules:
    """Rules from a parsed rules file; what it leaves out keeps the defaults."""
    unknown = sorted(set(document) - set(SECTIONS))
    if unknown:
        raise RulesError(f"unknown sections {unknown}; known: {list(SECTIONS)}")
    names = _table(document, "person_names")
    requests = _table(document, "requests")
    person_names = PersonNameRules(
        names=_texts(names, "names"),
        patterns=tuple(_pattern(p) for p in _texts(names, "patterns")),
        honorifics=bool(names.get("honorifics", True)),
        not_names=(*NOT_NAMES, *_texts(names, "not_names")),
    )
    deadlines = Deadlines(
        internal_days=_days(requests, "internal_days", DEFAULT_DEADLINES.internal_days),
        gdpr_days=_days(requests, "gdpr_days", DEFAULT_DEADLINES.gdpr_days),
        appi_days=_days(requests, "appi_days", DEFAULT_DEADLINES.appi_days),
        max_received_age_days=_days(
            requests, "max_received_age_days", DEFAULT_DEADLINES.max_received_age_days
        ),
    )
    return PrivacyRules(
        retention_rules(_table(document, "retention")),
        person_names,
        deadlines,
        hold_rules(_table(document, "holds")),
    )


def hold_rules(section: Mapping[str, Any]) -> HoldRules:
    """`[holds]`: `release` ("legal" or "two_person"), `cooling_off` (a period, "P0D" for
    none), `default_matter_type`, and `[holds.matter_types.<name>]` tables of
    `from_knowledge` and `from_act` periods (added to, or replacing, the built-in ones)."""
    unknown = sorted(
        set(section) - {"release", "cooling_off", "default_matter_type", "matter_types"}
    )
    if unknown:
        raise RulesError(f"holds: unknown keys {unknown}")
    release = section.get("release", DEFAULT_HOLDS.release.value)
    if release not in set(ReleaseRule):
        raise RulesError(f"holds.release: expected one of {[r.value for r in ReleaseRule]}")
    cooling = section.get("cooling_off", str(DEFAULT_HOLDS.cooling_off))
    if not isinstance(cooling, str):
        raise RulesError('holds.cooling_off: expected a period text such as "P7D"')
    types = section.get("matter_types", {})
    if not isinstance(types, Mapping):
        raise RulesError("holds.matter_types: expected a table of matter types")
    limitations = dict(DEFAULT_HOLDS.limitations)
    for name, entry in types.items():
        where = f"holds.matter_types.{name}"
        if not isinstance(entry, Mapping) or set(entry) != {"from_knowledge", "from_act"}:
            raise RulesError(f"{where}: expected from_knowledge and from_act periods")
        limitations[str(name)] = Limitation(
            Period.parse(str(entry["from_knowledge"]), f"{where}.from_knowledge"),
            Period.parse(str(entry["from_act"]), f"{where}.from_act"),
        )
    default = section.get("default_matter_type", DEFAULT_HOLDS.default_matter_type)
    if default not in limitations:
        raise RulesError(f"holds.default_matter_type: {default!r} is not a matter type")
    return HoldRules(
        ReleaseRule(release), Period.parse(cooling, "holds.cooling_off"), limitations, default
    )


def _table(document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, Mapping):
        raise RulesError(f"{name}: expected a table")
    return table


def _texts(table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    values = table.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise RulesError(f"person_names.{key}: expected a list of non-empty texts")
    return tuple(values)


def _pattern(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise RulesError(f"person_names.patterns: {pattern!r} is not valid: {error}") from None
    return pattern


def _days(table: Mapping[str, Any], key: str, default: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RulesError(f"requests.{key}: expected a whole number of days, at least 1")
    return value
