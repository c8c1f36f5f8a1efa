"""Intake-shaped envelopes for policy tests, made with intake's own models and encrypted by the
same codec intake uses: if policy's read models drift from intake's, these tests fail."""

from typing import Any
from uuid import UUID

from pydantic import BaseModel

from services.intake.domain.consultation import Consultation
from services.intake.domain.contacts import ClosureRequest, Contact, FactCheck
from services.intake.domain.events import (
    CLOSURE_REQUESTED,
    CONSULTATION_RECEIVED,
    CONTACT_LOGGED,
    FACT_CHECKED,
    EventContract,
)
from shared.crypto.codec import FieldCodec
from shared.envelope import Envelope
from shared.ids import new_event_id

THREAT = "ふざけるな。殺すぞ。"
COMPLAINT = "ケトルの底から水が漏れます。納得できないので返金してください。"
OCCURRED = ("received_at", "occurred_at", "requested_at", "checked_at")


def consultation(body: str = COMPLAINT, **changes: Any) -> Consultation:
    document: dict[str, Any] = {
        "source": {"platform": "rest", "external_id": f"ext-{new_event_id().hex[:12]}"},
        "channel": "phone",
        "received_at": "2026-11-02T10:15:00+09:00",
        "customer": {
            "name": "山田 花子",
            "email": "hanako.yamada@example.jp",
            "phone": "090-2345-6789",
            "relationship": "purchaser",
        },
        "product": {"name": "電気ケトル", "price": {"amount": "4980", "currency": "JPY"}},
        "subject": "ケトルの水漏れ",
        "body": body,
        "demand": {"type": "refund", "amount": {"amount": "4980", "currency": "JPY"}},
        "language": "ja",
    }
    return Consultation.model_validate(document | changes)


def contact(body: str, at: str, **changes: Any) -> Contact:
    document = {"kind": "customer_contact", "channel": "phone", "occurred_at": at, "body": body}
    return Contact.model_validate(document | changes)


def fact_check(at: str, **findings: Any) -> FactCheck:
    document = {"checked_by": "agent-7", "checked_at": at, "note": "現物を確認しました。"}
    return FactCheck.model_validate(document | findings)


def closure(reason: str, at: str) -> ClosureRequest:
    return ClosureRequest.model_validate({"reason": reason, "requested_at": at})


async def sealed(
    codec: FieldCodec,
    model: BaseModel,
    *,
    case_id: str,
    subject_id: str | None,
    event_id: UUID | None = None,
) -> Envelope:
    """What intake publishes for `model`: personal fields as ciphertext bound to the event."""
    kind = _kind(model)
    event_id = event_id or new_event_id()
    payload = await codec.encrypt(model, case_id=case_id, event_id=event_id)
    return Envelope(
        event_id=event_id,
        type=kind.type,
        schema_version=kind.version,
        case_id=case_id,
        subject_id=subject_id,
        occurred_at=next(
            getattr(model, name) for name in OCCURRED if getattr(model, name, None) is not None
        ),
        producer="intake",
        correlation_id=str(event_id),
        payload=payload,
    )


def _kind(model: BaseModel) -> EventContract:
    kinds = {
        Consultation: CONSULTATION_RECEIVED,
        Contact: CONTACT_LOGGED,
        ClosureRequest: CLOSURE_REQUESTED,
        FactCheck: FACT_CHECKED,
    }
    return kinds[type(model)]
