"""Finds a real Kafka broker and PostgreSQL server for tests, in the order the README sets
("On a fresh machine"):

1. an address from the environment (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL);
2. testcontainers, if a Docker engine answers;
3. the project's own local broker/server (deploy/kafka/kafka.sh, deploy/postgres/postgres.sh).
"""

import os
import subprocess
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from shared.errors import CaselogError

REPO_ROOT = Path(__file__).resolve().parents[2]
KAFKA_SCRIPT = REPO_ROOT / "deploy" / "kafka" / "kafka.sh"
POSTGRES_SCRIPT = REPO_ROOT / "deploy" / "postgres" / "postgres.sh"
KAFKA_IMAGE = "apache/kafka:4.1.1"
POSTGRES_IMAGE = "postgres:16"


class InfrastructureUnavailableError(CaselogError):
    """No broker or database could be found or started."""


@dataclass
class Endpoint:
    """Where a service answers, how it was found, and what to clean up afterwards."""

    address: str
    origin: str
    _containers: list[AbstractContextManager[object]] = field(default_factory=list)

    def close(self) -> None:
        for container in self._containers:
            container.__exit__(None, None, None)


def infra_required() -> bool:
    """CI sets CASELOG_REQUIRE_INFRA=1: missing infrastructure is then a failure, not a skip."""
    return os.environ.get("CASELOG_REQUIRE_INFRA", "") == "1"


def docker_answers() -> bool:
    """True when a Docker engine (not merely the client) responds."""
    try:
        result = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


def run_script(
    script: Path,
    timeout_s: float,
    command: str = "start",
    environment: dict[str, str] | None = None,
) -> str:
    """Run one of deploy/'s scripts with `command`; the last line it printed."""
    try:
        result = subprocess.run(
            ["bash", str(script), command],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            env=None if environment is None else {**os.environ, **environment},
        )
    except subprocess.TimeoutExpired as error:
        raise InfrastructureUnavailableError(f"{script.name} {command} timed out") from error
    if result.returncode != 0:
        raise InfrastructureUnavailableError(
            f"{script.name} {command} failed: {result.stderr.strip()[-2000:]}"
        )
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def find_kafka() -> Endpoint:
    """A Kafka bootstrap address that answers metadata requests."""
    if address := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return Endpoint(address, "environment")
    if docker_answers():
        from testcontainers.kafka import KafkaContainer

        container = KafkaContainer(KAFKA_IMAGE).with_kraft()
        container.start()
        return Endpoint(container.get_bootstrap_server(), "testcontainers", [container])
    run_script(KAFKA_SCRIPT, timeout_s=600)
    port = os.environ.get("KAFKA_PORT", "9092")
    return Endpoint(f"127.0.0.1:{port}", "local broker (deploy/kafka)")


def find_postgres() -> Endpoint:
    """An async SQLAlchemy URL (postgresql+asyncpg://...) of a PostgreSQL database."""
    if address := os.environ.get("DATABASE_URL"):
        return Endpoint(address, "environment")
    if docker_answers():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer(POSTGRES_IMAGE, driver="asyncpg")
        container.start()
        return Endpoint(container.get_connection_url(), "testcontainers", [container])
    url = run_script(POSTGRES_SCRIPT, timeout_s=180)
    return Endpoint(url, "local server (deploy/postgres)")
