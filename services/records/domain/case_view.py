"""The case read model, folded from the case's events in the order they happened; rebuilt on
every read, never stored. Reads only fields that are not personal (see vocabulary.py), in the
shape of each type's latest contract version: an older version is lifted first, and an event
no contract can lift counts as an event but adds no meaning."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from services.records.domain import vocabulary as v
from services.records.domain.vocabulary import EventFacts

CaseStatus = Literal["open", "decided", "closed"]


@dataclass(frozen=True)
class Decision:
    event_id: str
    event_type: str
    outcome: str
    rules: tuple[str, ...]
    policy_version: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class Hold:
    hold_id: str
    matter: str | None
    placed_at: datetime


@dataclass
class CaseView:
    """Where the case stands: `status` is closed once a close was accepted, decided once policy
    decided anything, else open; anonymization and erasure are kept apart from it."""

    case_id: str
    status: CaseStatus = "open"
    subject_id: str | None = None
    channel: str | None = None
    # The platform's ticket it came from (`source` of the consultation: not personal).
    platform: str | None = None
    ticket: str | None = None
    opened_at: datetime | None = None
    last_occurred_at: datetime | None = None
    events: int = 0
    contacts: int = 0
    recordings: int = 0
    final_answer_given: bool = False
    closure_requested: str | None = None
    decisions: list[Decision] = field(default_factory=list)
    holds: dict[str, Hold] = field(default_factory=dict)
    anonymized: bool = False
    erased: bool = False
    accesses: int = 0


def project_case(case_id: str, envelopes: Iterable[EventFacts]) -> CaseView:
    """Folds `envelopes` (in the order they happened) into the case's view."""
    view = CaseView(case_id)
    for envelope in envelopes:
        apply_event(view, envelope)
    return view


def apply_event(view: CaseView, envelope: EventFacts) -> None:
    """One step of the fold: `view` moved on by `envelope` (the case index resumes from a
    stored view with it, so search and the case page read events alike)."""
    view.events += 1
    view.subject_id = view.subject_id or envelope.subject_id
    view.last_occurred_at = envelope.occurred_at
    apply = _APPLY.get(envelope.type)
    if apply is None and envelope.type in v.DECISION_TYPES:
        apply = _decided
    if apply is not None and (payload := v.readable_payload(envelope)) is not None:
        apply(view, envelope, payload)


def _received(view: CaseView, envelope: EventFacts, payload: Mapping[str, Any]) -> None:
    view.opened_at = view.opened_at or envelope.occurred_at
    view.channel = _text(payload.get("channel"))
    source = payload.get("source")
    if isinstance(source, Mapping):
        view.platform, view.ticket = _text(source.get("platform")), _text(source.get("external_id"))
    call = payload.get("call")
    if isinstance(call, Mapping) and call.get("final_answer_given_at"):
        view.final_answer_given = True


def _contact(view: CaseView, envelope: EventFacts, payload: Mapping[str, Any]) -> None:
    view.contacts += 1
    view.final_answer_given |= payload.get("final_answer") is True


def _closure_requested(view: CaseView, envelope: EventFacts, payload: Mapping[str, Any]) -> None:
    view.closure_requested = _text(payload.get("reason")) or "unspecified"


def _recording(view: CaseView, envelope: EventFacts, payload: Mapping[str, Any]) -> None:
    view.recordings += 1


def _decided(view: CaseView, envelope: EventFacts, payload: Mapping[str, Any]) -> None:
    outcome = _text(payload.get("outcome")) or "unknown"
    reasons = payload.get("reasons")
    rules = tuple(
        rule
        for reason in (reasons if isinstance(reasons, list) else [])
        if isinstance(reason, Mapping) and (rule := _text(reason.get("rule")))
    )
    version = _text(payload.get("policy_version"))
    view.decisions.append(
        Decision(
            str(envelope.event_id), envelope.type, outcome, rules, version, envelope.occurred_at
        )
    )
    closes = envelope.type == v.CLOSURE_DECIDED and outcome == "accept"
    view.status = "closed" if closes or view.status == "closed" else "decided"


def _hold_placed(view: CaseView, envelope: EventFacts, payload: Mapping[str, Any]) -> None:
    matter = _text(payload.get("matter"))
    hold_id = _text(payload.get("hold_id")) or matter or str(envelope.event_id)
    view.holds[hold_id] = Hold(hold_id, matter, envelope.occurred_at)


def _hold_released(view: CaseView, envelope: EventFacts, payload: Mapping[str, Any]) -> None:
    hold_id = _text(payload.get("hold_id")) or _text(payload.get("matter"))
    if hold_id is not None:
        view.holds.pop(hold_id, None)


def _anonymized(view: CaseView, envelope: EventFacts, payload: Mapping[str, Any]) -> None:
    view.anonymized = True


def _erased(view: CaseView, envelope: EventFacts, payload: Mapping[str, Any]) -> None:
    view.erased = True


def _access(view: CaseView, envelope: EventFacts, payload: Mapping[str, Any]) -> None:
    view.accesses += 1


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


_APPLY: dict[str, Callable[[CaseView, EventFacts, Mapping[str, Any]], None]] = {
    v.CONSULTATION_RECEIVED: _received,
    v.CONTACT_LOGGED: _contact,
    v.CLOSURE_REQUESTED: _closure_requested,
    v.RECORDING_ATTACHED: _recording,
    v.HOLD_PLACED: _hold_placed,
    v.HOLD_RELEASED: _hold_released,
    v.CASE_ANONYMIZED: _anonymized,
    v.SUBJECT_ERASED: _erased,
    v.ACCESS_RECORDED: _access,
}
