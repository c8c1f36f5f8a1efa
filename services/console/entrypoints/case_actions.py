"""Agents' and supervisors' writes from the case page: a follow-up or response (the final
answer included), a fact check, a close request (supervisor approval among its fields).

Each goes to intake with the user's own token and the form's Idempotency-Key; intake's role
checks decide (the console refuses other roles first only to say so in the user's words).
After a write the browser is sent back to the case page (post/redirect/get), which says it
was recorded and shows policy's decision once records has it.
"""

import re
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from services.console.domain.case_actions import (
    ActionFieldError,
    closure_body,
    contact_body,
    fact_body,
)
from services.console.entrypoints.action_forms import CASE_HANDLERS, Posted
from services.console.entrypoints.pages import CaseId, render_case, services_for
from services.console.entrypoints.visits import FormVisitDep, Visit
from services.console.service_layer.errors import ServiceRefusedError
from shared.auth.roles import Role

router = APIRouter(include_in_schema=False)
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@router.post("/cases/{case_id}/contacts", response_class=HTMLResponse)
async def record_contact(visit: FormVisitDep, case_id: CaseId) -> Response:
    return await _record(visit, case_id, "contacts")


@router.post("/cases/{case_id}/facts", response_class=HTMLResponse)
async def record_facts(visit: FormVisitDep, case_id: CaseId) -> Response:
    return await _record(visit, case_id, "facts")


@router.post("/cases/{case_id}/close", response_class=HTMLResponse)
async def ask_to_close(visit: FormVisitDep, case_id: CaseId) -> Response:
    return await _record(visit, case_id, "close")


async def _record(visit: Visit, case_id: str, action: str) -> Response:
    if not visit.user.has_any(*CASE_HANDLERS):
        raise ServiceRefusedError("intake", 403)
    key = visit.form.get("idempotency_key", "")
    if not IDEMPOTENCY_KEY.match(key):
        return await _refused(visit, case_id, action, "idempotency_key")
    try:
        body = _body(visit, action)
        await services_for(visit).record_on_case(case_id, action, body, key)
    except ActionFieldError as error:
        return await _refused(visit, case_id, action, error.field)
    except ServiceRefusedError as error:
        if error.status != 422:
            raise
        return await _refused(visit, case_id, action, error.field or "body")
    before = visit.form.get("decisions", "0")
    shown = before if before.isdigit() else "0"
    return visit.redirect(f"/cases/{case_id}?recorded={action}&decisions={shown}")


def _body(visit: Visit, action: str) -> dict[str, object]:
    now = datetime.now(UTC)  # the server's clock, never the browser's
    if action == "contacts":
        return contact_body(visit.form, now)
    if action == "facts":
        return fact_body(visit.form)
    return closure_body(visit.form, now, supervisor=visit.user.has_any(Role.SUPERVISOR))


async def _refused(visit: Visit, case_id: str, action: str, field: str) -> Response:
    """The case page again with the form as typed and the field to fix (422)."""
    typed = {name: value for name, value in visit.form.items() if name != "csrf"}
    posted = Posted(failed_form=action, failed_field=field, values=typed)
    return await render_case(visit, case_id, None, reveal_purpose=None, posted=posted, status=422)
