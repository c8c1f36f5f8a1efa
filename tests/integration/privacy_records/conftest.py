"""Privacy and records together on real Kafka and PostgreSQL, over one key store: both
services read the real topics, so that privacy's events reach records as in production, each
with a new consumer group started at the topics' current ends (see `group_offsets`): the broker
is shared with other suites and other runs."""

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from services.privacy.bootstrap import Topics
from services.privacy.entrypoints.consumer import consumed_topics
from services.privacy.entrypoints.http import create_app as create_privacy_app
from shared.auth.development import DevelopmentIssuer, development_issuer
from shared.crypto.runtime import build_personal_data
from shared.settings import CaselogSettings, load_settings
from tests.integration.databases import fresh_database
from tests.integration.group_offsets import start_group_at_end
from tests.integration.privacy.conftest import Clock, Running
from tests.integration.records.conftest import ORIGIN, SIGNER, TOPICS_FILE, RunningRecords
from tests.integration.records.conftest import started as started_records


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentIssuer:
    return development_issuer(tmp_path_factory.mktemp("auth"))


@pytest.fixture
def records_topics() -> tuple[str, ...]:
    """What records reads (a test parametrizes this to have records fall behind on a topic)."""
    return tuple(load_settings(service_name="records").records_topics)


@pytest.fixture
async def both_settings(
    kafka_bootstrap: str,
    postgres_url: str,
    issuer: DevelopmentIssuer,
    tmp_path: Path,
    records_topics: tuple[str, ...],
) -> AsyncIterator[tuple[CaselogSettings, CaselogSettings]]:
    """Privacy's and records' settings: a store each, ONE key store, the real topics."""
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(issuer.jwks()))
    common: dict[str, Any] = {
        "bus": "kafka",
        "kafka_bootstrap_servers": kafka_bootstrap,
        "topics_file": TOPICS_FILE,
        "auth_jwks_file": jwks,
    }
    async with (
        fresh_database(postgres_url) as keys,
        fresh_database(postgres_url) as privacy_store,
        fresh_database(postgres_url) as records_log,
    ):
        privacy = load_settings(
            service_name="privacy",
            database_url=privacy_store,
            keystore_url=keys,
            privacy_dev_signing_key_file=tmp_path / "receipt-signing.key",
            **common,
        )
        records = load_settings(
            service_name="records",
            database_url=records_log,
            keystore_url=keys,
            records_signing_key=SIGNER.key_string(),
            records_origin=ORIGIN,
            records_checkpoint_every_events=4,
            records_checkpoint_every_seconds=0.5,
            # Its own group: with the real one, another run on the same broker shares its
            # partitions and records this test's events in its own log.
            records_consumer_group=f"caselog-records-test-{uuid.uuid4().hex[:8]}",
            records_topics=records_topics,
            # Long on purpose: records must drop the cached key when privacy's event
            # arrives, not when the cache happens to expire.
            crypto={"key_cache_ttl_s": 3600},
            **common,
        )
        yield privacy, records


@pytest.fixture
async def apps(
    both_settings: tuple[CaselogSettings, CaselogSettings],
    issuer: DevelopmentIssuer,
) -> AsyncIterator[tuple[Running, RunningRecords]]:
    """Records, then privacy (clock injected), on the real topics, each with a new consumer
    group started at their current ends."""
    privacy_settings, records_settings = both_settings
    topics = Topics()
    group = f"caselog-privacy-test-{uuid.uuid4().hex[:8]}"
    bootstrap = privacy_settings.kafka_bootstrap_servers
    await start_group_at_end(bootstrap, group, consumed_topics(topics))
    recorded = list(records_settings.records_topics)
    await start_group_at_end(bootstrap, records_settings.records_consumer_group, recorded)
    async with started_records(records_settings, issuer) as records:
        clock = Clock()
        app = create_privacy_app(privacy_settings, clock=clock, topics=topics, consumer_group=group)
        intake = build_personal_data(privacy_settings)  # intake's own key-store client
        async with app.router.lifespan_context(app):
            await intake.start()
            transport = ASGITransport(app)
            async with AsyncClient(transport=transport, base_url="http://privacy") as client:
                yield Running(app, app.state.privacy, clock, intake, issuer, client), records
            await intake.close()
