"""Runs consumers until SIGTERM or SIGINT, then lets each finish, commit and close."""

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Sequence

import structlog

from shared.bus.interface import Consumer

log = structlog.get_logger(__name__)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


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
