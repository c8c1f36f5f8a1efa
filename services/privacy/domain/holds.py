"""Legal holds: on a case or on a subject (all their cases, present and future), until released;
who may release one, the cooling-off after a release, and the review date every hold carries."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from services.privacy.domain.retention import Period
from shared.contracts.privacy import HoldFields
from shared.contracts.privacy import HoldScope as HoldScope


class Hold(HoldFields):
    """A hold as privacy keeps it: the contract's fields (shared/contracts/privacy.py), and
    what they mean for erasure and the sweep."""

    @property
    def active(self) -> bool:
        return self.released_at is None

    def cooling_off_until(self, cooling_off: Period) -> datetime | None:
        """Until when a released hold still keeps its cases from erasure and the sweep."""
        return None if self.released_at is None else cooling_off.after(self.released_at)

    def in_force(self, at: datetime, cooling_off: Period) -> bool:
        until = self.cooling_off_until(cooling_off)
        return until is None or at < until

    def covers(self, case_id: str, subject_id: str | None) -> bool:
        if self.scope is HoldScope.CASE:
            return self.case_id == case_id
        return subject_id is not None and self.subject_id == subject_id

    def due_for_review(self, at: datetime) -> bool:
        return self.active and self.review_at is not None and self.review_at <= at


class BlockingHold(BaseModel):
    """What a report says about a hold that blocked an item: enough to find and release it.
    `cooling_off_until`: the hold was released, and its cases wait until then."""

    model_config = ConfigDict(frozen=True)

    hold_id: str
    scope: HoldScope
    matter: str
    cooling_off_until: datetime | None = None

    @model_serializer(mode="wrap")
    def _without_empty_cooling_off(self, handler: SerializerFunctionWrapHandler) -> Any:
        # Receipts signed before cooling-off existed keep their exact bytes.
        dumped = handler(self)
        if isinstance(dumped, dict) and dumped.get("cooling_off_until") is None:
            dumped.pop("cooling_off_until", None)
        return dumped


def blocking(
    holds: Iterable[Hold],
    case_id: str,
    subject_id: str | None,
    *,
    at: datetime | None = None,
    cooling_off: Period | None = None,
) -> list[BlockingHold]:
    """The holds that keep this case from anonymization and erasure: the active ones and,
    `at` a moment with a `cooling_off` period, those released less than that period before."""
    found = []
    for hold in holds:
        if not hold.covers(case_id, subject_id):
            continue
        if hold.active:
            found.append(BlockingHold(hold_id=hold.hold_id, scope=hold.scope, matter=hold.matter))
        elif at is not None and cooling_off is not None and hold.in_force(at, cooling_off):
            until = hold.cooling_off_until(cooling_off)
            found.append(
                BlockingHold(
                    hold_id=hold.hold_id,
                    scope=hold.scope,
                    matter=hold.matter,
                    cooling_off_until=until,
                )
            )
    return found


class ReleaseRule(StrEnum):
    """Who may release a hold: legal alone, or also a privacy officer whose release request a
    second, different person confirms."""

    LEGAL = "legal"
    TWO_PERSON = "two_person"


@dataclass(frozen=True, slots=True)
class Limitation:
    """A matter type's limitation period: from when the claimant knew, and from the act;
    the claim is barred at whichever ends first."""

    from_knowledge: Period
    from_act: Period

    def ends_at(self, known_at: datetime, act_at: datetime) -> datetime:
        return min(self.from_knowledge.after(known_at), self.from_act.after(act_at))


DEFAULT_LIMITATIONS: Mapping[str, Limitation] = {
    # 民法 166条1項: 債権は知った時から5年、権利を行使できる時から10年。
    "contract": Limitation(Period(years=5), Period(years=10)),
    # 民法 724条: 不法行為は損害及び加害者を知った時から3年、不法行為の時から20年。
    "tort": Limitation(Period(years=3), Period(years=20)),
    # 製造物責任法 5条: 知った時から3年、引き渡した時から10年。
    "product_liability": Limitation(Period(years=3), Period(years=10)),
}


DEFAULT_COOLING_OFF = Period(days=7)


@dataclass(frozen=True, slots=True)
class HoldRules:
    release: ReleaseRule = ReleaseRule.LEGAL
    cooling_off: Period = DEFAULT_COOLING_OFF
    limitations: Mapping[str, Limitation] = field(default_factory=lambda: DEFAULT_LIMITATIONS)
    default_matter_type: str = "contract"

    def review_at(self, matter_type: str, known_at: datetime, act_at: datetime) -> datetime:
        """When the hold's matter is barred, so legal must decide whether to keep it."""
        return self.limitations[matter_type].ends_at(known_at, act_at)


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
