"""The case page's action forms for agents and supervisors, as the page renders them."""

import secrets
from dataclasses import dataclass, field
from typing import Any

from services.console.domain.case_actions import FORMS, ActionForms, record_checks
from services.console.domain.case_page import CasePage
from services.console.entrypoints.visits import Visit
from shared.auth.roles import Role

CASE_HANDLERS = (Role.AGENT, Role.SUPERVISOR)  # intake's own rule for these writes


@dataclass(frozen=True)
class Posted:
    """What a post left for the page: a refusal (the form, its field and what was typed),
    or what was recorded and how many decisions the page showed before it."""

    recorded: str | None = None
    decisions_before: int | None = None
    failed_form: str | None = None
    failed_field: str | None = None
    values: dict[str, str] = field(default_factory=dict)


def action_forms(
    visit: Visit, page: CasePage, events: list[dict[str, Any]], posted: Posted | None
) -> ActionForms:
    """A fresh Idempotency-Key per form on every rendering: the same rendered form sent twice
    (a double click, a browser retry) records once; a form shown again is a new request."""
    posted = posted or Posted()
    keys = {name: secrets.token_urlsafe(18) for name in FORMS}
    before = posted.decisions_before
    return ActionForms(
        keys=keys,
        checks=record_checks(events),
        decisions=len(page.decisions),
        supervisor=visit.user.has_any(Role.SUPERVISOR),
        values=posted.values,
        failed_form=posted.failed_form,
        failed_field=posted.failed_field,
        recorded=posted.recorded,
        decided=before is not None and len(page.decisions) > before,
    )
