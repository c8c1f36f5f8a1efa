"""Handlers of the events of an open case: contacts, follow-ups, closure, recordings."""

import hashlib
import json
from datetime import datetime

from pydantic import BaseModel

from services.intake.domain.consultation import claimed_by
from services.intake.domain.contacts import Contact
from services.intake.domain.errors import CaseNotFoundError, TicketNotFoundError
from services.intake.domain.events import (
    CLOSURE_REQUESTED,
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
    RequestClosure,
)
from services.intake.service_layer.dependencies import IntakeDependencies
from services.intake.service_layer.event_messages import contact_key, event_message
from services.intake.service_layer.ports import CaseRef, PendingMessage
from shared.envelope import utc_now
from shared.ids import new_event_id

_COMMAND_NAMES: dict[type, str] = {
    LogContact: "contact",
    RequestClosure: "close",
    AttachRecording: "recording",
}


async def record_case_event(
    command: CaseCommand, deps: IntakeDependencies, correlation_id: str | None
) -> Accepted:
    """Records the event once per idempotency key (or platform contact id).

    The case comes first: a key on an unknown case is a 404, never someone else's answer.
    Keys are scoped by (caller, command, case); one reused with another body is refused.
    """
    case = await deps.ledger.case(command.case_id)
    if case is None:
        raise CaseNotFoundError()
    kind, model, occurred_at, times = _case_event(command)
    deps.client_times.check(times, now=utc_now(), opened_at=case.received_at)
    key, digest = _idempotency(command, model, case), None
    if command.idempotency_key is not None:
        digest = await deps.request_digests.digest(case.case_id, model)
    if key is not None and (found := await deps.ledger.find(key, digest)) is not None:
        return found
    return await _record(deps, key, digest, case, kind, model, occurred_at, correlation_id)


async def log_platform_follow_up(
    command: LogPlatformFollowUp, deps: IntakeDependencies, correlation_id: str | None
) -> Accepted:
    follow_up = command.follow_up
    case = await deps.ledger.case_for_ticket(follow_up.platform, follow_up.ticket_id)
    if case is None:
        raise TicketNotFoundError(follow_up.platform)
    contact = LogContact(case.case_id, follow_up.contact, follow_up.platform)
    return await record_case_event(contact, deps, correlation_id)


def request_key(caller: str | None, command: str, case_id: str, idempotency_key: str) -> str:
    """The ledger key of an Idempotency-Key: the same key from another caller, for another
    command or on another case is another request. Hashed: the parts are any printable text
    and together longer than the column."""
    scope = json.dumps([caller, command, case_id, idempotency_key])
    return "request:" + hashlib.sha256(scope.encode()).hexdigest()


def _idempotency(command: CaseCommand, model: BaseModel, case: CaseRef) -> str | None:
    if isinstance(model, Contact) and model.source is not None:
        # A platform's own contact id is idempotent by itself, whoever retries it.
        return contact_key(model.source.platform or "", case.case_id, model.source.external_id)
    if command.idempotency_key is None:
        return None
    name = _COMMAND_NAMES[type(command)]
    return request_key(command.caller, name, case.case_id, command.idempotency_key)


def _case_event(
    command: CaseCommand,
) -> tuple[EventKind, BaseModel, datetime, list[tuple[str, datetime | None]]]:
    if isinstance(command, LogContact):
        contact = command.contact
        if contact.source is not None:
            source = claimed_by(contact.source, command.platform)
            contact = contact.model_copy(update={"source": source})
        return CONTACT_LOGGED, contact, contact.occurred_at, [("occurred_at", contact.occurred_at)]
    if isinstance(command, RequestClosure):
        requested = command.request.requested_at
        return CLOSURE_REQUESTED, command.request, requested, [("requested_at", requested)]
    recorded = command.recording.recorded_at
    return RECORDING_ATTACHED, command.recording, recorded or utc_now(), [("recorded_at", recorded)]


async def _record(
    deps: IntakeDependencies,
    key: str | None,
    digest: bytes | None,
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
    accepted = Accepted(case.case_id, str(event_id))
    stored = await deps.ledger.record(key, accepted, message, None, digest)
    if not stored.duplicate:
        await deps.relay.publish_now(PendingMessage(key, message))
    return stored
