"""The shared app factory: probes, metrics by route template, request ids, and the error shape."""

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Annotated

import pytest
import structlog
from fastapi import APIRouter, Depends, FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel

from shared.bus.errors import BusError
from shared.errors import CaselogError
from shared.logs import configure_logging
from shared.settings import CaselogSettings, load_settings
from shared.web.app import create_app
from shared.web.health import ReadinessCheck
from shared.web.request_context import request_correlation_id


class CaseNotFoundError(CaselogError):
    """Test error mapped to 404."""


class ClosingRefusedError(CaselogError):
    """Test error with a field, left unmapped (400)."""

    field = "reason"


class Contact(BaseModel):
    email: str
    attempts: int


def routes() -> APIRouter:
    router = APIRouter()

    @router.get("/cases/{case_id}")
    async def get_case(case_id: str) -> dict[str, str]:
        if case_id == "missing":
            raise CaseNotFoundError("case not found")
        return {"case_id": case_id}

    @router.post("/contacts")
    async def add_contact(contact: Contact) -> dict[str, int]:
        return {"attempts": contact.attempts}

    @router.get("/close")
    async def close_state() -> dict[str, str]:
        return {"state": "open"}

    @router.post("/close")
    async def close() -> None:
        raise ClosingRefusedError("a final answer must be recorded first")

    @router.post("/publish")
    async def publish() -> None:
        raise BusError("broker unavailable")

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("leaked taro@example.com")

    @router.get("/correlation")
    async def correlation(
        correlation_id: Annotated[str, Depends(request_correlation_id)],
    ) -> dict[str, str]:
        structlog.get_logger("test").info("inside route")
        return {"correlation_id": correlation_id}

    return router


async def ok() -> None:
    return None


async def broken() -> None:
    raise ConnectionError("db at 10.1.2.3 refused user admin")


async def slow() -> None:
    await asyncio.sleep(5)


def settings(**changes: object) -> CaselogSettings:
    return load_settings(service_name="test", **changes)


def client(checks: dict[str, ReadinessCheck] | None = None, **changes: object) -> AsyncClient:
    app: FastAPI = create_app(
        settings(**changes),
        readiness_checks=checks if checks is not None else {"bus": ok, "database": ok},
        routers=[routes()],
        error_statuses={CaseNotFoundError: 404},
    )
    return AsyncClient(transport=ASGITransport(app), base_url="http://test")


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    buffer = io.StringIO()
    configure_logging(settings(environment="production"), stream=buffer)
    yield buffer
    structlog.reset_defaults()
    root.handlers, root.level = saved[0], saved[1]


async def test_healthz_answers_while_the_process_runs() -> None:
    response = await client({"bus": broken}).get("/healthz")

    assert response.status_code == 200


async def test_readyz_reports_every_check() -> None:
    response = await client().get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"bus": "ok", "database": "ok"}}


async def test_readyz_names_the_failed_check_without_details() -> None:
    response = await client({"bus": ok, "database": broken}).get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "failed": ["database"],
        "checks": {"bus": "ok", "database": "failed"},
    }
    assert "10.1.2.3" not in response.text


async def test_readyz_bounds_slow_checks() -> None:
    response = await client({"bus": slow, "database": ok}, readiness_timeout_s=0.05).get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["bus"] == "timed out"


async def test_metrics_are_labelled_by_route_template_never_by_path() -> None:
    http = client()
    await http.get("/cases/taro@example.com")
    await http.get("/no/such/hanako@example.com")

    text = (await http.get("/metrics")).text

    assert 'route="/cases/{case_id}",status="200"' in text
    assert 'route="<unmatched>",status="404"' in text
    assert "caselog_http_request_duration_seconds_bucket" in text
    assert "example.com" not in text


async def test_request_id_is_generated_and_echoed() -> None:
    response = await client().get("/healthz")

    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 36
    assert response.headers["X-Correlation-ID"] == request_id


async def test_caller_ids_are_kept_apart_and_echoed() -> None:
    response = await client().get(
        "/correlation", headers={"X-Request-ID": "req-1", "X-Correlation-ID": "chain-7"}
    )

    assert response.headers["X-Request-ID"] == "req-1"
    assert response.headers["X-Correlation-ID"] == "chain-7"
    assert response.json() == {"correlation_id": "chain-7"}


async def test_ids_that_do_not_look_like_ids_are_replaced() -> None:
    response = await client().get("/healthz", headers={"X-Request-ID": "taro@example.com"})

    assert response.headers["X-Request-ID"] != "taro@example.com"


async def test_ids_are_bound_to_the_logs_of_the_request(log_output: io.StringIO) -> None:
    await client().get("/correlation", headers={"X-Correlation-ID": "chain-9"})

    lines = [json.loads(line) for line in log_output.getvalue().splitlines()]
    inside = next(line for line in lines if line["event"] == "inside route")
    access = next(line for line in lines if line["event"] == "http request")
    assert inside["correlation_id"] == "chain-9"
    assert access["route"] == "/correlation"
    assert access["correlation_id"] == "chain-9"


async def test_mapped_caselog_error_answers_with_its_status() -> None:
    response = await client().get("/cases/missing")

    assert response.status_code == 404
    assert response.json() == {"status": 404, "reason": "case not found"}


async def test_unmapped_caselog_error_is_a_bad_request_naming_its_field() -> None:
    response = await client().post("/close")

    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "reason": "a final answer must be recorded first",
        "field": "reason",
    }


async def test_bus_errors_mean_service_unavailable() -> None:
    assert (await client().post("/publish")).status_code == 503


async def test_validation_errors_name_fields_and_never_echo_input() -> None:
    response = await client().post(
        "/contacts", json={"email": "taro@example.com", "attempts": "hanako-secret"}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "attempts"
    assert body["errors"] == [{"field": "attempts", "reason": body["reason"]}]
    assert "taro" not in response.text
    assert "hanako" not in response.text


async def test_unknown_routes_answer_in_the_problem_shape() -> None:
    response = await client().get("/nowhere")

    assert response.status_code == 404
    assert response.json() == {"status": 404, "reason": "Not Found"}


async def test_unexpected_errors_are_a_generic_500_and_logged(log_output: io.StringIO) -> None:
    http = client()
    response = await http.get("/boom", headers={"X-Request-ID": "req-500"})

    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "req-500"
    assert response.json()["status"] == 500
    assert "Traceback" not in response.text
    assert "taro" not in response.text
    logged = [json.loads(line) for line in log_output.getvalue().splitlines()]
    error = next(line for line in logged if line["event"] == "unhandled error")
    assert error["request_id"] == "req-500"
    assert "RuntimeError: leaked [redacted]" in error["exception"]
    assert "taro" not in log_output.getvalue()
    assert 'route="/boom",status="500"' in (await http.get("/metrics")).text


async def test_a_method_no_route_takes_names_every_method_the_path_allows() -> None:
    # Found by schemathesis: Starlette names only the first route's methods (GET, not POST).
    async with client() as http:
        answer = await http.delete("/close")

    assert answer.status_code == 405
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "POST"}
