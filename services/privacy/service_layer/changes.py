"""What the store is asked to change, as values: the use cases decide, the adapter applies a
list of them in one transaction (together with the id of the event that caused them)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.privacy.domain.copies import AnonymizedCopy
from services.privacy.domain.holds import Hold, Recommendation
from services.privacy.domain.receipt import RecordsCheckpoint, SignedCompletion, SignedReceipt
from services.privacy.domain.requests import PrivacyRequest
from shared.envelope import Envelope


@dataclass(frozen=True, slots=True)
class CaseSeen:
    """Create the case if new; learn its subject if not known yet."""

    case_id: str
    subject_id: str | None


@dataclass(frozen=True, slots=True)
class CaseOpened:
    case_id: str
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class CaseClosed:
    case_id: str
    closed_at: datetime
    reason: str | None
    closure_event_id: str


@dataclass(frozen=True, slots=True)
class ClosureAccepted:
    """Policy accepted the close request `closure_event_id` at `decided_at` (its server clock):
    the case counts as closed from then."""

    case_id: str
    closure_event_id: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class ClosureRefused:
    """Policy refused the close request `closure_event_id`: the case is open again."""

    case_id: str
    closure_event_id: str


@dataclass(frozen=True, slots=True)
class RecordingAttached:
    case_id: str


@dataclass(frozen=True, slots=True)
class EventKept:
    """Keep the envelope as received (ciphertext); never for a shredded case."""

    envelope: Envelope


@dataclass(frozen=True, slots=True)
class RecommendationMade:
    recommendation: Recommendation


@dataclass(frozen=True, slots=True)
class HoldSaved:
    hold: Hold


@dataclass(frozen=True, slots=True)
class HoldReleaseRequested:
    hold_id: str
    requested_by: str
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class HoldEnded:
    hold_id: str
    released_by: str
    released_at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class CaseAnonymized:
    """Mark the case, and drop its stored events (they no longer decrypt); its copy is kept
    by `CopyStored`, before the event is published."""

    case_id: str
    anonymized_at: datetime


@dataclass(frozen=True, slots=True)
class SealedCopy:
    """An anonymized copy as privacy's store keeps it: ciphertext under the key in `key_slot`
    of the key store (one key per copy version), and the digest of the plaintext."""

    copy_id: str
    version: int
    key_slot: str
    sha256: str
    sealed: str


@dataclass(frozen=True, slots=True)
class CopyStored:
    """Keep this version of the case's copy (the only one: a new version replaces the row)."""

    case_id: str
    copy: SealedCopy
    closed_at: datetime
    closure_reason: str | None


@dataclass(frozen=True, slots=True)
class CopyReceived:
    """A copy in plaintext from a version 1 `case.anonymized` read back: the projection seals
    it into a `CopyStored` before the store sees it."""

    case_id: str
    anonymized_copy: AnonymizedCopy
    closed_at: datetime
    closure_reason: str | None


@dataclass(frozen=True, slots=True)
class CopyRemoved:
    """Drop a withdrawn copy's row (its key is destroyed before the event is published)."""

    copy_id: str


@dataclass(frozen=True, slots=True)
class KeyDestroyed:
    case_id: str
    destroyed_at: datetime


@dataclass(frozen=True, slots=True)
class CaseErased:
    """Mark the case erased and drop every copy privacy held of its events."""

    case_id: str
    erased_at: datetime


@dataclass(frozen=True, slots=True)
class SubjectErased:
    """Remember the erased pseudonym, so events of it that arrive late are shredded too."""

    subject_id: str
    request_id: str
    erased_at: datetime


@dataclass(frozen=True, slots=True)
class RequestSaved:
    request: PrivacyRequest


@dataclass(frozen=True, slots=True)
class ReceiptSaved:
    request_id: str
    receipt: SignedReceipt


@dataclass(frozen=True, slots=True)
class ReceiptTracked:
    """Follow a new receipt until a checkpoint is bound into it and its epoch closes."""

    request_id: str
    epoch: int | None
    event_ids: Sequence[str]
    bound: bool


@dataclass(frozen=True, slots=True)
class ReceiptBound:
    """The receipt re-signed with a records checkpoint that includes its events."""

    request_id: str
    receipt: SignedReceipt


@dataclass(frozen=True, slots=True)
class ErasureAcknowledged:
    """Records appended this `subject.erased` event at `position` of its log."""

    event_id: str
    position: int


@dataclass(frozen=True, slots=True)
class CompletionIssued:
    """The signed completion statement of an epoch close, and the receipts it completes."""

    closed_epoch: int
    completion: SignedCompletion
    request_ids: Sequence[str]


@dataclass(frozen=True, slots=True)
class RecordingsExpired:
    case_ids: Sequence[str]
    expired_at: datetime


@dataclass(frozen=True, slots=True)
class CopiesExpired:
    copy_ids: Sequence[str]


@dataclass(frozen=True, slots=True)
class CheckpointSeen:
    checkpoint: RecordsCheckpoint


Change = (
    CaseSeen
    | CaseOpened
    | CaseClosed
    | ClosureAccepted
    | ClosureRefused
    | RecordingAttached
    | EventKept
    | RecommendationMade
    | HoldSaved
    | HoldReleaseRequested
    | HoldEnded
    | CaseAnonymized
    | CopyStored
    | CopyRemoved
    | KeyDestroyed
    | CaseErased
    | SubjectErased
    | RequestSaved
    | ReceiptSaved
    | RecordingsExpired
    | CopiesExpired
    | CheckpointSeen
    | ReceiptTracked
    | ReceiptBound
    | ErasureAcknowledged
    | CompletionIssued
)

Projected = Change | CopyReceived
"""What the projection finds in an event, before it seals plaintext copies of old events."""
