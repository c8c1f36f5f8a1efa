"""What callers give privacy, checked before it is kept: free text kept in plaintext (hold matters,
request references, receipts) must not look like contact details, and times a caller gives are
checked against the server's clock, which decides (up to `CLOCK_SKEW` ahead is a caller's clock
running fast; more is refused, as is a request received longer ago than the rules allow)."""

from datetime import UTC, datetime, timedelta

from services.privacy.domain.errors import InvalidRequestError
from services.privacy.domain.text_forms import folded
from shared.kept_text import CONTACT_DETAILS_REASON, kept_text_problem
from shared.personal_data import has_contact_details


def refuse_contact_details(field: str, text: str | None) -> None:
    """Holds, requests and receipts are kept and published in plaintext, so text that looks
    like an e-mail address, a phone number, a postal code or an address is refused."""
    if text is not None and has_contact_details(folded(text)):
        raise InvalidRequestError(field, CONTACT_DETAILS_REASON)


ACCESS_REASON_MAX_CHARS = 200  # as records keeps a reveal's purpose or matter


def access_reason(field: str, text: str | None) -> str | None:
    """The purpose or matter of an access (a subject search), stripped, checked as records
    checks a reveal's: visible text, at most 200 characters, no contact details."""
    if text is None:
        return None
    stripped = text.strip()
    if (problem := kept_text_problem(stripped, max_chars=ACCESS_REASON_MAX_CHARS)) is not None:
        raise InvalidRequestError(field, problem)
    return stripped


CLOCK_SKEW = timedelta(minutes=5)
# Nothing privacy is told about happened earlier; far older times are typos, and at the
# datetime limits (year 1 at +14:00) converting to UTC would overflow.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def refuse_future(field: str, moment: datetime | None, now: datetime) -> datetime | None:
    """`moment`, unless it lies further ahead of `now` than the clock skew, or before 1900
    (then 422)."""
    if moment is not None and moment > now + CLOCK_SKEW:
        raise InvalidRequestError(field, "lies in the future by the server's clock")
    if moment is not None and moment < EARLIEST:
        raise InvalidRequestError(field, "lies before 1900")
    return moment


def within_age(field: str, moment: datetime | None, now: datetime, max_days: int) -> datetime:
    """`moment` (default `now`), not in the future and at most `max_days` old; a moment
    within the skew ahead counts as now, so a due date never runs from the future."""
    moment = refuse_future(field, moment, now) or now
    if moment < now - timedelta(days=max_days):
        raise InvalidRequestError(field, f"lies more than {max_days} days in the past")
    return min(moment, now)
