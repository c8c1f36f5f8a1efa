"""Group commit for publishes: messages that arrive while a commit is under way share the next.

Each commit of the embedded log waits for an fsync (a few ms): one per publish made the
log's writer the queue that concurrent requests waited in. Publishes gathered into one
transaction keep their call order (so per-key order holds), and each call still returns
only once the transaction holding its message has committed.
"""

import asyncio
from dataclasses import dataclass, field

from shared.bus.embedded import log
from shared.bus.embedded.database import Database
from shared.bus.messages import OutgoingMessage


@dataclass(slots=True)
class _Waiting:
    message: OutgoingMessage
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupAppender:
    """Appends messages in call order, as many per transaction as have queued up."""

    def __init__(self, db: Database, signal: log.AppendSignal) -> None:
        self._db = db
        self._signal = signal
        self._queue: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def append(self, message: OutgoingMessage) -> None:
        """Returns once `message` is committed; raises what its transaction raised."""
        waiting = _Waiting(message)
        self._queue.append(waiting)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued())
        # A cancelled caller stops waiting; its message may still be committed, as before.
        await waiting.done

    async def drain(self) -> None:
        """Wait until every message queued so far is committed or has failed."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write_queued(self) -> None:
        batch: list[_Waiting] = []
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                error = await self._try(batch)
                if error is not None and len(batch) > 1:
                    # Nothing of the batch was committed: one message's fault (an undeclared
                    # topic) must not fail the others, so each is tried alone, still in order.
                    for waiting in batch:
                        _resolve([waiting], await self._try([waiting]))
                else:
                    _resolve(batch, error)
                self._signal.notify({waiting.message.topic for waiting in batch})
        finally:
            # Only if this task itself was cancelled (the loop is closing): nobody waits forever.
            for waiting in [*batch, *self._queue]:
                if not waiting.done.done():
                    waiting.done.cancel()

    async def _try(self, batch: list[_Waiting]) -> Exception | None:
        messages = [waiting.message for waiting in batch]
        try:
            await self._db.write(lambda conn: log.append(conn, messages, log.now_ms()))
        except Exception as error:  # noqa: BLE001 - handed to the callers that published
            return error
        return None


def _resolve(batch: list[_Waiting], error: Exception | None) -> None:
    for waiting in batch:
        if waiting.done.done():
            continue  # its caller was cancelled and no longer waits
        if error is None:
            waiting.done.set_result(None)
        else:
            waiting.done.set_exception(error)
