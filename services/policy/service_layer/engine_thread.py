"""The thread the decision engine runs on, so that a long decision never holds the event loop
(which, in the embedded process, also serves /healthz and the other three services)."""

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class EngineThread:
    """Runs pure, CPU-bound engine calls (`decide`, `advance`) on one worker thread.

    Why a thread and not a process: the engine and its inputs (policy, state) would be
    pickled for every message, and the embedded runtime must stay one process. The worker
    holds the GIL while it computes, but CPython hands it back to the loop every switch
    interval (5 ms), so the loop keeps answering; the linear text scan and the evidence
    limits bound how long one decision runs. One worker: decisions are taken one at a time,
    in the order asked, as they were on the loop. The engine is deterministic, so where it
    runs does not change a decision.
    """

    def __init__(self, name: str = "policy-engine") -> None:
        self._name = name
        self._executor: ThreadPoolExecutor | None = None  # started on first use, again after close

    async def run(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """`function(*args, **kwargs)` on the engine thread, awaited without blocking the loop."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        call = functools.partial(function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def close(self) -> None:
        """Lets the thread go; a decision under way finishes on its own, its result unused."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
