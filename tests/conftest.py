"""Session fixtures for real infrastructure: Kafka and PostgreSQL, found or started once per run."""

import io
from collections.abc import Callable, Iterator

import pytest

from shared.logs import configure_logging
from shared.settings import load_settings
from tests.support.infra import (
    Endpoint,
    InfrastructureUnavailableError,
    find_kafka,
    find_postgres,
)
from tests.unavailable import missing_infrastructure


def _endpoint_or_stop(finder: Callable[[], Endpoint], what: str) -> Endpoint:
    try:
        return finder()
    except InfrastructureUnavailableError as error:
        missing_infrastructure(f"{what} unavailable: {error}")


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap address of a real Kafka broker."""
    endpoint = _endpoint_or_stop(find_kafka, "Kafka")
    yield endpoint.address
    endpoint.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """postgresql+asyncpg:// URL of a real PostgreSQL database."""
    endpoint = _endpoint_or_stop(find_postgres, "PostgreSQL")
    yield endpoint.address
    endpoint.close()


@pytest.fixture(scope="session", autouse=True)
def production_logging_chain() -> None:
    """Tests log through the same chain as the services (redaction, plain tracebacks)."""
    configure_logging(load_settings(service_name="tests"))


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything the services log during the test, rendered as in production (JSON)."""
    buffer = io.StringIO()
    configure_logging(load_settings(service_name="tests", environment="production"), stream=buffer)
    yield buffer
    configure_logging(load_settings(service_name="tests"))
