"""Intake's handlers: record an event for a command, once, encrypted, then publish it."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from services.intake.domain.errors import CaseNotFoundError, TicketNotFoundError
from services.intake.domain.events import (
    CLOSURE_REQUESTED,
    CONSULTATION_RECEIVED,
    CONTACT_LOGGED,
    RECORDING_ATTACHED,
    EventKind,
)
from services.intake.service_layer.commands import (
    Accepted,
    AttachRecording,
    CaseCommand,
    LogContact,
    LogPlatformFollowUp,
    RecordConsultation,
    RequestClosure,
)
from services.intake.service_layer.outbox import OutboxRelay
from services.intake.service_layer.ports import (
    CaseOpener,
    CaseRef,
    FieldEncryptor,
    Ledger,
    PendingMessage,
)
from shared.bus.envelopes import envelope_message
from shared.bus.messages import OutgoingMessage
from shared.envelope import Envelope, utc_now
from shared.ids import new_event_id, new_identifier

PRODUCER = "intake"


@dataclass(frozen=True, slots=True)
class IntakeDependencies:
    ledger: Ledger
    encryptor: FieldEncryptor
    cases: CaseOpener
    relay: OutboxRelay
    topic: str


def ticket_key(platform: str, external_id: str) -> str:
    """The idempotency key of a platform's ticket, conversation or message."""
    return f"source:{platform}:{external_id}"


async def record_consultation(
    command: RecordConsultation, deps: IntakeDependencies, correlation_id: str | None
) -> Accepted:
    """Opens the case and records its first event, or answers as the first time.

    The ledger write (whose insert claims the ticket) stays open around the key-store
    transaction that makes the case's subject links and data key: a repeat of a recorded
    ticket, even one racing it, rolls that back, so no key is left for a case never kept.
    The key store commits before the ledger, so every recorded event has its key.
    """
    consultation = command.consultation
    source = consultation.source
    key = ticket_key(source.platform, source.external_id)
    case_id, event_id = new_identifier(), new_event_id()
    try:
        async with (
            deps.ledger.writing() as ledger,
            deps.cases.opening(case_id, consultation.customer) as opened,
        ):
            case = CaseRef(case_id, opened.subject_id, source.platform, source.external_id)
            payload = deps.encryptor.encrypt_with(
                consultation, opened.key, case_id=case_id, event_id=event_id
            )
            message = _message(
                deps,
                case,
                CONSULTATION_RECEIVED,
                payload,
                event_id,
                consultation.received_at,
                correlation_id,
            )
            stored = await ledger.record(key, Accepted(case_id, str(event_id)), message, case)
            if stored.duplicate:
                raise _AlreadyRecorded(stored)
    except _AlreadyRecorded as recorded:
        return recorded.answer
    await deps.relay.publish_now(PendingMessage(key, message))
    return stored


class _AlreadyRecorded(Exception):  # noqa: N818 - control flow: rolls back both transactions
    def __init__(self, answer: Accepted) -> None:
        self.answer = answer


async def record_case_event(
    command: CaseCommand, deps: IntakeDependencies, correlation_id: str | None
) -> Accepted:
    kind, model, occurred_at, source_key = _case_event(command)
    key = source_key or (f"request:{command.idempotency_key}" if command.idempotency_key else None)
    if key is not None and (found := await deps.ledger.find(key)) is not None:
        return found
    case = await deps.ledger.case(command.case_id)
    if case is None:
        raise CaseNotFoundError(command.case_id)
    return await _record(deps, key, case, kind, model, occurred_at, correlation_id)


async def log_platform_follow_up(
    command: LogPlatformFollowUp, deps: IntakeDependencies, correlation_id: str | None
) -> Accepted:
    follow_up = command.follow_up
    case = await deps.ledger.case_for_ticket(follow_up.platform, follow_up.ticket_id)
    if case is None:
        raise TicketNotFoundError(follow_up.platform, follow_up.ticket_id)
    return await record_case_event(
        LogContact(case.case_id, follow_up.contact), deps, correlation_id
    )


def _case_event(command: CaseCommand) -> tuple[EventKind, BaseModel, datetime, str | None]:
    if isinstance(command, LogContact):
        source = command.contact.source
        key = ticket_key(source.platform, source.external_id) if source else None
        return CONTACT_LOGGED, command.contact, command.contact.occurred_at, key
    if isinstance(command, RequestClosure):
        return CLOSURE_REQUESTED, command.request, command.request.requested_at, None
    occurred = command.recording.recorded_at or utc_now()
    return RECORDING_ATTACHED, command.recording, occurred, None


async def _record(
    deps: IntakeDependencies,
    key: str | None,
    case: CaseRef,
    kind: EventKind,
    model: BaseModel,
    occurred_at: datetime,
    correlation_id: str | None,
) -> Accepted:
    event_id = new_event_id()
    payload = await deps.encryptor.encrypt(model, case_id=case.case_id, event_id=event_id)
    message = _message(deps, case, kind, payload, event_id, occurred_at, correlation_id)
    key = key or f"event:{event_id}"
    stored = await deps.ledger.record(key, Accepted(case.case_id, str(event_id)), message, None)
    if not stored.duplicate:
        await deps.relay.publish_now(PendingMessage(key, message))
    return stored


def _message(
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


Handler = Callable[..., Awaitable[Accepted]]
HANDLERS: dict[type, Handler] = {
    RecordConsultation: record_consultation,
    LogContact: record_case_event,
    RequestClosure: record_case_event,
    AttachRecording: record_case_event,
    LogPlatformFollowUp: log_platform_follow_up,
}
