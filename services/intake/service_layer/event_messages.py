"""What intake's handlers share: a ticket's idempotency key, and an event's outgoing message."""

from datetime import datetime
from typing import Any
from uuid import UUID

from services.intake.domain.events import EventKind
from services.intake.service_layer.dependencies import IntakeDependencies
from services.intake.service_layer.ports import CaseRef
from shared.bus.envelopes import envelope_message
from shared.bus.messages import OutgoingMessage
from shared.envelope import Envelope

PRODUCER = "intake"


def ticket_key(platform: str, external_id: str) -> str:
    """The idempotency key of a platform's ticket or conversation (a consultation)."""
    return f"source:{platform}:{external_id}"


def contact_key(platform: str, case_id: str, external_id: str) -> str:
    """The idempotency key of a platform's comment or message on a case: apart from the
    tickets' keys, so a contact's id can never stand for a consultation (or the reverse)."""
    return f"contact:{platform}:{case_id}:{external_id}"


def event_message(
    deps: IntakeDependencies,
    case: CaseRef,
    kind: EventKind,
    payload: dict[str, Any],
    event_id: UUID,
    occurred_at: datetime,
    correlation_id: str | None,
) -> OutgoingMessage:
    envelope = Envelope(
        event_id=event_id,
        type=kind.event_type,
        schema_version=kind.schema_version,
        case_id=case.case_id,
        subject_id=case.subject_id,
        occurred_at=occurred_at,
        producer=PRODUCER,
        correlation_id=correlation_id or str(event_id),
        payload=payload,
    )
    return envelope_message(deps.topic, envelope)
