"""The anonymized copy of a case as business users get it: no identity, scrubbed text, months
instead of dates. It carries a random copy id, not the case id."""

import hashlib
import json
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from services.privacy.domain.views import MoneyView


class _Copied(BaseModel):
    model_config = ConfigDict(frozen=True)


class CopiedProduct(_Copied):
    sku: str | None = None
    name: str | None = None
    price: MoneyView | None = None
    purchase_month: str | None = None


class CopiedDemand(_Copied):
    type: str
    amount: MoneyView | None = None
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


def month(moment: date | datetime | None) -> str | None:
    """`2026-11`: in the moment's own time zone, the month the people involved saw."""
    return None if moment is None else f"{moment.year:04d}-{moment.month:02d}"


def copy_digest(copy: AnonymizedCopy) -> str:
    """SHA-256 (hex) of the copy as canonical JSON (sorted keys, no spaces, UTF-8): what the
    permanent log keeps instead of the copy, so it proves what was handed out without holding it."""
    document = json.dumps(
        copy.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(document.encode()).hexdigest()
