"""Handlers of the events of an open case: contacts, follow-ups, closure, recordings."""

from datetime import datetime

from pydantic import BaseModel

from services.intake.domain.errors import CaseNotFoundError, TicketNotFoundError
from services.intake.domain.events import (
    CLOSURE_REQUESTED,
    CONTACT_LOGGED,
    RECORDING_ATTACHED,
    EventKind,
)
from services.intake.service_layer.commands import (
    Accepted,
    CaseCommand,
    LogContact,
    LogPlatformFollowUp,
    RequestClosure,
)
from services.intake.service_layer.dependencies import IntakeDependencies
from services.intake.service_layer.event_messages import event_message, ticket_key
from services.intake.service_layer.ports import CaseRef, PendingMessage
from shared.envelope import utc_now
from shared.ids import new_event_id


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
    message = event_message(deps, case, kind, payload, event_id, occurred_at, correlation_id)
    key = key or f"event:{event_id}"
    stored = await deps.ledger.record(key, Accepted(case.case_id, str(event_id)), message, None)
    if not stored.duplicate:
        await deps.relay.publish_now(PendingMessage(key, message))
    return stored
