"""Policy on real infrastructure: Kafka for the bus (on topics of its own, by prefix), and
PostgreSQL for its database and the key store intake encrypts with."""

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.policy.bootstrap import PolicyTopics
from shared.auth.development import DevelopmentIssuer, development_issuer
from shared.auth.roles import Role
from shared.bus.envelopes import envelope_message
from shared.bus.kafka import KafkaBus
from shared.bus.topics import TopicSpec
from shared.crypto.codec import FieldCodec
from shared.crypto.runtime import build_personal_data
from shared.envelope import Envelope
from shared.settings import CaselogSettings, load_settings
from tests.integration.databases import fresh_database

REPO_ROOT = Path(__file__).resolve().parents[3]
TOPICS_FILE = REPO_ROOT / "deploy" / "kafka" / "topics.toml"
PARTITIONS = 3


@dataclass(frozen=True)
class PolicyOnKafka:
    settings: CaselogSettings
    topics: PolicyTopics
    issuer: DevelopmentIssuer

    @property
    def bootstrap(self) -> str:
        return self.settings.kafka_bootstrap_servers

    def bearer(self, *roles: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.token('tester', list(roles), 'caselog')}"}


@pytest.fixture
async def policy_on_kafka(
    kafka_bootstrap: str, postgres_url: str, tmp_path: Path
) -> AsyncIterator[PolicyOnKafka]:
    """Settings on fresh databases and prefixed copies of policy's topics, created here."""
    issuer = development_issuer(tmp_path / "auth")
    (tmp_path / "jwks.json").write_text(json.dumps(issuer.jwks()))
    topics = PolicyTopics.prefixed(f"t{uuid.uuid4().hex[:10]}.")
    async with publisher(kafka_bootstrap) as bus:
        await bus.ensure_topics(
            [TopicSpec(name, PARTITIONS) for name in (topics.intake, topics.decisions)]
        )
    async with fresh_database(postgres_url) as database, fresh_database(postgres_url) as keys:
        settings = load_settings(
            service_name="policy",
            bus="kafka",
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=database,
            keystore_url=keys,
            topics_file=TOPICS_FILE,
            auth_jwks_file=tmp_path / "jwks.json",
        )
        yield PolicyOnKafka(settings, topics, issuer)


@pytest.fixture
async def intake_codec(policy_on_kafka: PolicyOnKafka) -> AsyncIterator[FieldCodec]:
    """Encrypts as intake does: over the key store the policy service decrypts from."""
    personal = build_personal_data(policy_on_kafka.settings)
    await personal.start()
    yield personal.codec
    await personal.close()


async def publish(bootstrap: str, topic: str, envelopes: list[Envelope]) -> None:
    """Publish in order, as intake's outbox does (one producer, so each key stays in order)."""
    async with publisher(bootstrap) as bus:
        for envelope in envelopes:
            await bus.publish(envelope_message(topic, envelope))


@contextlib.asynccontextmanager
async def publisher(bootstrap: str) -> AsyncIterator[KafkaBus]:
    bus = KafkaBus(bootstrap, client_id="policy-tests")
    await bus.start()
    try:
        yield bus
    finally:
        await bus.close()
