"""A real OpenID Connect provider for tests: Ory Hydra v2.3.0 (pinned by deploy/hydra/go.mod,
built once into .cache/hydra by deploy/hydra/hydra.sh), started on free loopback ports over
a fresh database of its own on the test PostgreSQL server (the binary is built without SQLite,
so DSN=memory is not available). The login/consent step a user would answer is answered
either headless through Hydra's admin API (`sign_in`: a test gets a real authorization-code
+ PKCE token) or by a browser on the pages of `login_app`."""

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
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy.engine import make_url

from tests.unavailable import missing_infrastructure

ROOT = Path(__file__).resolve().parents[3]
BUILD = ROOT / "deploy" / "hydra" / "hydra.sh"
START_S = 30.0
# Headless: nothing listens on the discard port, the test reads the redirect.
REDIRECT_URI = "http://127.0.0.1:9/callback"


@dataclass(frozen=True)
class ProviderPages:
    """Where the provider sends the browser to log in, to consent and to log out."""

    login: str
    consent: str
    logout: str

    @classmethod
    def under(cls, base: str) -> "ProviderPages":
        return cls(f"{base}/login", f"{base}/consent", f"{base}/logout")


HEADLESS = ProviderPages.under("http://127.0.0.1:9")


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


def hydra_dsn(database_url: str) -> str:
    """A SQLAlchemy URL of a test database (`fresh_database`) as Hydra's DSN."""
    url = make_url(database_url).set(drivername="postgres", query={"sslmode": "disable"})
    return url.render_as_string(hide_password=False)


@contextlib.contextmanager
def hydra(
    folder: Path, dsn: str, pages: ProviderPages = HEADLESS, public_host: str = "127.0.0.1"
) -> Iterator[RunningHydra]:
    """Hydra over `dsn` (migrated here) with JWT access tokens that may carry `roles`.

    `public_host` names it in its issuer and URLs (it listens on 127.0.0.1 either way):
    "localhost" puts it on another site than a console on 127.0.0.1, as a real provider is.
    """
    binary = str(hydra_binary())
    subprocess.run(
        [binary, "migrate", "sql", "up", "-e", "--yes"],
        env={"PATH": os.environ.get("PATH", ""), "DSN": dsn},
        capture_output=True,
        check=True,
        timeout=120,
    )
    public, admin = _free_port(), _free_port()
    public_url = f"http://{public_host}:{public}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DSN": dsn,
        "SERVE_PUBLIC_PORT": str(public),
        "SERVE_PUBLIC_HOST": "127.0.0.1",
        "SERVE_ADMIN_PORT": str(admin),
        "SERVE_ADMIN_HOST": "127.0.0.1",
        "URLS_SELF_ISSUER": public_url + "/",
        "URLS_LOGIN": pages.login,
        "URLS_CONSENT": pages.consent,
        "URLS_LOGOUT": pages.logout,
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
                # Hydra makes its signing keys on the first ask, which takes seconds on a busy
                # machine: asked here, so no verifier's short timeout pays for it.
                httpx.get(running.jwks_url, timeout=START_S).raise_for_status()
                return
        time.sleep(0.2)
    raise RuntimeError(f"hydra not ready in {START_S} s: {log.read_text(errors='replace')[-800:]}")


def create_client(
    running: RunningHydra,
    audience: str,
    redirect_uri: str = REDIRECT_URI,
    auth_method: str = "client_secret_post",
) -> tuple[str, str]:
    """A confidential client for the authorization code flow; returns (id, secret).
    `auth_method`: how it proves itself at the token endpoint (authlib's default is
    client_secret_basic; the headless `sign_in` posts it)."""
    answer = httpx.post(
        running.admin_url + "/admin/clients",
        json={
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": "openid",
            "redirect_uris": [redirect_uri],
            "audience": [audience],
            "token_endpoint_auth_method": auth_method,
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
        accepted = accept_login(running.admin_url, login, subject, roles)
        consent = _query(_redirect(browser.get(accepted)), "consent_challenge")
        accepted = accept_consent(running.admin_url, consent)
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


def accept_login(
    admin_url: str, challenge: str, subject: str, roles: list[str], *, remember: bool = False
) -> str:
    """The login app's answer: `subject` logged in, its roles kept for the consent step;
    returns where the browser goes next. `remember` keeps a session at the provider, so a
    next sign-in is answered without asking (until that session is logged out)."""
    body = {"subject": subject, "remember": remember, "context": {"roles": roles}}
    return _admin_put(admin_url, "login", challenge, body)


def login_request(admin_url: str, challenge: str) -> dict[str, Any]:
    """The login request Hydra holds: `skip` is true when its session already knows the user."""
    asked = httpx.get(
        f"{admin_url}/admin/oauth2/auth/requests/login",
        params={"login_challenge": challenge},
        timeout=10,
    )
    asked.raise_for_status()
    found: dict[str, Any] = asked.json()
    return found


def accept_consent(admin_url: str, challenge: str) -> str:
    """Everything the client asked for granted, with the roles the login step recorded in
    both tokens: the access token (the services read them) and the ID token (the console)."""
    asked = httpx.get(
        f"{admin_url}/admin/oauth2/auth/requests/consent",
        params={"consent_challenge": challenge},
        timeout=10,
    )
    asked.raise_for_status()
    request = asked.json()
    roles = (request.get("context") or {}).get("roles", [])
    body = {
        "grant_scope": request["requested_scope"],
        "grant_access_token_audience": request["requested_access_token_audience"],
        "session": {"access_token": {"roles": roles}, "id_token": {"roles": roles}},
    }
    return _admin_put(admin_url, "consent", challenge, body)


def accept_logout(admin_url: str, challenge: str) -> str:
    return _admin_put(admin_url, "logout", challenge, None)


def _admin_put(admin_url: str, step: str, challenge: str, body: dict[str, object] | None) -> str:
    answer = httpx.put(
        f"{admin_url}/admin/oauth2/auth/requests/{step}/accept",
        params={f"{step}_challenge": challenge},
        json=body,
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["redirect_to"])


def point_client_at(
    running: RunningHydra, client_id: str, redirect_uri: str, post_logout_redirect_uri: str
) -> None:
    """The client's registered URLs, for an app whose address is known only once it serves."""
    answer = httpx.patch(
        f"{running.admin_url}/admin/clients/{client_id}",
        json=[
            {"op": "replace", "path": "/redirect_uris", "value": [redirect_uri]},
            {
                "op": "replace",
                "path": "/post_logout_redirect_uris",
                "value": [post_logout_redirect_uri],
            },
        ],
        timeout=10,
    )
    answer.raise_for_status()
