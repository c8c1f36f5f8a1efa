"""Times a caller gives privacy (when a person asked, when a claimant knew): checked against
the server's clock, which decides. Up to `CLOCK_SKEW` ahead is a caller's clock running fast;
more is refused, as is a request received longer ago than the rules allow."""

from datetime import UTC, datetime, timedelta

from services.privacy.domain.errors import InvalidRequestError

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
