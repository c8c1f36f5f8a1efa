"""Calling a platform's REST API without hammering it: bounded retries whose waits honour
`Retry-After` and the rate-limit reset headers, and a circuit breaker per platform, so a
platform that is down costs one failed call per cool-down, not one per decision."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from shared.bus.errors import PermanentHandlingError
from shared.errors import CaselogError

Sleep = Callable[[float], Awaitable[None]]
# Zendesk and Freshdesk answer 429 with Retry-After (seconds); Intercom with X-RateLimit-Reset
# (a Unix time); Zendesk also sends ratelimit-reset (seconds) on its newer endpoints.
_RESET_SECONDS = ("ratelimit-reset",)
_RESET_EPOCH = ("x-ratelimit-reset",)


class CircuitOpenError(CaselogError):
    """The platform failed too often lately: no call until the cool-down ends (the bus retries
    the decision, then dead-letters it with this reason)."""

    def __init__(self, platform: str) -> None:
        super().__init__(f"{platform} write-back circuit is open")


class WriteBackFailedError(PermanentHandlingError):
    """The platform refused the note, or kept failing through every retry: the decision goes
    to the DLQ with this reason (status codes and attempt counts, never the note)."""


class CircuitBreaker:
    """Closed; open after `failures` failures in a row; after `cooldown_s` half-open (one trial
    call: success closes it, failure opens it again)."""

    def __init__(
        self,
        platform: str,
        failures: int,
        cooldown_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.platform = platform
        self._threshold = failures
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self._cooled_down() else "open"

    def before_call(self) -> None:
        if self._opened_at is not None and not self._cooled_down():
            raise CircuitOpenError(self.platform)

    def succeeded(self) -> None:
        self._failures = 0
        self._opened_at = None

    def failed(self) -> None:
        self._failures += 1
        if self._opened_at is not None or self._failures >= self._threshold:
            self._opened_at = self._clock()

    def _cooled_down(self) -> bool:
        return self._opened_at is not None and self._clock() - self._opened_at >= self._cooldown_s


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_s: float = 0.5
    max_wait_s: float = 60.0

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_s * 2.0 ** (attempt - 1), self.max_wait_s))


def rate_limit_wait(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """How long the platform asked us to wait, if it said so."""
    retry_after = headers.get("retry-after")
    if retry_after:
        if retry_after.strip().isdecimal():
            return float(retry_after)
        try:
            return max(parsedate_to_datetime(retry_after).timestamp() - time.time(), 0.0)
        except (TypeError, ValueError):
            pass
    for name in _RESET_SECONDS:
        if (value := headers.get(name, "").strip()).isdecimal():
            return float(value)
    for name in _RESET_EPOCH:
        if (value := headers.get(name, "").strip()).isdecimal():
            return max(float(value) - (time.time() if now is None else now), 0.0)
    return None


class PlatformApi:
    """One platform's API: JSON requests with its auth, retried and guarded by its circuit."""

    def __init__(
        self,
        platform: str,
        base_url: str,
        auth: httpx.Auth,
        *,
        timeout_s: float,
        retry: RetryPolicy,
        circuit: CircuitBreaker,
        headers: Mapping[str, str] | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.platform = platform
        self._base_url = base_url.rstrip("/")
        self._auth = auth
        self._timeout = httpx.Timeout(timeout_s)
        self._retry = retry
        self.circuit = circuit
        self._headers = dict(headers or {})
        self._sleep = sleep

    def __repr__(self) -> str:  # the auth holds the token: never shown
        return f"PlatformApi({self.platform!r}, base_url={self._base_url!r})"

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        """The answer's JSON. 429, 5xx and transport errors are retried; another 4xx is
        permanent; either way, the last failure is a WriteBackFailedError."""
        last = "no attempt"
        for attempt in range(1, self._retry.max_attempts + 1):
            self.circuit.before_call()
            wait = self._retry.backoff(attempt)
            try:
                async with httpx.AsyncClient(
                    auth=self._auth, timeout=self._timeout, headers=self._headers
                ) as client:
                    response = await client.request(method, self._base_url + path, json=body)
            except httpx.HTTPError as error:
                last = type(error).__name__
            else:
                if response.is_success:
                    self.circuit.succeeded()
                    return response.json() if response.content else None
                last = f"HTTP {response.status_code}"
                if response.status_code != 429 and response.status_code < 500:
                    raise WriteBackFailedError(f"{self.platform} {method} {path}: {last}")
                asked = rate_limit_wait(response.headers)
                if asked is not None:
                    wait = min(asked, self._retry.max_wait_s)
            self.circuit.failed()
            if attempt < self._retry.max_attempts:
                await self._sleep(wait)
        raise WriteBackFailedError(
            f"{self.platform} {method} {path}: gave up after"
            f" {self._retry.max_attempts} attempts, last {last}"
        )
