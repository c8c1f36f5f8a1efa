"""Privacy on real infrastructure: Kafka for the bus, PostgreSQL for its store and the key store.

Each test runs on topics, databases and a clock of its own (the broker is shared with other
suites, whose events privacy would otherwise read first); intake-shaped events are sealed
with the codec over the same key store and published on the test's intake topic.
"""

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import astuple, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from services.privacy.bootstrap import Privacy, Topics
from services.privacy.entrypoints.http import create_app
from shared.auth.development import DevelopmentIssuer, development_issuer
from shared.auth.roles import Role
from shared.bus.envelopes import envelope_message
from shared.bus.policy import dlq_topic
from shared.crypto.runtime import PersonalData, build_personal_data
from shared.envelope import Envelope
from shared.settings import CaselogSettings, load_settings
from tests.integration.databases import fresh_database
from tests.unit.privacy.samples import Person, SampleCase, sample_case

TOPICS_FILE = Path(__file__).resolve().parents[3] / "deploy" / "kafka" / "topics.toml"
TOPIC_NAMES = ("caselog.intake", "caselog.policy", "caselog.privacy", "caselog.records")
CONSUMED_WITHIN_S = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def token_issuer(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentIssuer:
    return development_issuer(tmp_path_factory.mktemp("auth"))


def bearer(issuer: DevelopmentIssuer, *roles: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.token(f'test-{roles[0]}', list(roles), 'caselog')}"}


@pytest.fixture
async def privacy_topics(kafka_bootstrap: str) -> AsyncIterator[Topics]:
    """The four topics privacy reads, named for this test; deleted afterwards."""
    suffix = uuid.uuid4().hex[:10]
    topics = Topics(*(f"{name}.privacy-test-{suffix}" for name in TOPIC_NAMES))
    yield topics
    names = [*astuple(topics), *(dlq_topic(name) for name in astuple(topics))]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(names)
    finally:
        await admin.close()


@pytest.fixture
async def privacy_settings(
    kafka_bootstrap: str,
    postgres_url: str,
    token_issuer: DevelopmentIssuer,
    privacy_topics: Topics,
    tmp_path: Path,
) -> AsyncIterator[CaselogSettings]:
    (tmp_path / "jwks.json").write_text(json.dumps(token_issuer.jwks()))
    declared = TOPICS_FILE.read_text(encoding="utf-8") + "".join(
        f'\n[[topic]]\nname = "{name}"\npartitions = 3\n' for name in astuple(privacy_topics)
    )
    (tmp_path / "topics.toml").write_text(declared, encoding="utf-8")
    async with fresh_database(postgres_url) as store, fresh_database(postgres_url) as keys:
        yield load_settings(
            service_name="privacy",
            bus="kafka",
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=store,
            keystore_url=keys,
            topics_file=tmp_path / "topics.toml",
            auth_jwks_file=tmp_path / "jwks.json",
            privacy_dev_signing_key_file=tmp_path / "receipt-signing.key",
        )


@dataclass
class Running:
    """A started privacy app: HTTP clients per role, its wiring, and an intake stand-in."""

    app: FastAPI
    privacy: Privacy
    clock: Clock
    intake: PersonalData  # intake's own key store client, as a separate process has
    issuer: DevelopmentIssuer
    client: AsyncClient

    def as_role(self, role: Role) -> dict[str, str]:
        return bearer(self.issuer, role)

    async def publish(self, topic: str, envelope: Envelope) -> None:
        await self.privacy.infrastructure.bus.publish(envelope_message(topic, envelope))

    async def intake_case(self, person: Person, **options: Any) -> SampleCase:
        """A consultation (closed unless `closed_at=None`) sealed and published as intake
        would, then waited for until privacy has read all of it."""
        case = await sample_case(self.intake.codec, self.intake.subjects, person=person, **options)
        for envelope in case.envelopes:
            await self.publish(self.privacy.topics.intake, envelope)
        closed = options.get("closed_at", "given") is not None
        await self.until(lambda found: found["case"]["closed_at"] is not None or not closed, case)
        return case

    async def until(self, ready: Callable[[dict[str, Any]], bool], case: SampleCase) -> None:
        headers = self.as_role(Role.ADMIN)
        deadline = asyncio.get_running_loop().time() + CONSUMED_WITHIN_S
        while asyncio.get_running_loop().time() < deadline:
            response = await self.client.get(f"/v1/cases/{case.case_id}", headers=headers)
            if response.status_code == 200 and ready(response.json()):
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"privacy did not consume case {case.case_id} in time")


AppFactory = Callable[[], contextlib.AbstractAsyncContextManager[Running]]


@pytest.fixture
def privacy_app(
    privacy_settings: CaselogSettings, privacy_topics: Topics, token_issuer: DevelopmentIssuer
) -> AppFactory:
    @contextlib.asynccontextmanager
    async def started() -> AsyncIterator[Running]:
        clock = Clock()
        group = f"caselog-privacy-test-{uuid.uuid4().hex[:8]}"
        app = create_app(privacy_settings, clock=clock, topics=privacy_topics, consumer_group=group)
        intake = build_personal_data(privacy_settings)
        async with app.router.lifespan_context(app):
            await intake.start()
            transport = ASGITransport(app)
            async with AsyncClient(transport=transport, base_url="http://privacy") as client:
                yield Running(app, app.state.privacy, clock, intake, token_issuer, client)
            await intake.close()

    return started
