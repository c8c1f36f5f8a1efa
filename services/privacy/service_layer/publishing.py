"""Emitting privacy's events: publish first, then apply to the store at once.

The topic is the source of truth: if applying fails after publishing, the consumer applies
the event when it reads it back; if publishing fails, nothing changed and the caller retries.
"""

from pydantic import BaseModel

from services.privacy.domain.events import PRODUCER, EventKind
from services.privacy.service_layer.ports import Clock, Publisher
from services.privacy.service_layer.projection import Projection
from shared.bus.envelopes import envelope_message
from shared.envelope import Envelope
from shared.ids import new_identifier


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
        envelope = Envelope(
            type=kind.event_type,
            schema_version=kind.schema_version,
            case_id=case_id,
            subject_id=subject_id,
            occurred_at=self._clock(),
            producer=PRODUCER,
            correlation_id=correlation_id or new_identifier(),
            payload=payload.model_dump(mode="json"),
        )
        await self._publisher.publish(envelope_message(self._topic, envelope))
        await self._projection.handle(self._topic, envelope)
        return envelope
