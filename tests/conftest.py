"""Session fixtures for real infrastructure: Kafka and PostgreSQL, found or started once per run."""

from collections.abc import Callable, Iterator

import pytest

from shared.testing.infra import (
    Endpoint,
    InfrastructureUnavailableError,
    find_kafka,
    find_postgres,
    infra_required,
)


def _endpoint_or_stop(finder: Callable[[], Endpoint], what: str) -> Endpoint:
    try:
        return finder()
    except InfrastructureUnavailableError as error:
        message = f"{what} unavailable: {error}"
        if infra_required():
            pytest.fail(message + " (CASELOG_REQUIRE_INFRA=1)", pytrace=False)
        pytest.skip(message)


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
