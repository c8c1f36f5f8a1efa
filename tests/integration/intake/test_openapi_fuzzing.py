"""Schemathesis against a running intake process: no 5xx, every answer matches the schema."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from shared.auth.development import development_issuer
from shared.auth.roles import Role

REPO_ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RunningIntake:
    url: str
    headers: dict[str, str]


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningIntake]:
    """`caselog serve intake` as its own process, on the embedded bus and SQLite."""
    data = tmp_path_factory.mktemp("intake")
    # The server (development mode, no JWKS configured) trusts the dev keys in ./data/auth.
    issuer = development_issuer(data / "data" / "auth")
    token = issuer.token("fuzzer", [Role.PLATFORM], "caselog")
    port = free_port()
    environment = {
        **os.environ,
        "CASELOG_BUS": "embedded",
        "CASELOG_EMBEDDED_BUS_PATH": str(data / "bus.sqlite3"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{data}/intake.sqlite3",
        "CASELOG_KEYSTORE_URL": f"sqlite+aiosqlite:///{data}/keys.sqlite3",
        "CASELOG_TOPICS_FILE": str(REPO_ROOT / "deploy" / "kafka" / "topics.toml"),
        "CASELOG_HTTP_PORT": str(port),
        "CASELOG_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "services", "intake"], cwd=data, env=environment
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, "intake exited during start-up"
            time.sleep(0.2)
        else:
            pytest.fail("intake did not become ready within 60 s")
        yield RunningIntake(url, {"Authorization": f"Bearer {token}"})
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def api_schema(intake: RunningIntake) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{intake.url}/openapi.json")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_intake_answers_every_generated_request_within_its_schema(
    api_schema: schemathesis.BaseSchema, intake: RunningIntake
) -> None:
    # Driven by hand, not by schemathesis.pytest.from_fixture, which breaks on pytest 9.
    operations = [
        result.ok() for result in api_schema.include(path_regex="^/v1/").get_all_operations()
    ]
    assert len(operations) >= 6, "every intake route is in the schema"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        def answers_within_schema(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS, headers=intake.headers)

        answers_within_schema()
