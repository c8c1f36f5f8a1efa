"""A service in the distributed runtime is ready only when real Kafka and PostgreSQL answer."""

from pathlib import Path

from fastapi.testclient import TestClient

from services.runtime.embedded import service_app
from shared.settings import load_settings

TOPICS_FILE = Path(__file__).resolve().parents[2] / "deploy" / "kafka" / "topics.toml"


def distributed_settings(kafka: str, database_url: str):  # type: ignore[no-untyped-def]
    return load_settings(
        service_name="records",
        bus="kafka",
        kafka_bootstrap_servers=kafka,
        database_url=database_url,
        topics_file=TOPICS_FILE,
    )


def test_ready_against_real_kafka_and_postgres(kafka_bootstrap: str, postgres_url: str) -> None:
    with TestClient(
        service_app("records", distributed_settings(kafka_bootstrap, postgres_url))
    ) as c:
        response = c.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"bus": "ok", "database": "ok"}


def test_not_ready_names_the_database_that_does_not_answer(kafka_bootstrap: str) -> None:
    dead = "postgresql+asyncpg://caselog:secret-pw@127.0.0.1:9/caselog"
    with TestClient(service_app("records", distributed_settings(kafka_bootstrap, dead))) as c:
        response = c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert "secret-pw" not in response.text
