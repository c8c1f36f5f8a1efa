"""Access and erasure requests by data subjects: their regime, due date and state."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from shared.contracts.privacy import Regime as Regime


@dataclass(frozen=True, slots=True)
class Basis:
    """A regime's legal basis as people read it, in Japanese and English."""

    ja: str
    en: str


STATUTORY_BASIS: dict[Regime, Basis] = {
    Regime.INTERNAL: Basis(
        ja="社内目標期限(法定期限ではない)",
        en="The business's own target (not a statutory deadline)",
    ),
    Regime.GDPR: Basis(
        ja="GDPR 第12条3項: 請求の受領から1か月以内(延長あり)",
        en="GDPR Art. 12(3): without undue delay and within one month of receipt (extendable)",
    ),
    Regime.APPI: Basis(
        ja=(
            "個人情報の保護に関する法律 第33条(開示)・第34条(訂正等)・第35条(利用停止等):"
            "本人から請求を受けたときは、遅滞なく、対応しなければならない。"
            "「遅滞なく」の社内目標日数を適用する。"
        ),
        en=(
            "Act on the Protection of Personal Information, Art. 33 (disclosure), Art. 34"
            " (correction, addition or deletion), Art. 35 (suspension of use, erasure):"
            " the business must respond without delay once the person asks. The due date"
            ' applies the internal target set for "without delay".'
        ),
    ),
}


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
    """Days from receipt to answer, per regime (APPI says "without delay": `appi_days` is the
    business's target for it); `max_received_age_days`: how long ago a request may have been
    received and still be registered (older ones are a typo, or belong in an incident report)."""

    internal_days: int = 14
    gdpr_days: int = 30
    appi_days: int = 14
    max_received_age_days: int = 90

    def days(self, regime: Regime) -> int:
        return {
            Regime.INTERNAL: self.internal_days,
            Regime.GDPR: self.gdpr_days,
            Regime.APPI: self.appi_days,
        }[regime]

    def due_at(self, received_at: datetime, regime: Regime) -> datetime:
        return received_at + timedelta(days=self.days(regime))


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
