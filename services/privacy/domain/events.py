"""The events privacy publishes on `caselog.privacy`: type names, versions and payloads.

docs/decisions/0007-privacy.md documents each; records projects them by type name.
"""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from services.privacy.domain.copies import AnonymizedCopy
from services.privacy.domain.holds import Hold, HoldScope
from services.privacy.domain.requests import Regime
from services.privacy.domain.retention import RecordKind

PRODUCER = "privacy"


@dataclass(frozen=True, slots=True)
class EventKind:
    event_type: str
    schema_version: int
    payload: type[BaseModel]


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True)


class HoldPlaced(Hold):
    """The hold as placed; `case_ids`: the subject's cases known then (subject holds)."""

    case_ids: tuple[str, ...] = ()


class _HoldNamed(_Payload):
    """The hold an event is about, and what it covers."""

    hold_id: str
    scope: HoldScope
    matter: str
    case_id: str | None = None
    subject_id: str | None = None


class HoldReleased(_HoldNamed):
    """`release_requested_by`: under the two-person rule, who asked first (`released_by`
    confirmed)."""

    released_by: str
    released_at: datetime
    release_note: str | None = None
    release_requested_by: str | None = None


class HoldReleaseRequested(_HoldNamed):
    """Two-person rule: a privacy officer asked to release the hold; it stays in force until
    another person confirms."""

    requested_by: str
    requested_at: datetime


class _Anonymization(_Payload):
    """What every version of `case.anonymized` says about the case and its retention."""

    run_id: str
    key_id: str | None
    closed_at: datetime
    closure_reason: str | None
    rule: str
    retention_ends_at: datetime
    anonymized_at: datetime


class CaseAnonymizedV1(_Anonymization):
    """Version 1 carried the anonymized copy itself, in plaintext, into the permanent log; still
    read (a rebuilt store seals the copy from it), never written."""

    anonymized_copy: AnonymizedCopy


class CaseAnonymized(_Anonymization):
    """Version 2: the copy stays in privacy's store, sealed under a business-copy key of its
    own (so it can be corrected or withdrawn); the log gets its id and SHA-256 only."""

    copy_id: str
    copy_sha256: str


class CopyCorrected(_Payload):
    """The privacy officer replaced an anonymized copy (something personal was missed): the
    new version is sealed under a new key, the old version's key is destroyed."""

    copy_id: str
    version: int
    copy_sha256: str
    replaced_sha256: str
    reason: str
    corrected_by: str
    corrected_at: datetime


class CopyWithdrawn(_Payload):
    """An anonymized copy taken out of business use: its key destroyed, its row dropped."""

    copy_id: str
    withdrawn_sha256: str
    reason: str
    withdrawn_by: str
    withdrawn_at: datetime


class SubjectErased(_Payload):
    """One per erased case (the envelope's case); `erased_case_ids` and `held_case_ids` cover
    the whole request, so any one of them tells a consumer what became of the subject."""

    request_id: str
    subject_ids: tuple[str, ...]
    key_id: str | None = None
    key_destroyed_at: datetime | None = None
    erased_case_ids: tuple[str, ...]
    held_case_ids: tuple[str, ...]
    subject_index_forgotten: bool
    erased_at: datetime


class AccessExported(_Payload):
    request_id: str
    regime: Regime
    subject_ids: tuple[str, ...]
    case_ids: tuple[str, ...]
    events: int
    received_at: datetime
    due_at: datetime
    exported_at: datetime
    exported_by: str
    export_sha256: str


class SweptItem(_Payload):
    kind: RecordKind
    case_id: str
    copy_id: str | None = None
    hold_ids: tuple[str, ...] = ()


class RetentionSwept(_Payload):
    """What one (not dry) sweep did; its projection expires recordings and copies."""

    run_id: str
    as_of: datetime
    done: tuple[SweptItem, ...]
    held: tuple[SweptItem, ...]
    failed: tuple[SweptItem, ...]
    overdue: int


class EpochClosed(_Payload):
    """A key epoch closed: every live data key re-wrapped under `opened_kek_id`, then the KEK
    `destroyed_kek_id` destroyed in its keyring. Erasures whose keys were destroyed during
    epoch `closed_epoch` are complete from `closed_at` on (no copy can be unwrapped)."""

    closed_epoch: int
    destroyed_kek_id: str
    opened_epoch: int
    opened_kek_id: str
    rewrapped_keys: int
    closed_at: datetime


HOLD_PLACED = EventKind("hold.placed", 1, HoldPlaced)
HOLD_RELEASED = EventKind("hold.released", 1, HoldReleased)
HOLD_RELEASE_REQUESTED = EventKind("hold.release_requested", 1, HoldReleaseRequested)
CASE_ANONYMIZED = EventKind("case.anonymized", 2, CaseAnonymized)
CASE_ANONYMIZED_V1 = EventKind("case.anonymized", 1, CaseAnonymizedV1)
COPY_CORRECTED = EventKind("anonymized_copy.corrected", 1, CopyCorrected)
COPY_WITHDRAWN = EventKind("anonymized_copy.withdrawn", 1, CopyWithdrawn)
SUBJECT_ERASED = EventKind("subject.erased", 1, SubjectErased)
ACCESS_EXPORTED = EventKind("access.exported", 1, AccessExported)
RETENTION_SWEPT = EventKind("retention.swept", 1, RetentionSwept)
KEYS_EPOCH_CLOSED = EventKind("keys.epoch_closed", 1, EpochClosed)

ALL_EVENTS = (
    HOLD_PLACED,
    HOLD_RELEASED,
    HOLD_RELEASE_REQUESTED,
    CASE_ANONYMIZED,
    COPY_CORRECTED,
    COPY_WITHDRAWN,
    SUBJECT_ERASED,
    ACCESS_EXPORTED,
    RETENTION_SWEPT,
    KEYS_EPOCH_CLOSED,
)
"""What privacy writes: the latest version of each type."""
BY_TYPE = {kind.event_type: kind for kind in ALL_EVENTS}
READABLE = {
    (kind.event_type, kind.schema_version): kind for kind in (*ALL_EVENTS, CASE_ANONYMIZED_V1)
}
"""What privacy reads back, by type and version: old versions stay readable."""
