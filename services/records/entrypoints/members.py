"""Keeps the records consumer's group members running: one whose loop fails is replaced, not
left dead beside a service that still answers; all of them stop together."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import structlog

from shared.bus.interface import Consumer

log = structlog.get_logger(__name__)
RESTART_DELAY_S = 1.0


@contextlib.asynccontextmanager
async def supervised(
    subscribe: Callable[[], Consumer], count: int, restart_delay_s: float = RESTART_DELAY_S
) -> AsyncIterator[None]:
    """Runs `count` members made by `subscribe` for the block, replacing any that fails (a
    broker outage, a commit refused during a rebalance); redelivery makes that safe. They are
    asked to stop at once, so none is handed the partitions of another that is leaving."""
    stop = asyncio.Event()
    current: list[Consumer | None] = [None] * count

    async def keep(slot: int) -> None:
        while not stop.is_set():
            member = current[slot] = subscribe()
            try:
                await member.run()
            except Exception as error:  # noqa: BLE001 - whatever ended it, a new member follows
                log.warning("consumer member failed; replacing it", error_type=type(error).__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), restart_delay_s)

    tasks = [asyncio.create_task(keep(slot)) for slot in range(count)]
    try:
        yield
    finally:
        stop.set()
        for member in current:
            if member is not None:
                member.request_stop()
        await asyncio.gather(*tasks)
