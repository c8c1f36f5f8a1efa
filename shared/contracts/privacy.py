"""Privacy's events on `caselog.privacy`: holds, anonymization and its copies, erasures, access
exports, subject searches, retention sweeps and key-epoch closes (docs/decisions/0007-privacy.md
says what each means). No payload carries personal data: holds name a matter, copies are
anonymized, a subject search names the random pseudonym, never the e-mail or phone searched by.
"""

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.auth.roles import Role
from shared.contracts.declaring import EventContract, Upcaster

PRODUCER = "privacy"


class Regime(StrEnum):
    """Whose deadline applies: the business's own target, a GDPR-style statutory one, or
    Japan's Act on the Protection of Personal Information (個人情報保護法, APPI)."""

    INTERNAL = "internal"
    GDPR = "gdpr"
    APPI = "appi"


class RecordKind(StrEnum):
    CASE_RECORD = "case_record"
    CALL_RECORDING = "call_recording"
    ANONYMIZED_COPY = "anonymized_copy"


class HoldScope(StrEnum):
    CASE = "case"
    SUBJECT = "subject"


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True)


class HoldFields(_Payload):
    """A hold as placed; `released_at` set once released. Matter and reason name the legal
    matter, never a person (placing refuses text that looks like contact details)."""

    hold_id: str
    scope: HoldScope
    case_id: str | None = None
    subject_id: str | None = None
    matter: str
    reason: str
    placed_by: str
    placed_at: datetime
    recommendation_id: str | None = None
    matter_type: str | None = None  # holds placed before review dates existed have none
    review_at: datetime | None = None
    release_requested_by: str | None = None  # two-person rule: waiting for a second person
    release_requested_at: datetime | None = None
    released_by: str | None = None
    released_at: datetime | None = None
    release_note: str | None = None


class HoldPlaced(HoldFields):
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


class CopiedMoney(BaseModel):
    """An amount as the copy (and privacy's reading of intake's payloads) keeps it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    amount: Decimal
    currency: str


class _Copied(_Payload):
    pass


class CopiedProduct(_Copied):
    sku: str | None = None
    name: str | None = None
    price: CopiedMoney | None = None
    purchase_month: str | None = None


class CopiedDemand(_Copied):
    type: str
    amount: CopiedMoney | None = None
    details: str | None = None


class CopiedContact(_Copied):
    kind: str
    channel: str | None
    month: str
    body: str
    final_answer: bool
    duration_seconds: int | None


class CopiedDecision(_Copied):
    type: str
    month: str
    outcome: str
    rules: tuple[str, ...]
    actions: tuple[str, ...]


class AnonymizedCopy(_Copied):
    """The anonymized copy of a case as business users get it: no identity, scrubbed text,
    months instead of dates, a random copy id instead of the case id."""

    copy_id: str
    anonymized_month: str
    platform: str | None = None
    channel: str | None = None
    language: str | None = None
    relationship: str | None = None
    received_month: str | None = None
    closed_month: str | None = None
    closure_reason: str | None = None
    product: CopiedProduct | None = None
    demand: CopiedDemand | None = None
    subject: str | None = None
    body: str | None = None
    closure_notes: tuple[str, ...] = ()
    call_duration_seconds: int | None = None
    call_recorded: bool = False
    recordings: int = 0
    contacts: tuple[CopiedContact, ...] = ()
    decisions: tuple[CopiedDecision, ...] = ()


def copy_digest(copy: AnonymizedCopy) -> str:
    """SHA-256 (hex) of the copy as canonical JSON (sorted keys, no spaces, UTF-8): what the
    permanent log keeps instead of the copy, so it proves what was handed out without holding it."""
    document = json.dumps(
        copy.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(document.encode()).hexdigest()


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


class SubjectSearched(_Payload):
    """A search for a subject's cases by e-mail or phone (legal, privacy officer): an access,
    recorded whatever it found. One per case found (the envelope's case), or one on the
    search's own id when nothing was found; `case_ids` covers the whole search. The identity
    searched by is never in it, not even hashed: `subject_ids` are the random pseudonyms it
    led to (docs/decisions/0023-subject-search-recorded-as-an-access.md)."""

    search_id: str
    subject_ids: tuple[str, ...]
    actor: str
    roles: tuple[Role, ...]
    purpose: str
    matter: str | None
    searched_at: datetime
    case_ids: tuple[str, ...]


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


def _privacy(
    event_type: str, payload: type[BaseModel], description: str, version: int = 1
) -> EventContract:
    return EventContract(event_type, version, PRODUCER, payload, description)


HOLD_PLACED = _privacy("hold.placed", HoldPlaced, "a legal hold placed on a case or a subject")
HOLD_RELEASE_REQUESTED = _privacy(
    "hold.release_requested",
    HoldReleaseRequested,
    "two-person rule: a first person asked to release a hold",
)
HOLD_RELEASED = _privacy("hold.released", HoldReleased, "a legal hold released")
CASE_ANONYMIZED_V1 = _privacy(
    "case.anonymized",
    CaseAnonymizedV1,
    "v1: the anonymized copy itself in the log (read as it is, never written)",
)
CASE_ANONYMIZED = _privacy(
    "case.anonymized",
    CaseAnonymized,
    "the case anonymized; its copy sealed in privacy's store, the log keeps its digest",
    version=2,
)
COPY_CORRECTED = _privacy(
    "anonymized_copy.corrected",
    CopyCorrected,
    "an anonymized copy replaced by a corrected version",
)
COPY_WITHDRAWN = _privacy(
    "anonymized_copy.withdrawn", CopyWithdrawn, "an anonymized copy taken out of business use"
)
SUBJECT_ERASED = _privacy(
    "subject.erased", SubjectErased, "a subject's case erased (its key destroyed), one per case"
)
ACCESS_EXPORTED = _privacy(
    "access.exported", AccessExported, "an access request answered with an export"
)
SUBJECT_SEARCHED = _privacy(
    "subject.searched",
    SubjectSearched,
    "a search for a subject's cases by e-mail or phone, recorded as an access",
)
RETENTION_SWEPT = _privacy("retention.swept", RetentionSwept, "what one retention sweep did")
KEYS_EPOCH_CLOSED = _privacy(
    "keys.epoch_closed",
    EpochClosed,
    "a key epoch closed: live keys re-wrapped under a new KEK, the old KEK destroyed",
)

CONTRACTS = (
    HOLD_PLACED,
    HOLD_RELEASE_REQUESTED,
    HOLD_RELEASED,
    CASE_ANONYMIZED_V1,
    CASE_ANONYMIZED,
    COPY_CORRECTED,
    COPY_WITHDRAWN,
    SUBJECT_ERASED,
    ACCESS_EXPORTED,
    SUBJECT_SEARCHED,
    RETENTION_SWEPT,
    KEYS_EPOCH_CLOSED,
)


def _anonymized_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """v1 carried the copy itself; v2 names it by id and digest (the digest of the very copy)."""
    lifted = {name: value for name, value in payload.items() if name != "anonymized_copy"}
    copy = AnonymizedCopy.model_validate(payload["anonymized_copy"])
    return {**lifted, "copy_id": copy.copy_id, "copy_sha256": copy_digest(copy)}


UPCASTERS: dict[tuple[str, int], Upcaster] = {
    (CASE_ANONYMIZED_V1.type, CASE_ANONYMIZED_V1.version): _anonymized_v1_to_v2,
}

READ_AS_IS = ((CASE_ANONYMIZED_V1.type, CASE_ANONYMIZED_V1.version),)
"""`case.anonymized` v1 may also be read as it is: privacy, rebuilding its store, seals the copy
v1 carried (the upcast v2 keeps only its id and digest). Every other reader gets v2."""
