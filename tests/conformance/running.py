"""Test support: run a consumer in the background and wait for what it collects."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from shared.bus.interface import Consumer
from shared.bus.messages import ConsumedMessage

DEADLINE_S = 60.0


class SimulatedCrash(BaseException):
    """Raised by a handler to make its consumer die like a killed process."""


class Collector:
    """A handler that remembers every message it was given, in order."""

    def __init__(self, crash_on: bytes | None = None, fail_on: bytes | None = None) -> None:
        self.messages: list[ConsumedMessage] = []
        self.calls: list[bytes] = []
        self._crash_on = crash_on
        self._fail_on = fail_on

    async def __call__(self, message: ConsumedMessage) -> None:
        self.calls.append(message.value)
        if message.value == self._crash_on:
            raise SimulatedCrash(message.value)
        if message.value == self._fail_on:
            raise ValueError("this handler refuses poison")
        self.messages.append(message)

    @property
    def values(self) -> list[bytes]:
        return [message.value for message in self.messages]


async def eventually(
    condition: Callable[[], bool], what: str, timeout_s: float = DEADLINE_S
) -> None:
    """Wait until `condition()` holds; fail naming `what` after the deadline."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        await asyncio.sleep(0.05)


async def eventually_async(
    condition: Callable[[], Awaitable[bool]], what: str, timeout_s: float = DEADLINE_S
) -> None:
    """`eventually` for a condition that must await (e.g. read a topic)."""
    deadline = time.monotonic() + timeout_s
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def running(consumer: Consumer) -> AsyncIterator[asyncio.Task[None]]:
    """Run `consumer` in a task; on exit ask it to stop and wait for a clean close."""
    task = asyncio.create_task(consumer.run())
    try:
        yield task
    finally:
        consumer.request_stop()
        if not task.done():
            await asyncio.wait_for(task, DEADLINE_S)
