"""The completion statement: signed when a key epoch closes, it names the erasure receipts whose
residual copies became unreadable then, and the epoch KEK that was destroyed.

A receipt is complete once a statement for its epoch (or a later one: each close destroys the
KEK that wraps every older copy too) names it; `caselog verify-receipt` checks both offline.
"""

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from services.privacy.domain.errors import ReceiptVerificationError
from services.privacy.domain.receipt import ErasureReceipt, document_from_text, document_text
from services.privacy.domain.requests import RequestStatus

CompletionFormat = Literal["caselog.privacy/erasure-completion/v1"]
COMPLETION_FORMAT: CompletionFormat = "caselog.privacy/erasure-completion/v1"


class ErasureState(StrEnum):
    PENDING = "pending"  # live keys destroyed; residual copies readable until the epoch closes
    COMPLETE = "complete"  # the epoch closed: no copy of the destroyed keys can be unwrapped


class CompletedReceipt(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str
    epoch: int  # the epoch the receipt named


class CompletionStatement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

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
