"""Legal holds: on a case or on a subject (all their cases, present and future), until released."""

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class HoldScope(StrEnum):
    CASE = "case"
    SUBJECT = "subject"


class Hold(BaseModel):
    """A hold as placed; `released_at` set once released. Matter and reason name the legal
    matter, never a person (placing refuses text that looks like contact details)."""

    model_config = ConfigDict(frozen=True)

    hold_id: str
    scope: HoldScope
    case_id: str | None = None
    subject_id: str | None = None
    matter: str
    reason: str
    placed_by: str
    placed_at: datetime
    recommendation_id: str | None = None
    released_by: str | None = None
    released_at: datetime | None = None
    release_note: str | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None

    def covers(self, case_id: str, subject_id: str | None) -> bool:
        if not self.active:
            return False
        if self.scope is HoldScope.CASE:
            return self.case_id == case_id
        return subject_id is not None and self.subject_id == subject_id


class BlockingHold(BaseModel):
    """What a report says about a hold that blocked an item: enough to find and release it."""

    model_config = ConfigDict(frozen=True)

    hold_id: str
    scope: HoldScope
    matter: str


def blocking(holds: Iterable[Hold], case_id: str, subject_id: str | None) -> list[BlockingHold]:
    """The active holds that keep this case from anonymization and erasure."""
    return [
        BlockingHold(hold_id=h.hold_id, scope=h.scope, matter=h.matter)
        for h in holds
        if h.covers(case_id, subject_id)
    ]


class Recommendation(BaseModel):
    """Policy's `legal_hold_recommended` on a decision, waiting for legal or privacy to confirm
    it by placing a hold that names it."""

    model_config = ConfigDict(frozen=True)

    recommendation_id: str  # the decision's event id
    case_id: str
    subject_id: str | None
    decision_type: str
    outcome: str
    rules: tuple[str, ...]
    recommended_at: datetime
    hold_id: str | None = None
