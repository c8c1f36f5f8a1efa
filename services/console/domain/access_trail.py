"""The case's access trail: who revealed its personal data, when, why and what, read from the
`access.recorded` events records writes on every reveal (the fields named, never values)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ACCESS_RECORDED = "access.recorded"


@dataclass(frozen=True)
class AccessEntry:
    event_id: str
    recorded_at: str
    actor: str
    role: str
    purpose: str | None
    matter: str | None
    view: str  # what was read: the timeline or a bundle
    as_of: str | None
    fields: tuple[str, ...]  # the field paths revealed, across the events shown
    events_revealed: int


def access_trail(events: Iterable[Mapping[str, Any]]) -> tuple[AccessEntry, ...]:
    """Every recorded reveal of the case, newest first."""
    entries = [_entry(event) for event in events if event.get("type") == ACCESS_RECORDED]
    return tuple(sorted(entries, key=lambda entry: entry.recorded_at, reverse=True))


def _entry(event: Mapping[str, Any]) -> AccessEntry:
    payload: Mapping[str, Any] = event.get("payload") or {}
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


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
