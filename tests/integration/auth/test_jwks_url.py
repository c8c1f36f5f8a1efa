"""JWKS URL mode against a real identity-provider stand-in: an HTTP server on loopback that
serves a key set, fails, or hangs. Tokens are answered from the keys in memory: a slow or
failing provider never holds up a request, and tokens naming unknown key ids cost at most one
fetch per cooldown. Fetches are counted at the server, not timed."""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from shared.auth.development import DevelopmentIssuer, development_issuer
from shared.auth.errors import NotAuthenticatedError
from shared.auth.factory import build_verifier
from shared.auth.key_sets import RemoteKeySet
from shared.auth.roles import Principal, Role
from shared.auth.verifier import TokenVerifier
from shared.settings import load_settings

HOLD_S = 3.0  # how long the hanging provider holds each request before it answers anyway


@dataclass
class Provider:
    """What the stand-in answers (`keys`, or 500 when None) and what it saw."""

    keys: dict[str, object] | None = None
    hang: bool = False
    released: threading.Event = field(default_factory=threading.Event)
    requests: int = 0  # fetches that reached the server
    answered: int = 0  # fetches it has answered
    url: str = ""


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests += 1
            if state.hang:
                state.released.wait(HOLD_S)
            body = json.dumps(state.keys).encode() if state.keys is not None else b"down"
            self.send_response(200 if state.keys is not None else 500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            state.answered += 1

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.released.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def issuers(tmp_path: Path) -> tuple[DevelopmentIssuer, DevelopmentIssuer]:
    """The provider's own key, and another whose key id the provider never serves."""
    return development_issuer(tmp_path / "idp"), development_issuer(tmp_path / "stranger")


def _url_verifier(provider: Provider, issuer: DevelopmentIssuer) -> TokenVerifier:
    settings = load_settings(
        service_name="t", auth_jwks_url=provider.url, auth_issuer=issuer.issuer
    )
    return build_verifier(settings)


def _refused(verifier: TokenVerifier, token: str, times: int) -> int:
    refused = 0
    for _ in range(times):
        with pytest.raises(NotAuthenticatedError):
            verifier.verify(token)
        refused += 1
    return refused


def test_a_failing_provider_is_asked_once_per_cooldown_not_once_per_token(
    provider: Provider, issuers: tuple[DevelopmentIssuer, DevelopmentIssuer]
) -> None:
    idp, stranger = issuers
    verifier = _url_verifier(provider, idp)  # provider.keys None: every fetch answers 500

    unknown_kid = stranger.token("someone", [Role.LEGAL], "caselog")
    assert _refused(verifier, unknown_kid, 50) == 50

    assert provider.requests <= 1


def test_requests_are_answered_while_the_provider_hangs(
    provider: Provider, issuers: tuple[DevelopmentIssuer, DevelopmentIssuer]
) -> None:
    idp, stranger = issuers
    provider.keys, provider.hang = idp.jwks(), True
    verifier = _url_verifier(provider, idp)
    good = idp.token("legal-3", [Role.LEGAL], "caselog")
    unknown_kid = stranger.token("someone", [Role.LEGAL], "caselog")

    # Refused at once (no keys in memory yet), and none of these calls waited for the
    # provider: it had answered nothing when they returned, and it was asked once.
    assert _refused(verifier, unknown_kid, 5) + _refused(verifier, good, 5) == 10
    assert provider.answered == 0
    assert provider.requests <= 1

    provider.released.set()  # the provider answers: the keys land in memory
    assert _eventually_verifies(verifier, good).subject == "legal-3"
    assert provider.requests == 1


def _eventually_verifies(verifier: TokenVerifier, token: str) -> Principal:
    deadline = time.monotonic() + HOLD_S + 10
    while True:
        try:
            return verifier.verify(token)
        except NotAuthenticatedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_cooldown_holds_after_failures_and_old_keys_survive_a_failed_refresh(
    provider: Provider, issuers: tuple[DevelopmentIssuer, DevelopmentIssuer]
) -> None:
    idp, stranger = issuers
    clock = Clock()
    keys = RemoteKeySet(provider.url, timeout_s=2.0, cooldown_s=30.0, max_age_s=300.0, clock=clock)
    verifier = TokenVerifier.from_key_set(keys, issuer=idp.issuer, audience="caselog")
    assert keys.wait_idle(5)
    assert provider.requests == 1  # the first fetch, at start: the provider is down

    unknown_kid = stranger.token("someone", [Role.LEGAL], "caselog")
    _refused(verifier, unknown_kid, 20)
    assert keys.wait_idle(5)
    assert provider.requests == 1  # within the cooldown of a failed fetch: not asked again

    provider.keys = idp.jwks()  # the provider is back
    clock.now += 30.0
    good = idp.token("legal-3", [Role.LEGAL], "caselog")
    _refused(verifier, good, 1)  # not in memory yet: this asks for the fetch, in the background
    assert keys.wait_idle(5)
    assert provider.requests == 2
    assert verifier.verify(good).subject == "legal-3"

    provider.keys = None  # down again; the keys in memory grow old and a refresh fails
    clock.now += 301.0
    fresh = idp.token("legal-4", [Role.LEGAL], "caselog")
    assert verifier.verify(fresh).subject == "legal-4"  # verified from memory
    assert keys.wait_idle(5)
    assert provider.requests == 3
    assert verifier.verify(idp.token("legal-5", [Role.LEGAL], "caselog")).subject == "legal-5"
    assert provider.requests == 3  # stale, but the cooldown of the failed refresh holds
