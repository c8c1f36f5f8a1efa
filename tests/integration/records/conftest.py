"""Records on real infrastructure: Kafka for the bus, PostgreSQL for the log and the key store.

One records app per test module (its own log and key-store databases); tests use cases of
their own, so they share it. Each module's app reads in a consumer group of its own, started at
the topics' current ends (see `group_offsets`): with the real group, two runs on one broker
would share its partitions and record each other's events.
"""

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx import ASGITransport, AsyncClient

from services.records.bootstrap import Records
from services.records.domain.errors import UnknownEventError
from services.records.entrypoints.http import create_app
from shared.auth.development import DevelopmentIssuer, development_issuer
from shared.auth.roles import Role
from shared.bus.envelopes import envelope_message
from shared.envelope import Envelope
from shared.merkle.keys import NoteSigner
from shared.settings import CaselogSettings, load_settings
from tests.integration.databases import fresh_database
from tests.integration.group_offsets import start_group_at_end

TOPICS_FILE = Path(__file__).resolve().parents[3] / "deploy" / "kafka" / "topics.toml"
ORIGIN = "caselog.test/records"
SIGNER = NoteSigner.generate(ORIGIN)
WAIT_S = 30.0


@pytest.fixture(scope="session")
def token_issuer(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentIssuer:
    return development_issuer(tmp_path_factory.mktemp("auth"))


@pytest.fixture(scope="module")
async def records_settings(
    kafka_bootstrap: str,
    postgres_url: str,
    token_issuer: DevelopmentIssuer,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[CaselogSettings]:
    jwks = tmp_path_factory.mktemp("jwks") / "jwks.json"
    jwks.write_text(json.dumps(token_issuer.jwks()))
    async with fresh_database(postgres_url) as log, fresh_database(postgres_url) as keys:
        settings = load_settings(
            service_name="records",
            bus="kafka",
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=log,
            keystore_url=keys,
            topics_file=TOPICS_FILE,
            auth_jwks_file=jwks,
            records_signing_key=SIGNER.key_string(),
            records_origin=ORIGIN,
            records_checkpoint_every_events=4,
            records_checkpoint_every_seconds=0.5,
            records_consumer_group=f"caselog-records-test-{uuid.uuid4().hex[:8]}",
        )
        topics = list(settings.records_topics)
        await start_group_at_end(kafka_bootstrap, settings.records_consumer_group, topics)
        yield settings


@dataclass
class RunningRecords:
    """A started records app, the HTTP client on it, and what tests do with them."""

    records: Records
    http: AsyncClient
    issuer: DevelopmentIssuer

    async def publish(self, topic: str, *envelopes: Envelope) -> None:
        for envelope in envelopes:
            await self.records.infrastructure.bus.publish(envelope_message(topic, envelope))

    async def wait_stored(self, *envelopes: Envelope) -> None:
        """Until every one of `envelopes` is in the log (the consumer is asynchronous)."""
        async with asyncio.timeout(WAIT_S):
            for envelope in envelopes:
                while True:
                    try:
                        await self.records.store.event(str(envelope.event_id))
                        break
                    except UnknownEventError:
                        await asyncio.sleep(0.05)

    async def get(
        self, url: str, role: Role, subject: str = "tester", **params: Any
    ) -> httpx.Response:
        token = self.issuer.token(subject, [role], "caselog")
        headers = {"Authorization": f"Bearer {token}"}
        return await self.http.get(url, params=params, headers=headers)

    async def post(self, url: str, role: Role) -> httpx.Response:
        token = self.issuer.token("tester", [role], "caselog")
        return await self.http.post(url, headers={"Authorization": f"Bearer {token}"})


@contextlib.asynccontextmanager
async def started(
    settings: CaselogSettings, issuer: DevelopmentIssuer
) -> AsyncIterator[RunningRecords]:
    """A records app (a "process") on `settings`; leaving the block stops it cleanly."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app), base_url="http://records") as http,
    ):
        yield RunningRecords(app.state.records, http, issuer)


@pytest.fixture(scope="module")
async def running(
    records_settings: CaselogSettings, token_issuer: DevelopmentIssuer
) -> AsyncIterator[RunningRecords]:
    async with started(records_settings, token_issuer) as records:
        yield records
