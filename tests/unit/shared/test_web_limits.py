"""Issue 14's attacks on the shared HTTP surface (findings 9, 10, 18, 20), replayed on the app
factory every service uses: each answer is a documented 4xx that repeats nothing of the input."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel, ConfigDict

from services.runtime.embedded import SERVICES, service_app
from shared.auth.errors import NotAuthenticatedError
from shared.auth.roles import Principal, Role
from shared.settings import load_settings
from shared.web.app import create_app
from shared.web.auth import require_roles
from shared.web.limits import DEFAULT_MAX_BODY_BYTES, MAX_JSON_DEPTH
from shared.web.openapi import MIDDLEWARE_STATUSES
from shared.web.throttle import AuthFailureThrottle
from tests.unit.test_role_matrix import REPO_ROOT


class Customer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


class Consultation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer: Customer


def routes() -> APIRouter:
    router = APIRouter()

    @router.post("/consultations")
    async def create(consultation: Consultation) -> dict[str, str]:
        return {"name_length": str(len(consultation.customer.name))}

    @router.get("/private")
    async def private(
        caller: Annotated[Principal, Depends(require_roles(Role.LEGAL))],
    ) -> dict[str, str]:
        return {"subject": caller.subject}

    return router


async def ok() -> None:
    return None


class RefusingVerifier:
    """Every token is a wrong guess."""

    def verify(self, token: str) -> Principal:
        raise NotAuthenticatedError("invalid token")


def client(**changes: object) -> AsyncClient:
    app: FastAPI = create_app(
        load_settings(service_name="test", **changes),
        readiness_checks={"database": ok},
        routers=[routes()],
    )
    app.state.token_verifier = RefusingVerifier()
    return AsyncClient(transport=ASGITransport(app), base_url="http://test")


async def chunks(total: int, size: int = 16 * 1024) -> AsyncIterator[bytes]:
    """A body streamed without Content-Length (Transfer-Encoding: chunked)."""
    yield b'{"customer": {"name": "'
    sent = 0
    while sent < total:
        yield b"a" * size
        sent += size
    yield b'"}}'


# Finding 18: a 422 names the object, never a key the caller made up.


async def test_an_unknown_key_is_named_by_its_object_not_by_the_key() -> None:
    response = await client().post(
        "/consultations", json={"customer": {"name": "x", "taro@example.jp": 1}}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "customer"
    assert "taro" not in response.text


# Finding 20: streamed bodies keep the size limit and the media type; unparsable ones are 422.


async def test_a_streamed_body_over_the_limit_answers_413() -> None:
    response = await client().post(
        "/consultations",
        content=chunks(DEFAULT_MAX_BODY_BYTES + 1),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["field"] == "body"


async def test_a_streamed_body_that_is_not_json_answers_415() -> None:
    response = await client().post(
        "/consultations", content=chunks(100), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert "text/plain" not in response.text


async def test_a_streamed_body_within_the_limit_reaches_the_route() -> None:
    response = await client().post(
        "/consultations", content=chunks(64 * 1024), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert int(response.json()["name_length"]) >= 64 * 1024


async def test_a_body_that_is_not_utf_8_answers_422_not_an_undocumented_400() -> None:
    response = await client().post(
        "/consultations",
        content=b'{"customer": {"name": "\xff\xfe"}}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "body"


# Finding 9 (shared part): a body nested 5,000 deep is a 422, not a parser's crash.


async def test_a_body_nested_5000_deep_answers_422() -> None:
    deep = b"[" * 5000 + b"]" * 5000
    response = await client().post(
        "/consultations", content=deep, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert str(MAX_JSON_DEPTH) in response.json()["reason"]


# Finding 10: headers are bounded, and repeated 401s from one source are throttled.


async def test_headers_over_the_limit_answer_431_before_authentication() -> None:
    response = await client().get("/private", headers={"X-Padding": "a" * (17 * 1024)})
    assert response.status_code == 431
    assert response.json()["field"] == "headers"


async def test_repeated_401s_from_one_source_answer_429_with_retry_after() -> None:
    http = client(http_auth_failures_per_window=5, http_auth_failure_window_s=60)
    bad = {"Authorization": "Bearer guessed"}
    answers = [(await http.get("/private", headers=bad)).status_code for _ in range(7)]
    throttled = await http.get("/private", headers=bad)
    probe = await http.get("/healthz")
    assert answers == [401] * 5 + [429] * 2
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert probe.status_code == 200


def test_the_throttle_forgets_a_source_when_its_window_ends() -> None:
    now = [0.0]
    throttle = AuthFailureThrottle(limit=2, window_s=10, clock=lambda: now[0])
    throttle.failed("10.0.0.1")
    throttle.failed("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") == 10
    assert throttle.retry_after("10.0.0.2") is None
    now[0] = 10.0
    assert throttle.retry_after("10.0.0.1") is None


# Finding 20: every status the shared middleware answers is in every route's OpenAPI.


def test_every_route_of_every_service_documents_what_it_can_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    missing: list[str] = []
    checked = 0
    for name in SERVICES:
        settings = load_settings(
            service_name=name, topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml"
        )
        paths = service_app(name, settings).openapi()["paths"]
        for path, operations in paths.items():
            wanted = (
                {"431"} if path in ("/healthz", "/readyz") else set(map(str, MIDDLEWARE_STATUSES))
            )
            for method, operation in operations.items():
                checked += 1
                missing += [
                    f"{name} {method.upper()} {path}: {status}"
                    for status in sorted(wanted - set(operation["responses"]))
                ]
    assert checked > 20  # the apps' routes were found
    assert missing == []
