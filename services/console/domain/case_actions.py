"""What an agent or supervisor sends from the case page, read from the posted form, and the
record-completeness check shown before a close request is sent.

Pure: the forms become intake's request bodies (`Contact`, `FactFindings`, `ClosureRequest`
as JSON), the check reads records' timeline. Times are never the browser's: the server's
clock decides them, so a request cannot be back-dated from the page.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.console.domain.case_search import CHANNELS
from shared.contracts.intake import ClosureReason, ContactKind

CLOSURE_REASONS = tuple(reason.value for reason in ClosureReason)
CONTACT_KINDS = tuple(kind.value for kind in ContactKind)
FINDINGS = ("", "true", "false")  # not looked at, confirmed, ruled out
# policy's record-completeness items (services/policy/domain/closure_rules.py), in its order
RECORD_ITEMS = ("content", "times", "customer", "channel", "handler")
MAX_TEXT = 10_000  # well under intake's body limit; a console form is typed by a person


class ActionFieldError(ValueError):
    """A form field that intake would refuse; `field` names it (its value is never repeated)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is not valid")
        self.field = field


FORMS = ("contacts", "facts", "close")  # intake's route under /v1/cases/{case_id}/


@dataclass(frozen=True)
class RecordCheck:
    """One record-completeness item as the case page sees it: present or missing."""

    item: str
    present: bool


@dataclass(frozen=True)
class ActionForms:
    """The case page's action forms: one Idempotency-Key per rendered form, the record check,
    and, after a post, what was typed (kept when refused) or what was recorded."""

    keys: Mapping[str, str]
    checks: tuple[RecordCheck, ...]
    decisions: int  # decisions shown now: a new one after a post is policy's answer
    supervisor: bool
    values: Mapping[str, str] = field(default_factory=dict)
    failed_form: str | None = None
    failed_field: str | None = None
    recorded: str | None = None
    decided: bool = False

    @property
    def complete(self) -> bool:
        return all(check.present for check in self.checks)


def contact_body(form: Mapping[str, str], now: datetime) -> dict[str, Any]:
    """A follow-up (the customer again) or our response, possibly the final answer."""
    kind = _choice(form, "kind", CONTACT_KINDS)
    final = form.get("final_answer") == "on"
    if final and kind != ContactKind.AGENT_RESPONSE:
        raise ActionFieldError("final_answer")  # only our response can be the final answer
    return {
        "kind": kind,
        "channel": _choice(form, "channel", CHANNELS),
        "occurred_at": now.isoformat(),
        "body": _text(form, "body", required=True),
        "final_answer": final,
    }


def fact_body(form: Mapping[str, str]) -> dict[str, Any]:
    """A fact check: each finding confirmed, ruled out, or not looked at (left out)."""
    body: dict[str, Any] = {}
    for name in ("defect_confirmed", "loss_confirmed"):
        value = _choice(form, name, FINDINGS)
        if value:
            body[name] = value == "true"
    if not body:
        raise ActionFieldError("defect_confirmed")
    note = _text(form, "note", required=False)
    return body | ({"note": note} if note else {})


def closure_body(form: Mapping[str, str], now: datetime, *, supervisor: bool) -> dict[str, Any]:
    """A close request with its reason; only a supervisor's carries the approval."""
    approved = form.get("supervisor_approved") == "on"
    if approved and not supervisor:
        raise ActionFieldError("supervisor_approved")
    note = _text(form, "note", required=False)
    body = {
        "reason": _choice(form, "reason", CLOSURE_REASONS),
        "requested_at": now.isoformat(),
        "supervisor_approved": approved,
    }
    return body | ({"note": note} if note else {})


def record_checks(events: list[dict[str, Any]]) -> tuple[RecordCheck, ...]:
    """Policy's record-completeness items, read from the timeline without revealing: a
    personal field counts as present when its ciphertext is there (the check needs to know
    that a value was recorded, never what it is)."""
    consultations = [e["payload"] for e in events if e["type"] == "consultation.received"]
    present = {
        "content": any(_given(p.get("subject")) or _given(p.get("body")) for p in consultations),
        "times": any(p.get("received_at") for p in consultations),
        "customer": any(_given((p.get("customer") or {}).get("name")) for p in consultations),
        "channel": any(p.get("channel") for p in consultations),
        "handler": any(
            e["type"] == "contact.logged"
            and e["payload"].get("kind") == ContactKind.AGENT_RESPONSE
            and e["payload"].get("handled_by")
            for e in events
        ),
    }
    return tuple(RecordCheck(item, bool(present[item])) for item in RECORD_ITEMS)


def _given(value: Any) -> bool:
    return value is not None and value != ""


def _choice(form: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = form.get(name, "")
    if value not in allowed:
        raise ActionFieldError(name)
    return value


def _text(form: Mapping[str, str], name: str, *, required: bool) -> str:
    value = form.get(name, "").strip()
    if (required and not value) or len(value) > MAX_TEXT:
        raise ActionFieldError(name)
    return value
