"""The case's access trail: who revealed its personal data, when, why and what, read from the
`access.recorded` events records writes on every reveal (the fields named, never values); and
who found the case by its subject's e-mail or phone, read from privacy's `subject.searched`
(the cases found named, never the identity searched by)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ACCESS_RECORDED = "access.recorded"
SUBJECT_SEARCHED = "subject.searched"
ACCESS_TYPES = frozenset({ACCESS_RECORDED, SUBJECT_SEARCHED})
SUBJECT_SEARCH_VIEW = "subject_search"


@dataclass(frozen=True)
class AccessEntry:
    event_id: str
    recorded_at: str
    actor: str
    role: str
    purpose: str | None
    matter: str | None
    view: str  # what was read: the timeline, a bundle, or the subject's cases (a search)
    as_of: str | None
    fields: tuple[str, ...]  # the field paths revealed, across the events shown
    events_revealed: int
    cases_found: int = 0  # a subject search: how many cases it found, this one included


def access_trail(events: Iterable[Mapping[str, Any]]) -> tuple[AccessEntry, ...]:
    """Every recorded reveal of the case and every subject search that found it, newest first."""
    entries = [_entry(event) for event in events if event.get("type") in ACCESS_TYPES]
    return tuple(sorted(entries, key=lambda entry: entry.recorded_at, reverse=True))


def _entry(event: Mapping[str, Any]) -> AccessEntry:
    payload: Mapping[str, Any] = event.get("payload") or {}
    if event.get("type") == SUBJECT_SEARCHED:
        return _search(event, payload)
    revealed = [item for item in payload.get("revealed") or [] if isinstance(item, Mapping)]
    fields = sorted({str(path) for item in revealed for path in item.get("fields") or []})
    return AccessEntry(
        event_id=str(event["event_id"]),
        recorded_at=str(event["recorded_at"]),
        actor=str(payload.get("actor") or "?"),
        role=str(payload.get("role") or "?"),
        purpose=_text(payload.get("purpose")),
        matter=_text(payload.get("matter")),
        view=str(payload.get("view") or "timeline"),
        as_of=_text(payload.get("as_of")),
        fields=tuple(fields),
        events_revealed=len(revealed),
    )


def _search(event: Mapping[str, Any], payload: Mapping[str, Any]) -> AccessEntry:
    roles = [str(role) for role in payload.get("roles") or []]
    return AccessEntry(
        event_id=str(event["event_id"]),
        recorded_at=str(event["recorded_at"]),
        actor=str(payload.get("actor") or "?"),
        role=roles[0] if roles else "?",
        purpose=_text(payload.get("purpose")),
        matter=_text(payload.get("matter")),
        view=SUBJECT_SEARCH_VIEW,
        as_of=None,
        fields=(),
        events_revealed=0,
        cases_found=len(payload.get("case_ids") or []),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
