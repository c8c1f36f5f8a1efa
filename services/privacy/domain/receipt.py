"""Erasure receipts and completion statements: what an erasure destroyed and where, as signed
text that verifies offline (`caselog verify-receipt`), and the statement signed when a key epoch
closes that names the receipts whose residual copies became unreadable then.

A receipt is complete once a statement for its epoch (or a later one: each close destroys the
KEK that wraps every older copy too) names it."""

import json
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from services.privacy.domain.errors import ReceiptVerificationError
from services.privacy.domain.holds import BlockingHold
from services.privacy.domain.requests import RequestStatus
from shared.frozen import FrozenModel

ReceiptFormat = Literal["caselog.privacy/erasure-receipt/v1", "caselog.privacy/erasure-receipt/v2"]
# v2 adds what stays readable until the epoch closes, and binds the records checkpoint.
RECEIPT_FORMAT: ReceiptFormat = "caselog.privacy/erasure-receipt/v2"
RECEIPT_FORMATS: tuple[str, ...] = (
    "caselog.privacy/erasure-receipt/v1",
    "caselog.privacy/erasure-receipt/v2",
)


class PlaceStatus(StrEnum):
    CONFIRMED = "confirmed"  # checked after the fact: nothing of the subject is readable there
    PENDING = "pending"  # destroyed where live; older copies readable until the epoch closes
    NOTIFIED = "notified"  # another service drops its copy on the subject.erased event
    NOT_CHECKED = "not_checked"  # privacy neither changed nor checked it: said so, not claimed
    KEPT = "kept"  # deliberately kept (held cases)
    FAILED = "failed"  # the check found something left: the request must be looked into


class Place(FrozenModel):
    place: str
    status: PlaceStatus
    detail: str


class DestroyedKey(FrozenModel):
    case_id: str
    key_id: str
    destroyed_at: datetime


class HeldCase(FrozenModel):
    case_id: str
    holds: tuple[BlockingHold, ...]


class RecordsCheckpoint(FrozenModel):
    """A records checkpoint: in a receipt, the signed one that includes the receipt's own
    `subject.erased` events (`bound`), or, while records has signed none yet, the latest one
    acknowledged and a statement that the binding is pending."""

    available: bool
    tree_size: int | None = None
    checkpoint_size: int | None = None
    acknowledged_at: datetime | None = None
    note: str | None = None  # the signed checkpoint itself (C2SP tlog-checkpoint)
    detail: str
    bound: bool = False  # `note` is a checkpoint whose tree includes every event listed
    event_positions: tuple[int, ...] = ()  # log positions of the receipt's events, once known


class ResidualCopies(FrozenModel):
    """What erasure cannot reach at once: copies of the destroyed key rows in database WAL,
    dead row versions, dumps, backups and replicas stay wrapped under the epoch's KEK, and so
    readable to whoever holds both, until that epoch closes and destroys its KEK."""

    epoch: int
    kek_id: str
    unreadable_by: datetime  # the epoch's scheduled close: at the latest then
    statement: str


class ErasureReceipt(FrozenModel):
    format: ReceiptFormat = RECEIPT_FORMAT
    request_id: str
    reference: str | None
    status: RequestStatus
    subject_refs: tuple[str, ...]
    received_at: datetime
    completed_at: datetime
    handled_by: str
    erased_case_ids: tuple[str, ...]
    held_cases: tuple[HeldCase, ...]
    keys_destroyed: tuple[DestroyedKey, ...]
    places: tuple[Place, ...]
    records_checkpoint: RecordsCheckpoint
    event_ids: tuple[str, ...]
    # v2: destroyed at once besides the key rows, and when the rest stops being readable.
    subject_index_entries_removed: int | None = None
    residual_copies: ResidualCopies | None = None


class SignedDocument(BaseModel):
    """A signed note over a document, and the signer's public key (receipt or completion)."""

    signed_note: str
    verifier_key: str


class SignedCompletion(SignedDocument):
    """The completion statement file (see `domain/completion.py`)."""

    statement: dict[str, Any]


class SignedReceipt(SignedDocument):
    """The receipt file: the receipt, the signed note over it, and the signer's public key;
    once the receipt's key epoch has closed, the signed completion statement too (it is not
    part of the signed receipt, which never changes after the checkpoint is bound); and the
    log binding, once records has logged the receipt's events."""

    receipt: dict[str, Any]
    completion: SignedCompletion | None = None
    # The records log's proof that the receipt's subject.erased events are in a signed
    # checkpoint (shared.bundle.log_binding): verifiable with the log's key alone, so it needs
    # no signature of privacy's, and it is attached as records serves it.
    log_binding: dict[str, Any] | None = None


def receipt_text(receipt: ErasureReceipt) -> str:
    """The signed text: the format line and the receipt as one line of canonical JSON."""
    return document_text(receipt.format, receipt.model_dump(mode="json"))


def receipt_from_text(text: str, shown: dict[str, Any]) -> ErasureReceipt:
    """The receipt in a verified note's `text`; it must be exactly `shown`, the file's copy."""
    signed = document_from_text(text, RECEIPT_FORMATS, shown, "receipt")
    try:
        return ErasureReceipt.model_validate(signed)
    except ValidationError:
        raise ReceiptVerificationError("the signed receipt is not a valid receipt") from None


def document_text(header: str, document: dict[str, Any]) -> str:
    """A format line and the document as one line of canonical JSON."""
    return f"{header}\n{_canonical(document)}\n"


def document_from_text(
    text: str, formats: tuple[str, ...], shown: dict[str, Any], what: str
) -> dict[str, Any]:
    """The document in a verified note's `text`, whose format line is one of `formats`; it
    must be exactly `shown`, the file's plain copy, field by field."""
    header, _, body = text.partition("\n")
    if header not in formats:
        raise ReceiptVerificationError(f"the signed text is not a {formats[-1]} {what}")
    try:
        signed = json.loads(body)
    except json.JSONDecodeError:
        raise ReceiptVerificationError("the signed text does not hold JSON") from None
    if not isinstance(signed, dict) or signed.get("format") != header:
        raise ReceiptVerificationError(f"the signed text does not hold a {what} object")
    keys = signed.keys() | shown.keys()
    changed = sorted(key for key in keys if signed.get(key) != shown.get(key))
    if changed:
        raise ReceiptVerificationError(f"fields differ from what was signed: {', '.join(changed)}")
    return signed


def _canonical(document: dict[str, Any]) -> str:
    # ASCII only, so the note text never holds a character the note format refuses.
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


CompletionFormat = Literal["caselog.privacy/erasure-completion/v1"]
COMPLETION_FORMAT: CompletionFormat = "caselog.privacy/erasure-completion/v1"


class ErasureState(StrEnum):
    PENDING = "pending"  # live keys destroyed; residual copies readable until the epoch closes
    COMPLETE = "complete"  # the epoch closed: no copy of the destroyed keys can be unwrapped


class CompletedReceipt(FrozenModel):
    request_id: str
    epoch: int  # the epoch the receipt named


class CompletionStatement(FrozenModel):
    format: CompletionFormat = COMPLETION_FORMAT
    closed_epoch: int
    destroyed_kek_id: str
    closed_at: datetime
    epoch_event_id: str  # the `keys.epoch_closed` event on caselog.privacy
    completes: tuple[CompletedReceipt, ...]
    issued_at: datetime

    def completes_receipt(self, receipt: ErasureReceipt) -> str | None:
        """Why this statement does not complete `receipt`, or None if it does."""
        residual = receipt.residual_copies
        if residual is None:
            return "the receipt names no key epoch (format v1)"
        if not any(c.request_id == receipt.request_id for c in self.completes):
            return f"the statement does not name request {receipt.request_id}"
        if self.closed_epoch < residual.epoch:
            return f"epoch {self.closed_epoch} closed before the receipt's epoch {residual.epoch}"
        if self.closed_epoch == residual.epoch and self.destroyed_kek_id != residual.kek_id:
            return "the destroyed KEK is not the one the receipt's epoch wrapped under"
        return None


class SubjectErasure(BaseModel):
    """One erasure request that covered the subject, and whether it is complete: `pending`
    while residual copies of its destroyed keys can still be unwrapped (until the epoch
    closes), `complete` once the completion statement names it (or no key was destroyed)."""

    model_config = ConfigDict(frozen=True)

    subject_id: str
    request_id: str
    status: RequestStatus
    state: ErasureState
    epoch: int | None
    unreadable_by: datetime | None
    completed_by_epoch: int | None


def completion_text(statement: CompletionStatement) -> str:
    return document_text(statement.format, statement.model_dump(mode="json"))


def completion_from_text(text: str, shown: dict[str, object]) -> CompletionStatement:
    signed = document_from_text(text, (COMPLETION_FORMAT,), dict(shown), "completion statement")
    try:
        return CompletionStatement.model_validate(signed)
    except ValidationError:
        raise ReceiptVerificationError("the signed completion is not a valid statement") from None
