"""Group commit: events from concurrent callers appended in shared transactions.

A transaction holds what arrived while the previous one ran: the batches of every consumer
member and the events of HTTP requests at once. A caller returns only once its events are
committed and acknowledged, so the bus commits their offsets only then: at-least-once end to
end, and redelivery finds the events stored.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from services.records.domain.errors import InvalidEventError, RecordsError
from services.records.domain.events import MAX_BATCH_EVENTS, Appended, ReceivedEvent

AppendAll = Callable[[Sequence[ReceivedEvent]], Awaitable[tuple[Appended, ...]]]
"""Appends a batch in one transaction, all or nothing: one result per event, in order."""


@dataclass(frozen=True, slots=True)
class _Waiting:
    event: ReceivedEvent
    done: "asyncio.Future[Appended]"


class GroupCommit:
    """The events waiting for a transaction, and the lock of the one running."""

    def __init__(self) -> None:
        self._pending: list[_Waiting] = []
        self._lock = asyncio.Lock()

    async def submit(self, event: ReceivedEvent, append_all: AppendAll) -> Appended:
        """Where `event` is once appended, with whatever else is pending, by `append_all`."""
        (where,) = await self.submit_many([event], append_all)
        return where

    async def submit_many(
        self, events: Sequence[ReceivedEvent], append_all: AppendAll
    ) -> tuple[Appended, ...]:
        """Where each of `events` is once appended (in their order, with whatever else is
        pending); raises the error of the first that could not be, once all were tried."""
        loop = asyncio.get_running_loop()
        waiting = [_Waiting(event, loop.create_future()) for event in events]
        self._pending.extend(waiting)
        async with self._lock:
            # Whoever holds the lock appends everything pending, others' events included.
            while not all(mine.done.done() for mine in waiting):
                batch = self._pending[:MAX_BATCH_EVENTS]
                del self._pending[: len(batch)]
                await _flush(batch, append_all)
        failed = [error for mine in waiting if (error := mine.done.exception()) is not None]
        if failed:
            raise failed[0]
        return tuple(mine.done.result() for mine in waiting)


async def _flush(batch: list[_Waiting], append_all: AppendAll) -> None:
    try:
        appended = await append_all([waiting.event for waiting in batch])
    except InvalidEventError as error:
        if len(batch) == 1:
            _fail(batch, error)
            return
        for waiting in batch:  # one refused event must not fail the others with it
            await _flush([waiting], append_all)
        return
    except Exception as error:  # noqa: BLE001 - every caller of the batch gets it back
        _fail(batch, error)
        return
    except BaseException:
        _fail(batch, RecordsError("the append was interrupted; nothing is known of it"))
        raise
    for waiting, where in zip(batch, appended, strict=True):
        waiting.done.set_result(where)


def _fail(batch: Sequence[_Waiting], error: BaseException) -> None:
    for waiting in batch:
        if not waiting.done.done():
            waiting.done.set_exception(error)
