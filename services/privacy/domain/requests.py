"""Access and erasure requests by data subjects: their regime, due date and state."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Regime(StrEnum):
    """Whose deadline applies: the business's own target, or a GDPR-style statutory one."""

    INTERNAL = "internal"
    GDPR = "gdpr"


class RequestKind(StrEnum):
    ACCESS = "access"
    ERASURE = "erasure"


class RequestStatus(StrEnum):
    OPEN = "open"  # registered, not yet answered
    FULFILLED = "fulfilled"
    PARTIAL = "partial"  # erasure with held cases kept: ask again once the hold is released
    NO_MATCH = "no_match"  # no subject matched the identities given: nothing done, no receipt


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Days from receipt to answer, per regime."""

    internal_days: int = 14
    gdpr_days: int = 30

    def due_at(self, received_at: datetime, regime: Regime) -> datetime:
        days = self.gdpr_days if regime is Regime.GDPR else self.internal_days
        return received_at + timedelta(days=days)


class PrivacyRequest(BaseModel):
    """A request as privacy keeps it: pseudonymous subjects only, never the identity asked by."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    kind: RequestKind
    regime: Regime
    subject_ids: tuple[str, ...]
    received_at: datetime
    due_at: datetime
    status: RequestStatus = RequestStatus.OPEN
    fulfilled_at: datetime | None = None
    registered_by: str
    reference: str | None = None

    def overdue_days(self, now: datetime) -> int | None:
        """Whole days past the due date while still open, else None."""
        if self.status is not RequestStatus.OPEN or now <= self.due_at:
            return None
        return (now - self.due_at).days
