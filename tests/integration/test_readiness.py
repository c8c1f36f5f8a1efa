"""A service in the distributed runtime is ready only when real Kafka and PostgreSQL answer."""

import uuid
from pathlib import Path

from httpx import ASGITransport, AsyncClient
from sqlalchemy.engine import make_url

from services.runtime.embedded import service_app
from shared.settings import CaselogSettings, load_settings
from shared.web.service import create_service_app
from tests.integration.databases import drop_database, fresh_database
from tests.integration.group_offsets import start_group_at_end

TOPICS_FILE = Path(__file__).resolve().parents[2] / "deploy" / "kafka" / "topics.toml"


def distributed_settings(kafka: str, database_url: str) -> CaselogSettings:
    return load_settings(
        service_name="records",
        bus="kafka",
        kafka_bootstrap_servers=kafka,
        database_url=database_url,
        topics_file=TOPICS_FILE,
        # Its own group: the real one would share partitions with other runs on the broker.
        records_consumer_group=f"caselog-records-test-{uuid.uuid4().hex[:8]}",
    )


async def test_ready_against_real_kafka_and_postgres(
    kafka_bootstrap: str, postgres_url: str
) -> None:
    settings = distributed_settings(kafka_bootstrap, postgres_url)
    topics = list(settings.records_topics)
    await start_group_at_end(kafka_bootstrap, settings.records_consumer_group, topics)
    app = service_app("records", settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app)
        async with AsyncClient(transport=transport, base_url="http://records") as client:
            response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"bus": "ok", "database": "ok"}


async def test_not_ready_names_the_database_once_it_stops_answering(
    kafka_bootstrap: str, postgres_url: str
) -> None:
    async with fresh_database(postgres_url) as url:
        # The bare service app (probes only): a service's own consumers would go on
        # writing to the database this test drops.
        app = create_service_app(distributed_settings(kafka_bootstrap, url))
        async with app.router.lifespan_context(app):
            transport = ASGITransport(app)
            async with AsyncClient(transport=transport, base_url="http://records") as client:
                ready = await client.get("/readyz")
                await drop_database(url)  # the database disappears under a running service
                gone = await client.get("/readyz")
    assert ready.status_code == 200
    assert gone.status_code == 503
    assert gone.json()["failed"] == ["database"]
    assert make_url(url).database not in gone.text
