"""Group commit: events from concurrent callers appended in shared transactions.

The bus hands its handler one message at a time, so a transaction holds what arrived while the
previous one ran: the events of every consumer member and HTTP request at once. A caller
returns only once its event is committed and acknowledged, so the bus commits its offset only
then: at-least-once end to end, and redelivery finds the event stored.
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
        waiting = _Waiting(event, asyncio.get_running_loop().create_future())
        self._pending.append(waiting)
        async with self._lock:
            # Whoever holds the lock appends everything pending, others' events included.
            while not waiting.done.done():
                batch = self._pending[:MAX_BATCH_EVENTS]
                del self._pending[: len(batch)]
                await _flush(batch, append_all)
        return waiting.done.result()


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
