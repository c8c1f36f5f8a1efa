"""Publishes what the ledger recorded: at once after a write, and again for anything left over."""

import asyncio
import contextlib

import structlog

from services.intake.service_layer.ports import PendingMessage, Publisher
from services.intake.service_layer.unit_of_work import IntakeStores
from shared.errors import CaselogError

log = structlog.get_logger(__name__)


class OutboxRelay:
    """At-least-once delivery from the ledger to the bus; consumers dedupe by `event_id`.

    Fresh messages are published concurrently (the bus keeps the order of its calls per
    key) and marked published in batches, off the request's path: a crash before the mark
    only means the drain publishes them again. The drain skips what this process has in
    hand, so under load it does not republish every fresh message a second time, and it
    too has many in flight: one ordered chain per message key, the chains side by side.
    """

    def __init__(self, stores: IntakeStores, publisher: Publisher, batch_size: int = 100) -> None:
        self._stores = stores
        self._publisher = publisher
        self._batch_size = batch_size
        self._lock = asyncio.Lock()  # one drain at a time keeps per-key order
        self._in_hand: set[str] = set()  # being published, or published and not yet marked
        self._to_mark: list[str] = []
        self._marking: asyncio.Task[None] | None = None

    async def publish_now(self, pending: PendingMessage) -> None:
        """Try to publish one fresh message; on failure it stays pending for `drain`."""
        self._in_hand.add(pending.key)  # from here on, a drain leaves it to us
        if self._lock.locked():
            # A drain is publishing older messages, perhaps of the same key: after it.
            async with self._lock:
                pass
        try:
            await self._publisher.publish(pending.message)
        except CaselogError as error:
            self._in_hand.discard(pending.key)
            log.warning("publish deferred", key_kind=pending.key.split(":", 1)[0], error=str(error))
            return
        self._to_mark.append(pending.key)
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._mark())

    async def drain(self) -> int:
        """Publish every pending message, oldest first; returns how many were published."""
        published = 0
        async with self._lock:
            while batch := await self._pending():
                batch = [item for item in batch if item.key not in self._in_hand]
                if not batch:
                    break  # all in hand: marked soon, and what is older comes next time
                published += await self._publish_in_flight(batch)
        return published

    async def flush(self) -> None:
        """Wait until everything published so far is marked so in the ledger."""
        while self._marking is not None and not self._marking.done():
            await asyncio.shield(self._marking)
        if self._to_mark:
            await self._mark()

    async def run(self, interval_s: float, stop: asyncio.Event) -> None:
        """Drain every `interval_s` until `stop` is set (the ledger's safety net)."""
        try:
            while not stop.is_set():
                try:
                    await self.drain()
                except CaselogError as error:
                    log.warning("outbox drain failed; will retry", error=str(error))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval_s)
        finally:
            await self.flush()

    async def _mark(self) -> None:
        # One UPDATE (one commit) for every message published meanwhile.
        while self._to_mark:
            keys, self._to_mark = self._to_mark, []
            try:
                await self._mark_published(keys)
            except Exception as error:  # noqa: BLE001 - unmarked is safe: republished later
                log.warning("marking published failed; will republish", error=type(error).__name__)
            finally:
                self._in_hand.difference_update(keys)

    async def _publish_in_flight(self, batch: list[PendingMessage]) -> int:
        """Publishes the batch with many messages in flight: one chain per message key (the
        bus keeps a key's order on its partition only if the next is sent after the last was
        acknowledged), the chains side by side. A chain stops at its first failure, so nothing
        of that key overtakes it; what was acknowledged is marked, then the failure raised."""
        chains: dict[tuple[str, bytes], list[PendingMessage]] = {}
        for item in batch:
            key = item.message.key
            # A message without a key has no order to keep: a chain of its own.
            chain = (item.message.topic, key) if key is not None else ("", item.key.encode())
            chains.setdefault(chain, []).append(item)
        acknowledged: list[str] = []

        async def in_order(chain: list[PendingMessage]) -> None:
            for item in chain:
                await self._publisher.publish(item.message)
                acknowledged.append(item.key)

        outcomes = await asyncio.gather(
            *(in_order(chain) for chain in chains.values()), return_exceptions=True
        )
        if acknowledged:
            await self._mark_published(acknowledged)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return len(acknowledged)

    async def _pending(self) -> list[PendingMessage]:
        async with self._stores.ledger_work() as uow:
            return await uow.ledger.pending(self._batch_size)

    async def _mark_published(self, keys: list[str]) -> None:
        async with self._stores.ledger_work() as uow:
            await uow.ledger.mark_published(keys)
            await uow.commit()
