"""Publishes what the ledger recorded: at once after a write, and again for anything left over."""

import asyncio
import contextlib

import structlog

from services.intake.service_layer.ports import Ledger, PendingMessage, Publisher
from shared.errors import CaselogError

log = structlog.get_logger(__name__)


class OutboxRelay:
    """At-least-once delivery from the ledger to the bus; consumers dedupe by `event_id`."""

    def __init__(self, ledger: Ledger, publisher: Publisher, batch_size: int = 100) -> None:
        self._ledger = ledger
        self._publisher = publisher
        self._batch_size = batch_size
        self._lock = asyncio.Lock()  # one drain at a time keeps per-key order

    async def publish_now(self, pending: PendingMessage) -> None:
        """Try to publish one fresh message; on failure it stays pending for `drain`."""
        async with self._lock:
            try:
                await self._publisher.publish(pending.message)
            except CaselogError as error:
                log.warning(
                    "publish deferred", key_kind=pending.key.split(":", 1)[0], error=str(error)
                )
                return
            await self._ledger.mark_published([pending.key])

    async def drain(self) -> int:
        """Publish every pending message, oldest first; returns how many were published."""
        published = 0
        async with self._lock:
            while batch := await self._ledger.pending(self._batch_size):
                for item in batch:
                    await self._publisher.publish(item.message)
                await self._ledger.mark_published([item.key for item in batch])
                published += len(batch)
        return published

    async def run(self, interval_s: float, stop: asyncio.Event) -> None:
        """Drain every `interval_s` until `stop` is set (the ledger's safety net)."""
        while not stop.is_set():
            try:
                await self.drain()
            except CaselogError as error:
                log.warning("outbox drain failed; will retry", error=str(error))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)
