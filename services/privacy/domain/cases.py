"""A case as privacy knows it: whose, when opened and closed, what it holds, what became of it."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Disposition(StrEnum):
    KEPT = "kept"  # personal data still readable
    ANONYMIZED = "anonymized"  # copy written, key destroyed
    ERASED = "erased"  # key destroyed on an erasure request


class CaseRecord(BaseModel):
    """Privacy's row of a case. No personal values: the subject is the random pseudonym."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    subject_id: str | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    closure_reason: str | None = None
    has_recording: bool = False
    disposition: Disposition = Disposition.KEPT
    anonymized_at: datetime | None = None
    erased_at: datetime | None = None
    key_destroyed_at: datetime | None = None
    recording_expired_at: datetime | None = None

    @property
    def shredded(self) -> bool:
        return self.key_destroyed_at is not None

    @property
    def keeps_events(self) -> bool:
        """Whether privacy still keeps events of this case (not anonymized, erased or
        shredded): a later event of it is kept too."""
        return self.disposition is Disposition.KEPT and not self.shredded


class CopyMeta(BaseModel):
    """An anonymized copy's retention facts (its content is in `AnonymizedCopy`)."""

    model_config = ConfigDict(frozen=True)

    copy_id: str
    case_id: str
    closed_at: datetime
    closure_reason: str | None = None
