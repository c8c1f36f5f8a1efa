"""What an erasure would do, shown before it is confirmed: the subjects the identities lead to
(a linked set counts as one person), their cases, which are erased and which held, and when
residual copies of the destroyed keys stop being readable."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from services.privacy.domain.cases import Disposition
from services.privacy.domain.holds import BlockingHold
from services.privacy.domain.receipt import ResidualCopies


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
