"""Test support: a case's events as intake and policy publish them, personal fields encrypted
with the records app's own key store (intake's models are the source of truth for the shape)."""

from datetime import datetime
from typing import Any
from uuid import uuid4

from services.intake.domain.consultation import Consultation
from services.intake.domain.contacts import Contact
from shared.crypto.codec import FieldCodec
from shared.envelope import Envelope
from shared.ids import new_event_id

NAME, EMAIL, PHONE = "山田 花子", "hanako.yamada@example.jp", "090-2345-6789"
BODY = "底から水が漏れます。交換をお願いします。"


def new_case() -> tuple[str, str]:
    """A fresh case id and subject id."""
    return f"case-{uuid4().hex[:12]}", f"subject-{uuid4().hex[:12]}"


def envelope(
    event_type: str,
    case: tuple[str, str],
    payload: dict[str, Any],
    occurred_at: datetime,
    recorded_at: datetime,
    producer: str = "intake",
    event_id: Any = None,
) -> Envelope:
    return Envelope(
        event_id=event_id or new_event_id(),
        type=event_type,
        schema_version=1,
        case_id=case[0],
        subject_id=case[1],
        occurred_at=occurred_at,
        recorded_at=recorded_at,
        producer=producer,
        correlation_id=f"corr-{case[0]}",
        payload=payload,
    )


async def consultation(
    codec: FieldCodec, case: tuple[str, str], occurred_at: datetime, recorded_at: datetime
) -> Envelope:
    model = Consultation.model_validate(
        {
            "source": {"platform": "rest", "external_id": case[0]},
            "channel": "phone",
            "received_at": occurred_at.isoformat(),
            "customer": {"name": NAME, "email": EMAIL, "phone": PHONE, "relationship": "purchaser"},
            "subject": "ケトルの水漏れ",
            "body": BODY,
            "demand": {"type": "exchange", "details": "新品と交換してほしい"},
        }
    )
    event_id = new_event_id()
    payload = await codec.encrypt(model, case_id=case[0], event_id=event_id)
    return envelope(
        "consultation.received", case, payload, occurred_at, recorded_at, event_id=event_id
    )


async def contact(
    codec: FieldCodec,
    case: tuple[str, str],
    body: str,
    occurred_at: datetime,
    recorded_at: datetime,
    *,
    final_answer: bool = False,
) -> Envelope:
    kind = "agent_response" if final_answer else "customer_contact"
    model = Contact.model_validate(
        {
            "kind": kind,
            "channel": "phone",
            "occurred_at": occurred_at.isoformat(),
            "body": body,
            "final_answer": final_answer,
        }
    )
    event_id = new_event_id()
    payload = await codec.encrypt(model, case_id=case[0], event_id=event_id)
    return envelope("contact.logged", case, payload, occurred_at, recorded_at, event_id=event_id)


def decision(
    case: tuple[str, str],
    event_type: str,
    outcome: str,
    rules: list[str],
    occurred_at: datetime,
    recorded_at: datetime,
) -> Envelope:
    reasons = [{"rule": rule, "article": "art. 4", "outcome": outcome} for rule in rules]
    payload = {"outcome": outcome, "reasons": reasons, "actions": [], "policy_version": "pv-1"}
    return envelope(event_type, case, payload, occurred_at, recorded_at, producer="policy")
