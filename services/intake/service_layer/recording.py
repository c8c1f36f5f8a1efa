"""How intake records one event on a case: once per its own key or the command's
Idempotency-Key, encrypted with the case's key, in the ledger's unit of work, then published
through the outbox. The handlers of `handlers.py` say which event; this says how it is kept.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from services.intake.domain.client_times import ClientTimeRules
from services.intake.domain.errors import CaseNotFoundError
from services.intake.domain.events import EventContract
from services.intake.domain.idempotency import request_key
from services.intake.service_layer.messages import Accepted, CaseCommand
from services.intake.service_layer.outbox import OutboxRelay
from services.intake.service_layer.ports import (
    CachedKeys,
    CaseRef,
    DeadLetterKeys,
    FieldEncryptor,
    PendingMessage,
    RequestDigests,
)
from services.intake.service_layer.unit_of_work import CaseOpenings, IntakeStores
from shared.bus.envelopes import envelope_message
from shared.bus.messages import OutgoingMessage
from shared.contracts.registry import CONTRACTS
from shared.envelope import Envelope, utc_now
from shared.ids import new_event_id


@dataclass(frozen=True, slots=True)
class IntakeDependencies:
    """What `bootstrap` gives every handler."""

    stores: IntakeStores
    openings: CaseOpenings
    encryptor: FieldEncryptor
    request_digests: RequestDigests
    relay: OutboxRelay
    topic: str
    client_times: ClientTimeRules
    cached_keys: CachedKeys
    dead_letters: DeadLetterKeys
    clock: Callable[[], datetime] = utc_now


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One event a handler records on a case, with the client-given times to check."""

    kind: EventContract
    model: BaseModel
    occurred_at: datetime
    client_times: Sequence[tuple[str, datetime | None]]
    own_key: str | None = None  # a key the event carries itself (a platform's contact id)
    # What an Idempotency-Key's body digest is taken of, when the event adds what the server
    # decided anew on each try (a time): the caller's own request.
    request: BaseModel | None = None


async def record_on_case(
    command: CaseCommand,
    command_name: str,
    event_of: Callable[[], CaseEvent],
    deps: IntakeDependencies,
) -> Accepted:
    """Records the event once per its own key or the command's Idempotency-Key.

    The case comes first: a key on an unknown case is a 404, never someone else's answer;
    then the event is built (which may refuse the body) and its times checked.
    """
    async with deps.stores.ledger_work() as uow:
        case = await uow.ledger.case(command.case_id)
        if case is None:
            raise CaseNotFoundError()
        event = event_of()
        deps.client_times.check(event.client_times, now=deps.clock(), opened_at=case.received_at)
        key, digest = event.own_key, None
        if command.idempotency_key is not None:
            key = key or request_key(
                command.caller, command_name, case.case_id, command.idempotency_key
            )
            digest = await deps.request_digests.digest(case.case_id, event.request or event.model)
        if key is not None and (found := await uow.ledger.find(key, digest)) is not None:
            return found
        event_id = new_event_id()
        payload = await deps.encryptor.encrypt(event.model, case_id=case.case_id, event_id=event_id)
        message = event_message(
            deps, case, event.kind, payload, event_id, event.occurred_at, command.correlation_id
        )
        key = key or f"event:{event_id}"
        stored = await uow.ledger.record(
            key, Accepted(case.case_id, str(event_id)), message, None, digest
        )
        if stored.duplicate:
            return stored
        await uow.commit()
    await deps.relay.publish_now(PendingMessage(key, message))
    return stored


def event_message(
    deps: IntakeDependencies,
    case: CaseRef,
    kind: EventContract,
    payload: dict[str, Any],
    event_id: UUID,
    occurred_at: datetime,
    correlation_id: str | None,
) -> OutgoingMessage:
    kind = CONTRACTS.declared(kind)  # no type or version leaves without a contract
    envelope = Envelope(
        event_id=event_id,
        type=kind.type,
        schema_version=kind.version,
        case_id=case.case_id,
        subject_id=case.subject_id,
        occurred_at=occurred_at,
        producer=kind.producer,
        correlation_id=correlation_id or str(event_id),
        payload=payload,
    )
    return envelope_message(deps.topic, envelope)
