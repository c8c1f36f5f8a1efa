"""The search page's forms: what a user typed, checked field by field, and the query records'
`GET /v1/cases` answers, or the body of privacy's `POST /v1/subjects/cases` (a subject's cases
by e-mail or phone, for legal and privacy officers); and the paging of the answer. Pure, so the
page and its tests agree.

The console checks the form itself so a bad field is named on the page (records would only
answer 422); records still checks everything again, being the authority.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from math import ceil
from urllib.parse import urlencode

from services.console.domain.privacy_requests import subject_identities
from shared.contracts.intake import Channel
from shared.ids import IDENTIFIER_PATTERN

STATES = ("open", "decided", "closed", "held", "anonymized", "erased")
OUTCOMES = ("accept", "restrict", "refuse", "escalate")
CHANNELS = tuple(channel.value for channel in Channel)
SORTS = ("-opened_at", "opened_at", "case_id", "-case_id", "ticket", "-ticket")
PER_PAGE = 25
MAX_PAGE = 1_000_000
MAX_TZ_OFFSET_MIN = 14 * 60
_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIELDS = (
    "ticket",
    "case_id",
    "channel",
    "outcome",
    "rule",
    "state",
    "opened_from",
    "opened_to",
    "tz",
    "sort",
    "page",
)


class SearchFieldError(ValueError):
    """`field` of the form is not valid; its value is never repeated."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.field = name


@dataclass(frozen=True)
class CaseSearch:
    """The form as given (to fill it in again) and records' query parameters."""

    form: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    page: int = 1
    sort: str = SORTS[0]

    def link(self, **changes: str | int) -> str:
        """The query string of this search with `changes` (a page, a sort)."""
        merged = {**self.form, "sort": self.sort, "page": str(self.page)}
        merged |= {key: str(value) for key, value in changes.items()}
        return "?" + urlencode({k: v for k, v in merged.items() if v})


def parse_search(raw: dict[str, str]) -> CaseSearch:
    form = {key: raw.get(key, "").strip() for key in FIELDS if raw.get(key, "").strip()}
    params: dict[str, str] = {}
    if ticket := form.get("ticket"):
        if len(ticket) > 256:
            raise SearchFieldError("ticket")
        params["ticket"] = ticket
    if case_id := form.get("case_id"):
        if not re.match(IDENTIFIER_PATTERN, case_id):
            raise SearchFieldError("case_id")
        params["case_id"] = case_id
    for name, allowed in (("channel", CHANNELS), ("outcome", OUTCOMES), ("state", STATES)):
        if value := form.get(name):
            if value not in allowed:
                raise SearchFieldError(name)
            params[name] = value
    if rule := form.get("rule"):
        if not _NAME.match(rule):
            raise SearchFieldError("rule")
        params["rule"] = rule
    offset = _offset(form.get("tz"))
    start = _day(form.get("opened_from"), "opened_from", offset)
    end = _day(form.get("opened_to"), "opened_to", offset)
    if start is not None:
        params["opened_from"] = start.isoformat()
    if end is not None:
        # The form's "to" is a day, included: records' bound is exclusive, so the next midnight.
        params["opened_to"] = (end + timedelta(days=1)).isoformat()
    if start is not None and end is not None and end < start:
        raise SearchFieldError("opened_to")
    sort = form.get("sort", SORTS[0])
    if sort not in SORTS:
        raise SearchFieldError("sort")
    page = _page(form.get("page"))
    params |= {"sort": sort, "page": str(page), "per_page": str(PER_PAGE)}
    return CaseSearch(form, params, page, sort)


REASON_MAX_CHARS = 200  # records and privacy keep a purpose or matter of at most this


def subject_search_body(form: dict[str, str]) -> dict[str, str]:
    """Privacy's body for the subject search form: `subject` (an e-mail address if it has an
    "@", else a phone number), `purpose` (required, as a reveal's) and `matter` (optional)."""
    body = subject_identities(form.get("subject", ""))
    if body is None:
        raise SearchFieldError("subject")
    purpose, matter = form.get("purpose", "").strip(), form.get("matter", "").strip()
    if not purpose or len(purpose) > REASON_MAX_CHARS:
        raise SearchFieldError("purpose")
    if len(matter) > REASON_MAX_CHARS:
        raise SearchFieldError("matter")
    return {**body, "purpose": purpose, **({"matter": matter} if matter else {})}


@dataclass(frozen=True)
class Paging:
    page: int
    pages: int
    first: int  # 1-based position of the first case shown, 0 when none
    last: int
    total: int


def paging(total: int, page: int, per_page: int = PER_PAGE) -> Paging:
    pages = max(1, ceil(total / per_page))
    first = (page - 1) * per_page + 1 if total else 0
    return Paging(page, pages, min(first, total), min(page * per_page, total), total)


def _offset(tz: str | None) -> int:
    """The browser's minutes behind UTC (JavaScript's getTimezoneOffset); none: UTC."""
    if not tz:
        return 0
    try:
        minutes = int(tz)
    except ValueError:
        raise SearchFieldError("tz") from None
    if abs(minutes) > MAX_TZ_OFFSET_MIN:
        raise SearchFieldError("tz")
    return minutes


def _day(value: str | None, name: str, offset_minutes: int) -> datetime | None:
    """Midnight of a day in the viewer's zone, as an aware time."""
    if not value:
        return None
    if not _DATE.match(value):
        raise SearchFieldError(name)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise SearchFieldError(name) from None
    zone = timezone(-timedelta(minutes=offset_minutes))
    return datetime.combine(day, time(), zone)


def _page(value: str | None) -> int:
    if not value:
        return 1
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise SearchFieldError("page")
    return int(value)
