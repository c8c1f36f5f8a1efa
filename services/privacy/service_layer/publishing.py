"""How a handler's decisions take effect: store changes applied in one unit of work, and
privacy's events published, then applied to the store at once.

The topic is the source of truth for privacy's events: if applying fails after publishing, the
consumer applies the event when it reads it back; if publishing fails, nothing changed and the
caller retries.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from services.privacy.domain.events import PRODUCER, EventKind
from services.privacy.service_layer.changes import Change
from services.privacy.service_layer.own_events import apply_own_events
from services.privacy.service_layer.ports import PrivacyDependencies
from shared.bus.envelopes import envelope_message
from shared.envelope import Envelope
from shared.ids import new_identifier


async def apply_changes(
    deps: PrivacyDependencies, event_id: str | None, changes: Sequence[Change]
) -> bool:
    """`changes` in one unit of work; with an `event_id` once only (False if seen before)."""
    async with deps.unit_of_work() as uow:
        applied = await uow.store.apply(event_id, changes)
        await uow.commit()
    return applied


@dataclass(frozen=True, slots=True)
class Emission:
    """One event to emit. `case_id`: the case it is about, else the id of the hold, request
    or sweep."""

    payload: BaseModel
    case_id: str
    subject_id: str | None


async def emit(
    deps: PrivacyDependencies,
    kind: EventKind,
    payload: BaseModel,
    *,
    case_id: str,
    subject_id: str | None,
    correlation_id: str | None,
) -> Envelope:
    """`case_id`: the case the event is about, else the id of the hold, request or sweep."""
    emission = Emission(payload, case_id, subject_id)
    [envelope] = await emit_all(deps, kind, [emission], correlation_id=correlation_id)
    return envelope


async def emit_all(
    deps: PrivacyDependencies,
    kind: EventKind,
    emissions: Sequence[Emission],
    *,
    correlation_id: str | None,
) -> list[Envelope]:
    """`emit` of several events: published concurrently, then applied in one unit of work.

    Concurrent publishing keeps the order that matters, per key (per case), as long as no
    two emissions share a case. Every publish is awaited before anything is applied, and
    the first failure is raised only once all have settled.
    """
    envelopes = [
        Envelope(
            type=kind.event_type,
            schema_version=kind.schema_version,
            case_id=emission.case_id,
            subject_id=emission.subject_id,
            occurred_at=deps.clock(),
            producer=PRODUCER,
            correlation_id=correlation_id or new_identifier(),
            payload=emission.payload.model_dump(mode="json"),
        )
        for emission in emissions
    ]
    published = await asyncio.gather(
        *(deps.publisher.publish(envelope_message(deps.privacy_topic, e)) for e in envelopes),
        return_exceptions=True,
    )
    if failed := [outcome for outcome in published if isinstance(outcome, BaseException)]:
        raise failed[0]
    await apply_own_events(deps, envelopes)
    return envelopes
