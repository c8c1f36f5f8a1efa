"""What several benchmarks of a run share (the running services of the pipeline): started by the
first benchmark that asks, stopped once the last benchmark that uses it is done."""

import contextlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

T = TypeVar("T")


class Resources:
    """Named async context managers, entered on first use and exited by `release`."""

    def __init__(self) -> None:
        self._stacks: dict[str, contextlib.AsyncExitStack] = {}
        self._values: dict[str, Any] = {}

    async def get(self, name: str, start: Callable[[], AbstractAsyncContextManager[T]]) -> T:
        if name not in self._values:
            stack = contextlib.AsyncExitStack()
            try:
                value = await stack.enter_async_context(start())
            except BaseException:
                await stack.aclose()
                raise
            self._stacks[name], self._values[name] = stack, value
        found: T = self._values[name]
        return found

    async def release(self, name: str) -> None:
        self._values.pop(name, None)
        if (stack := self._stacks.pop(name, None)) is not None:
            await stack.aclose()

    def names(self) -> list[str]:
        """What is running now."""
        return list(self._stacks)
