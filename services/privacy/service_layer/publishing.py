"""Emitting privacy's events: publish first, then apply to the store at once.

The topic is the source of truth: if applying fails after publishing, the consumer applies
the event when it reads it back; if publishing fails, nothing changed and the caller retries.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from services.privacy.domain.events import PRODUCER, EventKind
from services.privacy.service_layer.ports import Clock, Publisher
from services.privacy.service_layer.projection import Projection
from shared.bus.envelopes import envelope_message
from shared.envelope import Envelope
from shared.ids import new_identifier


@dataclass(frozen=True, slots=True)
class Emission:
    """One event to emit. `case_id`: the case it is about, else the id of the hold, request
    or sweep."""

    payload: BaseModel
    case_id: str
    subject_id: str | None


class PrivacyEvents:
    def __init__(
        self, publisher: Publisher, projection: Projection, topic: str, clock: Clock
    ) -> None:
        self._publisher, self._projection = publisher, projection
        self._topic, self._clock = topic, clock

    async def emit(
        self,
        kind: EventKind,
        payload: BaseModel,
        *,
        case_id: str,
        subject_id: str | None,
        correlation_id: str | None,
    ) -> Envelope:
        """`case_id`: the case the event is about, else the id of the hold, request or sweep."""
        emission = Emission(payload, case_id, subject_id)
        [envelope] = await self.emit_all(kind, [emission], correlation_id=correlation_id)
        return envelope

    async def emit_all(
        self, kind: EventKind, emissions: Sequence[Emission], *, correlation_id: str | None
    ) -> list[Envelope]:
        """`emit` of several events: published concurrently, then applied in one transaction.

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
                occurred_at=self._clock(),
                producer=PRODUCER,
                correlation_id=correlation_id or new_identifier(),
                payload=emission.payload.model_dump(mode="json"),
            )
            for emission in emissions
        ]
        published = await asyncio.gather(
            *(self._publisher.publish(envelope_message(self._topic, e)) for e in envelopes),
            return_exceptions=True,
        )
        if failed := [outcome for outcome in published if isinstance(outcome, BaseException)]:
            raise failed[0]
        await self._projection.handle_own(envelopes)
        return envelopes
