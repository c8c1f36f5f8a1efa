"""The keys tokens are verified against: a JWKS file read once, or an identity provider's JWKS
URL kept in memory and refreshed in the background, so no request ever waits on the network."""

import http.client
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import jwt
import structlog

from shared.auth.errors import AuthConfigurationError

log = structlog.get_logger(__name__)


class KeySet(Protocol):
    """Where the verifier finds the key a token names; never blocks."""

    def key_for(self, kid: object) -> jwt.PyJWK | None: ...


def _find(keys: jwt.PyJWKSet | None, kid: object) -> jwt.PyJWK | None:
    # A token without a key id is checked against the first key (a set of one key).
    for candidate in keys.keys if keys is not None else ():
        if kid is None or candidate.key_id == kid:
            return candidate
    return None


class FileKeySet:
    """A JWKS file, read at start-up: a key rotation there needs a restart."""

    def __init__(self, path: Path) -> None:
        try:
            self._keys = jwt.PyJWKSet.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, jwt.PyJWKSetError) as error:
            raise AuthConfigurationError(
                f"cannot read JWKS {path}: {type(error).__name__}"
            ) from None

    def key_for(self, kid: object) -> jwt.PyJWK | None:
        return _find(self._keys, kid)


class RemoteKeySet:
    """An identity provider's JWKS, fetched on a thread of its own and verified from memory.

    A refresh is asked for when a token names an unknown key id (the provider rotated) or
    when the keys in memory are older than `max_age_s` (so a withdrawn key stops working).
    At most one fetch runs at a time, and none starts within `cooldown_s` of the start of
    the previous one, whether that succeeded or failed: a flood of tokens with made-up key
    ids, or a provider that is down, costs one request per cooldown, never one per token.
    A failed fetch keeps the keys already in memory.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float,
        cooldown_s: float,
        max_age_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        try:
            # Used only for its fetch (no redirects, http(s) only); caching is ours.
            self._client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=timeout_s)
        except jwt.PyJWKClientError as error:
            raise AuthConfigurationError(f"unusable JWKS URL: {error}") from None
        self._cooldown_s, self._max_age_s, self._clock = cooldown_s, max_age_s, clock
        self._keys: jwt.PyJWKSet | None = None
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._fetching = False
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()

    def key_for(self, kid: object) -> jwt.PyJWK | None:
        keys, fetched_at = self._keys, self._fetched_at
        found = _find(keys, kid)
        stale = fetched_at is None or self._clock() - fetched_at >= self._max_age_s
        if found is None or stale:
            self.refresh_soon()
        return found

    def refresh_soon(self) -> None:
        """Start a background fetch unless one runs or the cooldown has not passed."""
        with self._lock:
            now = self._clock()
            cooling = self._attempted_at is not None and now - self._attempted_at < self._cooldown_s
            if self._fetching or cooling:
                return
            self._fetching, self._attempted_at = True, now
            self._idle.clear()
        threading.Thread(target=self._fetch, name="jwks-refresh", daemon=True).start()

    def wait_idle(self, timeout_s: float) -> bool:
        """True once no fetch is running (start-up and tests wait for the first one)."""
        return self._idle.wait(timeout_s)

    def _fetch(self) -> None:
        try:
            keys = self._client.get_jwk_set()
        # Whatever the provider answers (garbage, a cut connection) ends here: the thread
        # must always clear `_fetching`, and the keys in memory stay as they were.
        except (
            jwt.PyJWKClientError,
            jwt.PyJWKSetError,
            ValueError,
            OSError,
            http.client.HTTPException,
        ) as error:
            log.warning("jwks fetch failed", error_type=type(error).__name__)
        else:
            self._keys, self._fetched_at = keys, self._clock()
        finally:
            with self._lock:
                self._fetching = False
                self._idle.set()
