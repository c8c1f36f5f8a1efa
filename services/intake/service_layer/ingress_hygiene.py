"""Keeps raw ingress short-lived: deletes what intake has consumed from `caselog.ingress`
(DeleteRecords up to the committed offsets) and destroys expired quarantine keys, on a timer."""

import asyncio
import contextlib
from typing import Protocol

import structlog

from shared.bus.interface import Bus
from shared.errors import CaselogError

log = structlog.get_logger(__name__)


class ExpiringQuarantine(Protocol):
    async def destroy_expired(self) -> int: ...


class IngressHygiene:
    """One pass: purge consumed ingress records, destroy quarantine keys past retention."""

    def __init__(self, bus: Bus, group: str, topic: str, quarantine: ExpiringQuarantine) -> None:
        self._bus = bus
        self._group = group
        self._topic = topic
        self._quarantine = quarantine

    async def once(self) -> None:
        starts = await self._bus.delete_consumed(self._group, self._topic)
        expired = await self._quarantine.destroy_expired()
        if starts or expired:
            log.info("ingress purged", partitions=len(starts), quarantine_keys_destroyed=expired)

    async def run(self, interval_s: float, stop: asyncio.Event) -> None:
        """Every `interval_s` until `stop`; a failed pass is logged and tried again later
        (the topic's retention.ms is the backstop meanwhile)."""
        while not stop.is_set():
            try:
                await self.once()
            except (CaselogError, NotImplementedError) as error:
                log.warning("ingress purge failed; will retry", error_type=type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)
