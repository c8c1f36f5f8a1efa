"""Every route of every service declares its roles, and the gate answers 401/403 accordingly.

Routes are discovered from the apps, so a new route is covered (and must declare roles)
without anyone editing this test.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from services.runtime.embedded import SERVICES, service_app
from shared.auth.development import DevelopmentIssuer, development_issuer
from shared.auth.roles import Role
from shared.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
# The probes, and the API docs (served offline by fastapi-offline, as open as FastAPI's own).
OPEN_PATHS = {"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc"}
# Records' public tiled log (C2SP tlog-tiles): hashes, checkpoints and public keys, for anyone.
PUBLIC_LOG_PATHS = {"/checkpoint", "/tile/{tile_path:path}", "/log/keys"}
SIGNED_PREFIXES = ("/v1/webhooks/",)  # platforms authenticate by signature instead


def gated_roles(route: APIRoute) -> frozenset[Role] | None:
    for dependency in route.dependant.dependencies:
        allowed = getattr(dependency.call, "allowed_roles", None)
        if allowed is not None:
            return frozenset(allowed)
    return None


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentIssuer:
    return development_issuer(tmp_path_factory.mktemp("auth"))


@pytest.fixture(scope="module", params=SERVICES)
def client(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    issuer: DevelopmentIssuer,
) -> Iterator[tuple[FastAPI, TestClient]]:
    data = tmp_path_factory.mktemp(request.param)
    jwks = data / "jwks.json"
    jwks.write_text(json.dumps(issuer.jwks()))
    settings = load_settings(
        service_name=request.param,
        embedded_bus_path=data / "bus.sqlite3",
        database_url=f"sqlite+aiosqlite:///{data}/db.sqlite3",
        keystore_url=f"sqlite+aiosqlite:///{data}/keys.sqlite3",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
        auth_jwks_file=jwks,
        auth_dev_keys_dir=data / "auth",
    )
    app = service_app(request.param, settings)
    with TestClient(app) as test_client:
        yield app, test_client


def routes(app: FastAPI) -> list[APIRoute]:
    return [
        route
        for route in app.routes
        if isinstance(route, APIRoute)
        and route.path not in OPEN_PATHS | PUBLIC_LOG_PATHS
        and not route.path.startswith(SIGNED_PREFIXES)
    ]


def concrete(path: str) -> str:
    """A path with every parameter filled in, so the request reaches the role gate."""
    return path.replace("{", "x-").replace("}", "")


def test_every_route_declares_its_roles(client: tuple[FastAPI, TestClient]) -> None:
    app, _ = client
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in routes(app) if gated_roles(r) is None]
    assert undeclared == []


def test_the_gate_answers_by_role(
    client: tuple[FastAPI, TestClient], issuer: DevelopmentIssuer
) -> None:
    app, http = client
    wrong: list[str] = []
    for route in routes(app):
        allowed = gated_roles(route) or frozenset()
        for method in route.methods:
            url = concrete(route.path)
            if http.request(method, url).status_code != 401:
                wrong.append(f"{method} {route.path} without a token")
            for role in Role:
                token = issuer.token(f"matrix-{role.value}", [role], "caselog")
                status = http.request(
                    method, url, headers={"Authorization": f"Bearer {token}"}
                ).status_code
                if (status == 403) == (role in allowed) or status == 401:
                    wrong.append(f"{method} {route.path} as {role.value}: {status}")
    assert wrong == []
