"""A real OpenID Connect provider for tests: Ory Hydra v2.3.0 (pinned by deploy/hydra/go.mod,
built once into .cache/hydra by deploy/hydra/hydra.sh), started on free loopback ports over
a fresh database of its own on the test PostgreSQL server (the binary is built without SQLite,
so DSN=memory is not available), and the login/consent step a user would answer, answered
through Hydra's admin API (`sign_in`): a test gets a real authorization-code + PKCE token."""

import base64
import contextlib
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.unavailable import missing_infrastructure

ROOT = Path(__file__).resolve().parents[3]
BUILD = ROOT / "deploy" / "hydra" / "hydra.sh"
START_S = 30.0
# Where the provider sends the browser; nothing listens there: the test reads the redirect.
LOGIN_URL = "http://127.0.0.1:9/login"
CONSENT_URL = "http://127.0.0.1:9/consent"
REDIRECT_URI = "http://127.0.0.1:9/callback"


@dataclass(frozen=True)
class RunningHydra:
    public_url: str
    admin_url: str

    @property
    def issuer(self) -> str:
        return self.public_url + "/"

    @property
    def jwks_url(self) -> str:
        return self.public_url + "/.well-known/jwks.json"


def hydra_binary() -> Path:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    cached = sorted((ROOT / ".cache" / "hydra").glob("hydra-v*"))
    if not cached and not Path(go).exists():
        missing_infrastructure("Go is needed to build Ory Hydra (deploy/hydra/hydra.sh)")
    built = subprocess.run(
        ["bash", str(BUILD), "build"],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{os.environ.get('PATH', '')}:{Path(go).parent}"},
        check=False,
        timeout=1800,
    )
    if built.returncode != 0:
        missing_infrastructure(f"building Ory Hydra failed: {built.stderr[-500:]}")
    return Path(built.stdout.strip())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def hydra(folder: Path, dsn: str) -> Iterator[RunningHydra]:
    """Hydra over `dsn` (migrated here) with JWT access tokens that may carry `roles`."""
    binary = str(hydra_binary())
    subprocess.run(
        [binary, "migrate", "sql", "up", "-e", "--yes"],
        env={"PATH": os.environ.get("PATH", ""), "DSN": dsn},
        capture_output=True,
        check=True,
        timeout=120,
    )
    public, admin = _free_port(), _free_port()
    public_url = f"http://127.0.0.1:{public}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DSN": dsn,
        "SERVE_PUBLIC_PORT": str(public),
        "SERVE_PUBLIC_HOST": "127.0.0.1",
        "SERVE_ADMIN_PORT": str(admin),
        "SERVE_ADMIN_HOST": "127.0.0.1",
        "URLS_SELF_ISSUER": public_url + "/",
        "URLS_LOGIN": LOGIN_URL,
        "URLS_CONSENT": CONSENT_URL,
        "SECRETS_SYSTEM": secrets.token_hex(32),
        "STRATEGIES_ACCESS_TOKEN": "jwt",
        "OAUTH2_ALLOWED_TOP_LEVEL_CLAIMS": "roles",
        "OAUTH2_MIRROR_TOP_LEVEL_CLAIMS": "false",
        "LOG_LEVEL": "warn",
    }
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "hydra.log").open("wb") as log:
        process = subprocess.Popen(
            [binary, "serve", "all", "--dev"], env=env, stdout=log, stderr=log
        )
        try:
            running = RunningHydra(public_url, f"http://127.0.0.1:{admin}")
            _wait_ready(running, process, folder / "hydra.log")
            yield running
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(running: RunningHydra, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hydra exited: {log.read_text(errors='replace')[-800:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(running.admin_url + "/health/ready", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"hydra not ready in {START_S} s: {log.read_text(errors='replace')[-800:]}")


def create_client(running: RunningHydra, audience: str) -> tuple[str, str]:
    """A confidential client for the authorization code flow; returns (id, secret)."""
    answer = httpx.post(
        running.admin_url + "/admin/clients",
        json={
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": "openid",
            "redirect_uris": [REDIRECT_URI],
            "audience": [audience],
            "token_endpoint_auth_method": "client_secret_post",
        },
        timeout=10,
    )
    answer.raise_for_status()
    body = answer.json()
    return str(body["client_id"]), str(body["client_secret"])


def sign_in(
    running: RunningHydra,
    client: tuple[str, str],
    *,
    subject: str,
    roles: list[str],
    audience: str,
) -> str:
    """The whole authorization code flow with PKCE, as a browser and the login/consent app
    would walk it; returns the access token Hydra issued."""
    client_id, client_secret = client
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    state = secrets.token_urlsafe(16)
    with httpx.Client(timeout=10) as browser:
        location = _redirect(
            browser.get(
                running.public_url + "/oauth2/auth",
                params={
                    "client_id": client_id,
                    "response_type": "code",
                    "scope": "openid",
                    "redirect_uri": REDIRECT_URI,
                    "state": state,
                    "audience": audience,
                    "code_challenge": challenge.rstrip(b"=").decode(),
                    "code_challenge_method": "S256",
                },
            )
        )
        login = _query(location, "login_challenge")
        accepted = _admin_put(running, "login", login, {"subject": subject, "remember": False})
        consent = _query(_redirect(browser.get(accepted)), "consent_challenge")
        accepted = _admin_put(
            running,
            "consent",
            consent,
            {
                "grant_scope": ["openid"],
                "grant_access_token_audience": [audience],
                "session": {"access_token": {"roles": roles}},
            },
        )
        callback = _redirect(browser.get(accepted))
        if _query(callback, "state") != state:
            raise AssertionError("state not returned unchanged")
        tokens = browser.post(
            running.public_url + "/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": _query(callback, "code"),
                "redirect_uri": REDIRECT_URI,
                "client_id": client_id,
                "client_secret": client_secret,
                "code_verifier": verifier,
            },
        )
        tokens.raise_for_status()
        return str(tokens.json()["access_token"])


def _redirect(response: httpx.Response) -> str:
    if response.status_code not in (302, 303):
        raise AssertionError(f"expected a redirect, got {response.status_code}: {response.text}")
    return str(response.headers["location"])


def _query(url: str, name: str) -> str:
    values = parse_qs(urlsplit(url).query).get(name)
    if not values:
        raise AssertionError(f"{name} missing from {urlsplit(url).path}")
    return values[0]


def _admin_put(running: RunningHydra, step: str, challenge: str, body: dict[str, object]) -> str:
    answer = httpx.put(
        f"{running.admin_url}/admin/oauth2/auth/requests/{step}/accept",
        params={f"{step}_challenge": challenge},
        json=body,
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["redirect_to"])
