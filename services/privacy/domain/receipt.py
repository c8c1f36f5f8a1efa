"""The erasure receipt: what was destroyed, where, when, and the records checkpoint of that moment.

Signed as a C2SP signed note whose text is a header line and the receipt as canonical JSON;
the file holds the receipt again as plain JSON, which must equal the signed one field by field.
"""

import json
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from services.privacy.domain.errors import ReceiptVerificationError
from services.privacy.domain.holds import BlockingHold
from services.privacy.domain.requests import RequestStatus

ReceiptFormat = Literal["caselog.privacy/erasure-receipt/v1"]
RECEIPT_FORMAT: ReceiptFormat = "caselog.privacy/erasure-receipt/v1"


class PlaceStatus(StrEnum):
    CONFIRMED = "confirmed"  # checked after the fact: nothing of the subject is readable there
    NOTIFIED = "notified"  # another service drops its copy on the subject.erased event
    KEPT = "kept"  # deliberately kept (held cases)
    FAILED = "failed"  # the check found something left: the request must be looked into


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Place(_Part):
    place: str
    status: PlaceStatus
    detail: str


class DestroyedKey(_Part):
    case_id: str
    key_id: str
    destroyed_at: datetime


class HeldCase(_Part):
    case_id: str
    holds: tuple[BlockingHold, ...]


class RecordsCheckpoint(_Part):
    """The latest records acknowledgement privacy had read: the log's size and signed size."""

    available: bool
    tree_size: int | None = None
    checkpoint_size: int | None = None
    acknowledged_at: datetime | None = None
    note: str | None = None  # the signed checkpoint itself, when records sends it
    detail: str


class ErasureReceipt(_Part):
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


class SignedReceipt(BaseModel):
    """The receipt file: the receipt, the signed note over it, and the signer's public key."""

    receipt: dict[str, Any]
    signed_note: str
    verifier_key: str


def receipt_text(receipt: ErasureReceipt) -> str:
    """The signed text: the format line and the receipt as one line of canonical JSON."""
    document = receipt.model_dump(mode="json")
    return f"{RECEIPT_FORMAT}\n{_canonical(document)}\n"


def receipt_from_text(text: str, shown: dict[str, Any]) -> ErasureReceipt:
    """The receipt in a verified note's `text`; it must be exactly `shown`, the file's copy."""
    header, _, body = text.partition("\n")
    if header != RECEIPT_FORMAT:
        raise ReceiptVerificationError(f"the signed text is not a {RECEIPT_FORMAT} receipt")
    try:
        signed = json.loads(body)
    except json.JSONDecodeError:
        raise ReceiptVerificationError("the signed text does not hold JSON") from None
    if not isinstance(signed, dict):
        raise ReceiptVerificationError("the signed text does not hold a receipt object")
    keys = signed.keys() | shown.keys()
    changed = sorted(key for key in keys if signed.get(key) != shown.get(key))
    if changed:
        raise ReceiptVerificationError(f"fields differ from what was signed: {', '.join(changed)}")
    try:
        return ErasureReceipt.model_validate(signed)
    except ValidationError:
        raise ReceiptVerificationError("the signed receipt is not a valid receipt") from None


def _canonical(document: dict[str, Any]) -> str:
    # ASCII only, so the note text never holds a character the note format refuses.
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
