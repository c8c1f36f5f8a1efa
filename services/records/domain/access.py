"""Who may see personal data in plaintext, and the `access.recorded` event each reveal leaves:
the fields revealed, never their values (which fields a reveal turned into plaintext is
`shared.bundle.reveal.revealed_paths`: a bundle's verifier asks the same)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from services.records.domain import vocabulary
from services.records.domain.errors import (
    InvalidPurposeError,
    PurposeRequiredError,
    RevealRefusedError,
)
from services.records.domain.timeline import Window
from shared.auth.roles import REVEALING_ROLES, Principal, Role
from shared.contracts.records import ACCESS_RECORDED
from shared.envelope import Envelope
from shared.kept_text import kept_text_problem

View = Literal["timeline", "bundle"]
# Both are kept in the log for good, in plaintext.
PURPOSE_MAX_CHARS = 200


@dataclass(frozen=True)
class Reveal:
    """A reveal that was allowed: the caller, the revealing role it acts in, and why. `purpose`
    is a reason such as a request reference: like a key-destruction reason, never personal data."""

    actor: str
    role: Role
    purpose: str | None
    matter: str | None

    @classmethod
    def authorize(cls, principal: Principal, purpose: str | None, matter: str | None) -> "Reveal":
        """RevealRefusedError unless a revealing role asks; PurposeRequiredError without a why;
        InvalidPurposeError for a purpose or matter that is blank, unprintable, too long or
        shaped like contact details (it would stay in the log for good)."""
        roles = sorted(principal.roles & REVEALING_ROLES)
        if not roles:
            allowed = ", ".join(sorted(REVEALING_ROLES))
            raise RevealRefusedError(f"revealing personal data needs one of the roles: {allowed}")
        purpose, matter = _kept("purpose", purpose), _kept("matter", matter)
        if not (purpose or matter):
            raise PurposeRequiredError()
        return cls(principal.subject, roles[0], purpose, matter)

    @property
    def reader(self) -> str:
        """The name the codec reports in denials, e.g. `records/legal`."""
        return f"{vocabulary.PRODUCER}/{self.role.value}"


def _kept(field: str, text: str | None) -> str | None:
    if text is None:
        return None
    stripped = text.strip()
    if (problem := kept_text_problem(stripped, max_chars=PURPOSE_MAX_CHARS)) is not None:
        raise InvalidPurposeError(field, problem)
    return stripped


def access_event(
    reveal: Reveal,
    *,
    case_id: str,
    subject_id: str | None,
    view: View,
    window: Window,
    fields: Mapping[str, Sequence[str]],
    correlation_id: str,
    now: datetime,
) -> Envelope:
    """The `access.recorded` event: `fields` are the revealed field paths by event id.

    Its contract names it; the payload is written here rather than dumped from the contract's
    model so the window's times keep the form the caller gave (`+09:00` stays `+09:00`),
    byte for byte as before; tests/unit/records/test_records_events_fit_their_contracts.py
    checks the contract's model reads it."""
    return Envelope(
        type=ACCESS_RECORDED.type,
        schema_version=ACCESS_RECORDED.version,
        case_id=case_id,
        subject_id=subject_id,
        occurred_at=now,
        recorded_at=now,
        producer=ACCESS_RECORDED.producer,
        correlation_id=correlation_id,
        payload={
            "actor": reveal.actor,
            "role": reveal.role.value,
            "purpose": reveal.purpose,
            "matter": reveal.matter,
            "view": view,
            "as_of": window.as_of.isoformat() if window.as_of else None,
            "valid_at": window.valid_at.isoformat() if window.valid_at else None,
            "revealed": [
                {"event_id": event_id, "fields": list(paths)}
                for event_id, paths in fields.items()
                if paths
            ],
        },
    )
