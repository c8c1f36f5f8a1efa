"""Privacy's rules as data: retention periods, the person-name detector, request deadlines."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.privacy.domain.errors import RulesError
from services.privacy.domain.person_names import NOT_NAMES, PersonNameRules
from services.privacy.domain.requests import Deadlines
from services.privacy.domain.retention import DEFAULT_RETENTION, RetentionRules, retention_rules

SECTIONS = ("retention", "person_names", "requests")
DEFAULT_DEADLINES = Deadlines()


@dataclass(frozen=True, slots=True)
class PrivacyRules:
    retention: RetentionRules = DEFAULT_RETENTION
    person_names: PersonNameRules = field(default_factory=PersonNameRules)
    deadlines: Deadlines = field(default_factory=Deadlines)


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
    )
    return PrivacyRules(retention_rules(_table(document, "retention")), person_names, deadlines)


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
