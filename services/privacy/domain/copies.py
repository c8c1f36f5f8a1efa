"""An anonymized copy of a case for business use, and how it is made: identity dropped, free text
scrubbed, dates coarsened; its digest is what the log keeps."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.privacy.domain.scrubber import OwnValues, Scrub
from services.privacy.domain.views import (
    ClosureView,
    ConsultationView,
    ContactView,
    DecisionView,
    RecordingView,
)
from shared.contracts.privacy import (
    AnonymizedCopy,
    CopiedContact,
    CopiedDecision,
    CopiedDemand,
    CopiedProduct,
    copy_digest,
)

__all__ = [
    "AnonymizedCopy",
    "CaseContent",
    "CopiedContact",
    "CopiedDecision",
    "CopiedDemand",
    "CopiedProduct",
    "Decided",
    "anonymized_copy",
    "copy_digest",
    "month",
]


def month(moment: date | datetime | None) -> str | None:
    """`2026-11`: in the moment's own time zone, the month the people involved saw."""
    return None if moment is None else f"{moment.year:04d}-{moment.month:02d}"


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
            names=(customer.name,) if customer.name else (),
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
