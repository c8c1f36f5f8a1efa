"""Throttles guessing: a source whose requests keep failing authentication (bad bearer tokens,
bad webhook signatures: every 401) is answered 429 with Retry-After for a while.

Counted per source address (the ASGI client host) in fixed windows, in this process only:
behind a reverse proxy every request has the proxy's address, so there the proxy must limit
(README, "Limits"). The probes stay open, so a throttled source cannot hide a healthy process.
"""

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.web.problems import problem

DEFAULT_FAILURES_PER_WINDOW = 20
DEFAULT_WINDOW_S = 60.0
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
MAX_SOURCES = 10_000  # the oldest source is forgotten past this: memory stays bounded


@dataclass(slots=True)
class _Window:
    started: float
    failures: int


class AuthFailureThrottle:
    """Counts 401s per source; past `limit` in one window, the source gets 429 until it ends."""

    def __init__(
        self,
        limit: int = DEFAULT_FAILURES_PER_WINDOW,
        window_s: float = DEFAULT_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._windows: OrderedDict[str, _Window] = OrderedDict()

    def retry_after(self, source: str) -> int | None:
        """Seconds until `source` may try again, or None if it is not throttled."""
        window = self._current(source)
        if window is None or window.failures < self.limit:
            return None
        return max(1, math.ceil(window.started + self.window_s - self._clock()))

    def failed(self, source: str) -> None:
        window = self._current(source)
        if window is None:
            window = _Window(self._clock(), 0)
            self._windows[source] = window
            if len(self._windows) > MAX_SOURCES:
                self._windows.popitem(last=False)
        window.failures += 1

    def _current(self, source: str) -> _Window | None:
        window = self._windows.get(source)
        if window is not None and self._clock() - window.started >= self.window_s:
            del self._windows[source]
            return None
        return window


class AuthFailureThrottleMiddleware:
    """Answers 429 to a throttled source before any route runs, and counts the 401s it gets."""

    def __init__(self, app: ASGIApp, throttle: AuthFailureThrottle) -> None:
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        source = client[0] if client else "unknown"
        wait_s = self.throttle.retry_after(source)
        if wait_s is not None:
            reason = "too many failed authentications from this source; retry later"
            response = problem(429, reason, "Authorization")
            response.headers["Retry-After"] = str(wait_s)
            await response(scope, receive, send)
            return

        async def send_counting(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                self.throttle.failed(source)
            await send(message)

        await self.app(scope, receive, send_counting)
