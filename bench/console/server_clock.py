"""Server time: how long an app takes over a request, from the ASGI call until it hands the
server its response's last byte, timed by a middleware outside all of the app's own (sessions,
CSRF, metrics). Taken then, not when the app returns: the client may read the answer first.

Not the client's round trip: the client runs on the same loop and its own parsing would count.
Not the apps' Prometheus histogram either: its buckets are too coarse for a p99.
"""

import math
import time
from collections import defaultdict
from collections.abc import Sequence

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServerClock:
    """Every HTTP request's server time in ms, by path, since the last `clear`."""

    def __init__(self) -> None:
        self.times_ms: defaultdict[str, list[float]] = defaultdict(list)

    def instrument(self, app: FastAPI) -> None:
        """Added last, so outermost: the time covers every other middleware of `app`."""
        app.add_middleware(_Timing, clock=self)

    def clear(self) -> None:
        self.times_ms.clear()

    def taken(self, path: str) -> list[float]:
        """The times of `path` (without its query) since the last `clear`, then forgets them."""
        return self.times_ms.pop(path, [])


class _Timing:
    def __init__(self, app: ASGIApp, clock: ServerClock) -> None:
        self.app, self.clock = app, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                elapsed_ms = (time.perf_counter() - started) * 1000
                self.clock.times_ms[scope["path"]].append(elapsed_ms)
            await send(message)

        await self.app(scope, receive, timed_send)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest rank: the smallest value at least `fraction` of `values` do not exceed (p99 of
    200 requests is the 198th fastest)."""
    if not values:
        raise ValueError("no requests were timed")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
