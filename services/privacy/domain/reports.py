"""What privacy answers a privacy officer with, beyond a receipt: the access export (everything
kept about a subject, decrypted), the erasure preview (what an erasure would do now), the
overdue report, and the cases a subject search found."""

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.privacy.domain.cases import CaseRecord, Disposition
from services.privacy.domain.holds import BlockingHold
from services.privacy.domain.receipt import ResidualCopies, SubjectErasure
from services.privacy.domain.requests import PrivacyRequest, Regime


class ExportedEvent(BaseModel):
    event_id: str
    type: str
    occurred_at: datetime
    recorded_at: datetime
    producer: str
    payload: dict[str, Any]


class ExportedCase(BaseModel):
    """A case and its events: consultation, contacts, close requests, recordings, decisions.
    An anonymized or erased case is listed with what became of it and no events."""

    case_id: str
    opened_at: datetime | None
    closed_at: datetime | None
    closure_reason: str | None
    disposition: Disposition
    events: list[ExportedEvent]


class AccessExport(BaseModel):
    request_id: str
    regime: Regime
    received_at: datetime
    due_at: datetime
    generated_at: datetime
    subject_refs: tuple[str, ...]
    cases: list[ExportedCase]
    # Each erasure that covered the subjects (cases held by a legal hold survive one), and
    # whether it is complete.
    erasures: list[SubjectErasure] = []


class OverdueRequest(BaseModel):
    request: PrivacyRequest
    overdue_days: int


class OverdueReport(BaseModel):
    """Open requests past their due date, most overdue first; `open`: all still open."""

    as_of: datetime
    open: int
    overdue: list[OverdueRequest]


class PreviewCase(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    subject_id: str | None
    opened_at: datetime | None
    closed_at: datetime | None
    disposition: Disposition
    has_recording: bool
    kept_events: int  # ciphertext envelopes privacy holds of it (dropped by the erasure)
    held_by: tuple[BlockingHold, ...]


class ErasurePreview(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject_refs: tuple[str, ...]
    cases: tuple[PreviewCase, ...]
    will_erase: tuple[str, ...]  # case ids whose keys would be destroyed
    will_keep: tuple[str, ...]  # held case ids, kept until their holds are released
    subject_index: str  # what becomes of the identities' index entries
    residual_copies: ResidualCopies | None  # None when no key would be destroyed


class CaseState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ANONYMIZED = "anonymized"
    ERASED = "erased"


class FoundCase(BaseModel):
    """A case a subject search found, as privacy knows it: no personal data."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    opened_at: datetime | None
    closed_at: datetime | None
    state: CaseState
    held: bool
    held_by: tuple[BlockingHold, ...]

    @classmethod
    def of(cls, case: CaseRecord, held_by: Sequence[BlockingHold]) -> "FoundCase":
        return cls(
            case_id=case.case_id,
            opened_at=case.opened_at,
            closed_at=case.closed_at,
            state=_state(case),
            held=bool(held_by),
            held_by=tuple(held_by),
        )


def _state(case: CaseRecord) -> CaseState:
    if case.disposition is Disposition.ERASED:
        return CaseState.ERASED
    if case.disposition is Disposition.ANONYMIZED:
        return CaseState.ANONYMIZED
    return CaseState.CLOSED if case.closed_at is not None else CaseState.OPEN


class SubjectSearch(BaseModel):
    """The cases of the subject an e-mail or phone leads to (none for an unknown identity),
    and the access as recorded: who, when, why, in which `subject.searched` events."""

    model_config = ConfigDict(frozen=True)

    search_id: str
    searched_by: str
    searched_at: datetime
    purpose: str
    matter: str | None
    subject_refs: tuple[str, ...]
    cases: tuple[FoundCase, ...]
    recorded_event_ids: tuple[str, ...]
