"""The console's pages: language, home, the case page, the privacy page (sign-in: `sign_in`).

Pages read through the services' public APIs with the user's token (`services_for`), so
what a role may see is decided by the services, not here.
"""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from services.console.adapters.services_http import HttpServicesApi, ServiceUrls
from services.console.domain.access_trail import access_trail
from services.console.domain.case_actions import CLOSURE_REASONS
from services.console.domain.case_page import build_case_page, is_decision
from services.console.domain.case_search import (
    CHANNELS,
    OUTCOMES,
    STATES,
    SearchFieldError,
    paging,
    parse_search,
)
from services.console.domain.language import LANGUAGES
from services.console.domain.messages import RULE_NAMES
from services.console.domain.privacy_requests import subject_identities
from services.console.domain.retention_chart import retention_chart, window_end
from services.console.entrypoints.action_forms import CASE_HANDLERS, Posted, action_forms
from services.console.entrypoints.visits import (
    LANGUAGE_COOKIE,
    FormVisitDep,
    Visit,
    VisitDep,
    safe_next,
)
from services.console.service_layer.errors import BadInputError, ServiceRefusedError
from shared.auth.roles import REVEALING_ROLES, Role
from shared.ids import IDENTIFIER_PATTERN

router = APIRouter(include_in_schema=False)
CaseId = Annotated[str, Path(pattern=IDENTIFIER_PATTERN)]
PRIVACY_READERS = (Role.PRIVACY_OFFICER, Role.LEGAL, Role.ADMIN)
HOLD_PLACERS = (Role.PRIVACY_OFFICER, Role.LEGAL)  # privacy's own rule; it decides again
MAX_TEXT = 500  # privacy's limit for a matter and a reason
_AWARE = TypeAdapter(AwareDatetime)
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")
MAX_TZ_OFFSET_MIN = 14 * 60
PAGE_EVENTS = 200
"""The latest events a reading role's case page shows. Every event of a 10,000-event case
made a 13 MB page taking seconds (bench B12); the bundle and the exhibit keep every event."""


def services_for(visit: Visit) -> HttpServicesApi:
    request = visit.request
    urls: ServiceUrls | None = request.app.state.service_urls
    if urls is None:
        # Embedded: the services answer on the server this request came in on. Its socket
        # address, not the Host header: a client must not point the user's token elsewhere.
        host, port = request.scope["server"]
        base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
        urls = ServiceUrls(f"{base}/intake", f"{base}/policy", f"{base}/records", f"{base}/privacy")
    return HttpServicesApi(request.app.state.http_client, urls, visit.user.token)


@router.get("/", response_class=HTMLResponse)
async def home(visit: VisitDep) -> Response:
    if visit.session.user is None:
        return visit.redirect("/signin")
    return visit.render(
        "home.html",
        can_reveal=visit.user.has_any(*REVEALING_ROLES),
        can_privacy=visit.user.has_any(*PRIVACY_READERS),
    )


@router.post("/language")
async def switch_language(visit: FormVisitDep) -> Response:
    chosen = visit.form.get("lang")
    if chosen not in LANGUAGES:
        raise BadInputError("lang")
    response = visit.redirect(safe_next(visit.form.get("next")))
    response.set_cookie(
        LANGUAGE_COOKIE,
        chosen,
        max_age=365 * 86400,
        path="/",
        samesite="strict",
        secure=visit.request.url.scheme == "https",
    )
    return response


@router.get("/cases")
async def open_case(visit: VisitDep, case_id: Annotated[str, Query()] = "") -> Response:
    """The home page's "open a case" form: a GET with the id, redirected to the case's page."""
    _ = visit.user
    if not re.match(IDENTIFIER_PATTERN, case_id.strip()):
        raise BadInputError("case_id")
    return RedirectResponse(f"/cases/{case_id.strip()}", status_code=303)


@router.get("/search", response_class=HTMLResponse)
async def search_page(visit: VisitDep) -> Response:
    """Find cases by ticket, case id, dates, channel, outcome, rule or state (records'
    `GET /v1/cases`, which holds no personal data); paged and sortable, newest first when
    nothing narrows it. Legal and privacy officers also get the subject search's form (a POST:
    subject_search.py)."""
    _ = visit.user
    try:
        search = parse_search(dict(visit.request.query_params))
    except SearchFieldError as error:
        raise BadInputError(error.field) from None
    found = await services_for(visit).search_cases(search.params)
    return visit.render(
        "search.html",
        search=search,
        found=found,
        paging=paging(found["total"], search.page),
        channels=CHANNELS,
        outcomes=OUTCOMES,
        states=STATES,
        rule_names=RULE_NAMES,
        can_search_subject=visit.user.has_any(*REVEALING_ROLES),
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(
    visit: VisitDep,
    case_id: CaseId,
    as_of: str | None = None,
    as_of_local: str | None = None,
    tz: str | None = None,
    recorded: Annotated[str | None, Query(pattern="^(contacts|facts|close)$")] = None,
    decisions: Annotated[int | None, Query(ge=0, le=10_000)] = None,
) -> Response:
    """The case; after an agent's post (`recorded`, with the number of decisions shown
    then), also whether policy has decided on it yet."""
    after = Posted(recorded=recorded, decisions_before=decisions) if recorded else None
    moment = _moment(as_of, as_of_local, tz)
    return await render_case(visit, case_id, moment, reveal_purpose=None, posted=after)


@router.get("/cases/{case_id}/decisions")
async def decision_count(
    visit: VisitDep, case_id: CaseId, after: Annotated[int, Query(ge=0, le=10_000)]
) -> Response:
    """Whether policy has decided since the page showed `after` decisions: what the case
    page's script asks while it says a decision is pending, to reload once one is there.
    Counts only (no personal data); read without revealing, so no access is recorded."""
    timeline = await services_for(visit).timeline(case_id, None)
    decisions = sum(is_decision(event) for event in timeline["events"])
    return JSONResponse({"decisions": decisions, "decided": decisions > after})


@router.post("/cases/{case_id}/reveal", response_class=HTMLResponse)
async def reveal(visit: FormVisitDep, case_id: CaseId) -> Response:
    purpose = visit.form.get("purpose", "").strip()
    if not 3 <= len(purpose) <= 200:  # records' own limits, so its refusal is not the answer
        raise BadInputError("purpose")
    moment = _moment(visit.form.get("as_of") or None, None, None)
    return await render_case(visit, case_id, moment, reveal_purpose=purpose)


async def render_case(
    visit: Visit,
    case_id: str,
    moment: datetime | None,
    reveal_purpose: str | None,
    posted: Posted | None = None,
    status: int = 200,
) -> Response:
    """The case page; agents and supervisors also get the action forms (on the case as it
    is now, never as of an earlier moment), read from every event (the record-completeness
    check needs the consultation); other pages show the latest `PAGE_EVENTS`."""
    services = services_for(visit)
    acting = visit.user.has_any(*CASE_HANDLERS) and moment is None
    latest = None if acting else PAGE_EVENTS
    if reveal_purpose is None:
        # Both at once: records reads and folds a long case for each (bench B12).
        case, timeline = await asyncio.gather(
            services.case(case_id, moment), services.timeline(case_id, moment, None, latest)
        )
    else:  # a reveal records an access: only once the case is known to be there
        case = await services.case(case_id, moment)
        timeline = await services.timeline(case_id, moment, reveal_purpose, latest)
    full = timeline if moment is None else await services.timeline(case_id, None, latest=latest)
    page = build_case_page(case, timeline, full)
    return visit.render(
        "case.html",
        status=status,
        page=page,
        actions=action_forms(visit, page, timeline["events"], posted) if acting else None,
        channels=CHANNELS,
        close_reasons=CLOSURE_REASONS,
        case_id=case_id,
        as_of=_iso(moment) if moment else None,
        can_reveal=visit.user.has_any(*REVEALING_ROLES),
        purpose=reveal_purpose,
        tab="case",
    )


@router.get("/cases/{case_id}/access", response_class=HTMLResponse)
async def access_page(visit: VisitDep, case_id: CaseId) -> Response:
    """The case's access trail: read from the timeline without revealing (no new access)."""
    timeline = await services_for(visit).timeline(case_id, None)
    return visit.render(
        "access.html",
        case_id=case_id,
        trail=access_trail(timeline["events"]),
        role_names=[role.value for role in Role],
        tab="access",
    )


@router.get("/privacy", response_class=HTMLResponse)
async def privacy_page(visit: VisitDep) -> Response:
    return await _privacy(visit)


@router.post("/retention/sweep", response_class=HTMLResponse)
async def run_sweep(visit: FormVisitDep) -> Response:
    """The sweep, after the officer typed the number of records the dry run showed due. A
    fresh dry run is compared first: if the set changed, nothing runs and the page shows the
    new set to confirm again."""
    typed = visit.form.get("confirm_count", "").strip()
    if not typed.isdigit():
        raise BadInputError("confirm_count")
    services = services_for(visit)
    fresh = await services.sweep(dry_run=True)
    if int(typed) != len(fresh["due"]) or not fresh["due"]:
        return await _privacy(visit, notice="privacy.sweep.changed", status=409)
    report = await services.sweep(dry_run=False)
    counts = {"done": len(report["done"]), "failed": len(report["failed"])}
    return await _privacy(visit, notice="privacy.sweep.ran", counts=counts)


@router.post("/holds", response_class=HTMLResponse)
async def place_hold(visit: FormVisitDep) -> Response:
    """A hold on one case, or on every case of a subject (present and future) named by the
    e-mail or phone typed: exactly one of the two."""
    case_id, subject = (visit.form.get(name, "").strip() for name in ("case_id", "subject"))
    if case_id and subject:
        raise BadInputError("subject")
    target = {"case_id": case_id} if case_id else subject_identities(subject)
    if target is None or (case_id and not re.match(IDENTIFIER_PATTERN, case_id)):
        raise BadInputError("subject" if subject else "case_id")
    matter, reason = _text(visit, "matter"), _text(visit, "reason")
    await services_for(visit).place_hold(target, matter, reason)
    return await _privacy(visit, notice="privacy.hold.placed")


@router.post("/holds/{hold_id}/release", response_class=HTMLResponse)
async def release_hold(visit: FormVisitDep, hold_id: CaseId) -> Response:
    """Released after the user typed the hold's matter reference again (a release lets the
    sweep and erasure reach the cases once the cooling-off ends)."""
    services = services_for(visit)
    hold = await services.hold(hold_id)
    if visit.form.get("confirm_matter", "").strip() != hold["matter"]:
        raise BadInputError("confirm_matter")
    note = visit.form.get("note", "").strip() or None
    released = await services.release_hold(hold_id, note)
    asked = "privacy.hold.release_asked" if released.get("active") else "privacy.hold.released"
    return await _privacy(visit, notice=asked)


async def _privacy(
    visit: Visit, notice: str | None = None, status: int = 200, counts: dict[str, int] | None = None
) -> Response:
    services = services_for(visit)
    if not visit.user.has_any(*PRIVACY_READERS):
        raise ServiceRefusedError("privacy", 403)
    officer = visit.user.has_any(Role.PRIVACY_OFFICER)
    now = datetime.now(UTC)
    chart = (
        retention_chart(await services.retention_due_by(window_end(now)), now) if officer else None
    )
    return visit.render(
        "privacy.html",
        status=status,
        retention=await services.retention_due() if officer else None,
        chart=chart,
        holds=await services.holds(),
        requests=await services.overdue_requests(),
        can_hold=visit.user.has_any(*HOLD_PLACERS),
        notice=notice,
        counts=counts or {},
    )


def _text(visit: Visit, name: str) -> str:
    """A required short text of a form (privacy's own limits, so its refusal is not the answer)."""
    value = visit.form.get(name, "").strip()
    if not 1 <= len(value) <= MAX_TEXT:
        raise BadInputError(name)
    return value


def _iso(moment: datetime) -> str:
    """As records writes times (pydantic: UTC as "Z"), so the control finds its choice."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _moment(as_of: str | None, as_of_local: str | None, tz: str | None) -> datetime | None:
    """The as-of control's moment: an exact one (`as_of`, from the event list), or a local
    date and time with the browser's offset from UTC (`tz`, minutes as JavaScript's
    getTimezoneOffset gives them; without it, the time is read as UTC)."""
    if as_of:
        try:
            return _AWARE.validate_python(as_of)
        except ValidationError:
            raise BadInputError("as_of") from None
    if not as_of_local:
        return None
    if not _LOCAL.match(as_of_local):
        raise BadInputError("as_of_local")
    try:
        offset = int(tz) if tz else 0
    except ValueError:
        raise BadInputError("tz") from None
    if abs(offset) > MAX_TZ_OFFSET_MIN:
        raise BadInputError("tz")
    local = datetime.fromisoformat(as_of_local)
    return (local + timedelta(minutes=offset)).replace(tzinfo=UTC)
