"""The times a caller tells us (received, occurred, requested, recorded, final answer): how far
from the server's clock they may lie, and never before the case they belong to was opened.

The server's own clock decides `recorded_at`; these rules keep a client's clock from deciding
anything else (a close "requested" in 2000 must not look like a case closed decades ago).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.intake.domain.errors import InvalidRequestError

DEFAULT_FUTURE_SKEW = timedelta(minutes=5)
# A platform's backlog, a retried webhook or a replayed ingress topic delivers late, and open
# tickets migrated from another tool may be months old; older than a year is not intake any
# more. Retention never runs from these times, so the bound is about plausibility; the firm
# guard against backdating is "not before the case was opened".
DEFAULT_MAX_AGE = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class ClientTimeRules:
    """How far a client's time may lie ahead of (`future_skew`) and behind (`max_age`) ours."""

    future_skew: timedelta = DEFAULT_FUTURE_SKEW
    max_age: timedelta = DEFAULT_MAX_AGE

    def check(
        self,
        times: Iterable[tuple[str, datetime | None]],
        *,
        now: datetime,
        opened_at: datetime | None = None,
    ) -> None:
        """Raise InvalidRequestError for the first time (by field) outside the bounds.

        `opened_at` is the (already checked) time the case's consultation was received; a
        later event may lie up to `future_skew` before it, the two clocks being different.
        The reasons name the bound, never the value sent.
        """
        for field, moment in times:
            if moment is None:
                continue
            reason = self._problem(moment.astimezone(UTC), now, opened_at)
            if reason is not None:
                raise InvalidRequestError(field, reason)

    def _problem(self, moment: datetime, now: datetime, opened_at: datetime | None) -> str | None:
        if moment > now + self.future_skew:
            seconds = int(self.future_skew.total_seconds())
            return f"lies more than {seconds} s ahead of the server's clock"
        if moment < now - self.max_age:
            return f"lies more than {self.max_age.days} days in the past"
        if opened_at is not None and moment < opened_at - self.future_skew:
            return "lies before the case was opened"
        return None
