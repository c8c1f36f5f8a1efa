"""Runs consumers until SIGTERM or SIGINT, then lets each finish, commit and close; or inside a
web service, for as long as it serves, replacing any whose loop fails."""

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable, Sequence

import structlog

from shared.bus.interface import Consumer

log = structlog.get_logger(__name__)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
RESTART_DELAY_S = 1.0


async def run_until_signalled(consumers: Sequence[Consumer]) -> None:
    """Run every consumer; a stop signal only asks them to stop (no work in the handler).

    Returns when all have closed; re-raises the first failure after stopping the rest.
    """
    loop = asyncio.get_running_loop()

    def request_stop(signum: int) -> None:
        log.info("stop signal received", signal=signal.Signals(signum).name)
        for consumer in consumers:
            consumer.request_stop()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, request_stop, signum)
    tasks = [asyncio.create_task(consumer.run()) for consumer in consumers]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        failed = [task for task in done if task.exception() is not None]
        if failed:
            for consumer in consumers:
                consumer.request_stop()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise failed[0].exception()  # type: ignore[misc]
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


@contextlib.asynccontextmanager
async def consuming(consumer: Consumer) -> AsyncIterator[None]:
    """Run `consumer` in the background for the block; then stop it cleanly (it commits).

    For consumers inside a web service, whose server owns the signals.
    """
    task = asyncio.create_task(consumer.run())
    try:
        yield
    finally:
        consumer.request_stop()
        await task


@contextlib.asynccontextmanager
async def supervised(
    subscribe: Callable[[], Consumer], count: int, restart_delay_s: float = RESTART_DELAY_S
) -> AsyncIterator[None]:
    """Runs `count` members made by `subscribe` for the block, replacing any that fails (a
    broker outage, a commit refused during a rebalance); redelivery makes that safe (handlers
    dedupe; a transform's uncommitted transaction is aborted and done again). They are asked
    to stop at once, so none is handed the partitions of another that is leaving.

    For consumers inside a web service: one that died would leave the service answering
    while it consumes nothing."""
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
