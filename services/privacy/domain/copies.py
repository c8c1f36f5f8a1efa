"""An anonymized copy of a case for business use, and how it is made: identity dropped, free text
scrubbed, dates coarsened; its digest is what the log keeps."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from services.privacy.domain.scrubber import OwnValues, Scrub
from services.privacy.domain.views import (
    ClosureView,
    ConsultationView,
    ContactView,
    DecisionView,
    MoneyView,
    RecordingView,
)


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


@dataclass(frozen=True, slots=True)
class Decided:
    event_type: str
    occurred_at: datetime
    decision: DecisionView


@dataclass(frozen=True, slots=True)
class CaseContent:
    """A case's events, decrypted, in the order they happened."""

    case_id: str
    consultation: ConsultationView | None
    contacts: Sequence[ContactView] = ()
    closures: Sequence[ClosureView] = ()
    recordings: Sequence[RecordingView] = ()
    decisions: Sequence[Decided] = ()

    def own_values(self) -> OwnValues:
        if self.consultation is None:
            return OwnValues()
        customer = self.consultation.customer
        return OwnValues(
            names=(customer.name,),
            emails=(customer.email,) if customer.email else (),
            phones=(customer.phone,) if customer.phone else (),
        )


def anonymized_copy(
    content: CaseContent,
    scrub: Scrub,
    *,
    copy_id: str,
    closed_at: datetime | None,
    closure_reason: str | None,
    anonymized_at: datetime,
) -> AnonymizedCopy:
    consultation = content.consultation
    fields: dict[str, object] = {}
    if consultation is not None:
        product, demand, call = consultation.product, consultation.demand, consultation.call
        fields = {
            "platform": consultation.source.platform if consultation.source else None,
            "channel": consultation.channel,
            "language": consultation.language,
            "relationship": consultation.customer.relationship,
            "received_month": month(consultation.received_at),
            "subject": scrub(consultation.subject),
            "body": scrub(consultation.body),
            "product": None
            if product is None
            else CopiedProduct(
                sku=product.sku,
                name=product.name,
                price=product.price,
                purchase_month=month(product.purchase_date),
            ),
            "demand": None
            if demand is None
            else CopiedDemand(
                type=demand.type,
                amount=demand.amount,
                details=scrub(demand.details) if demand.details else None,
            ),
            "call_duration_seconds": call.duration_seconds if call else None,
            "call_recorded": bool(call and call.recorded),
        }
    return AnonymizedCopy.model_validate(
        {
            **fields,
            "copy_id": copy_id,
            "anonymized_month": month(anonymized_at),
            "closed_month": month(closed_at),
            "closure_reason": closure_reason,
            "closure_notes": tuple(scrub(c.note) for c in content.closures if c.note),
            "recordings": len(content.recordings),
            "contacts": tuple(_contact(contact, scrub) for contact in content.contacts),
            "decisions": tuple(_decision(decided) for decided in content.decisions),
        }
    )


def _contact(contact: ContactView, scrub: Scrub) -> CopiedContact:
    return CopiedContact(
        kind=contact.kind,
        channel=contact.channel,
        month=month(contact.occurred_at) or "",
        body=scrub(contact.body),
        final_answer=contact.final_answer,
        duration_seconds=contact.duration_seconds,
    )


def _decision(decided: Decided) -> CopiedDecision:
    return CopiedDecision(
        type=decided.event_type,
        month=month(decided.occurred_at) or "",
        outcome=decided.decision.outcome,
        rules=decided.decision.rules(),
        actions=decided.decision.actions,
    )
