"""Appends events from concurrent callers in shared transactions (group commit), then checks
whether a checkpoint is due and acknowledges each case on `caselog.records`."""

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime

from services.records.domain.acknowledgements import acknowledgements
from services.records.domain.batches import MAX_BATCH_EVENTS
from services.records.domain.errors import InvalidEventError, RecordsError
from services.records.domain.events import Appended, ReceivedEvent
from services.records.domain.vocabulary import SUBJECT_ERASED
from services.records.service_layer.checkpoints import CheckpointIssuer
from services.records.service_layer.ports import EventStore, Publisher
from services.records.service_layer.recording import record_batch
from shared.bus.envelopes import envelope_message
from shared.envelope import Envelope, utc_now


@dataclasses.dataclass(frozen=True)
class _Waiting:
    event: ReceivedEvent
    done: "asyncio.Future[Appended]"


class Recorder:
    """The one way into the log: bus events and records' own (access) events alike.

    The bus hands its handler one message at a time, so a transaction holds what arrived while
    the previous one ran: the events of every consumer member and HTTP request at once. A
    caller returns only once its event is committed and acknowledged, so the bus commits its
    offset only then: at-least-once end to end, and redelivery finds the event stored.
    """

    def __init__(
        self,
        store: EventStore,
        issuer: CheckpointIssuer,
        publisher: Publisher,
        *,
        topic: str,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store, self._issuer, self._publisher = store, issuer, publisher
        self._topic, self._clock = topic, clock
        self._pending: list[_Waiting] = []
        self._lock = asyncio.Lock()

    async def record(self, event: ReceivedEvent) -> Appended:
        """Appends `event` (an id already stored keeps its place) and acknowledges its case."""
        waiting = _Waiting(event, asyncio.get_running_loop().create_future())
        self._pending.append(waiting)
        async with self._lock:
            # Whoever holds the lock appends everything pending, others' events included.
            while not waiting.done.done():
                batch = self._pending[:MAX_BATCH_EVENTS]
                del self._pending[: len(batch)]
                await self._flush(batch)
        return waiting.done.result()

    async def record_own(self, envelope: Envelope) -> Appended:
        """Appends an event records itself writes, then publishes it on the records topic.

        Keyed by its own id: the topic is compacted by key, and an access record must never be
        compacted away behind the case's next acknowledgement.
        """
        appended = await self.record(ReceivedEvent(envelope))
        message = envelope_message(self._topic, envelope)
        own_key = f"{envelope.type}:{envelope.event_id}".encode()
        await self._publisher.publish(dataclasses.replace(message, key=own_key))
        return appended

    async def _flush(self, batch: list[_Waiting]) -> None:
        try:
            appended = await self._append([waiting.event for waiting in batch])
        except InvalidEventError as error:
            if len(batch) == 1:
                _fail(batch, error)
                return
            for waiting in batch:  # one refused event must not fail the others with it
                await self._flush([waiting])
            return
        except Exception as error:  # noqa: BLE001 - every caller of the batch gets it back
            _fail(batch, error)
            return
        except BaseException:
            _fail(batch, RecordsError("the append was interrupted; nothing is known of it"))
            raise
        for waiting, where in zip(batch, appended, strict=True):
            waiting.done.set_result(where)

    async def _append(self, events: Sequence[ReceivedEvent]) -> tuple[Appended, ...]:
        recorded = await record_batch(events, self._store, self._issuer)
        checkpoint = recorded.checkpoint
        if checkpoint is None and any(e.envelope.type == SUBJECT_ERASED for e in events):
            # An erasure receipt cites the signed checkpoint that includes its own events:
            # sign one now rather than at the next scheduled one, so the receipt binds at once.
            checkpoint = await self._issuer.issue()
        checkpoint = checkpoint or await self._store.latest_checkpoint()
        size = await self._store.size()
        for ack in acknowledgements(
            events, recorded.appended, tree_size=size, checkpoint=checkpoint, now=self._clock()
        ):
            await self._publisher.publish(envelope_message(self._topic, ack))
        return recorded.appended


def _fail(batch: Sequence[_Waiting], error: BaseException) -> None:
    for waiting in batch:
        if not waiting.done.done():
            waiting.done.set_exception(error)
