"""Records unit fixtures: envelopes of a few cases, planned into rows by the domain itself; the
records app on the embedded bus and SQLite; records wired by its bootstrap on the in-memory bus
and SQLite (`wired`)."""

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI

from services.records.adapters.event_store import SqlEventStore
from services.records.bootstrap import Records, bootstrap
from services.records.domain.events import Appended, Origin, ReceivedEvent, StoredEvent, plan_batch
from services.records.entrypoints.http import create_app
from services.records.service_layer.messages import RecordEvent
from services.records.service_layer.unit_of_work import RecordsUnitOfWork
from shared.auth.development import development_issuer
from shared.bus.memory import MemoryBus
from shared.bus.topics import load_topic_specs
from shared.database import create_engine
from shared.envelope import Envelope, decode_envelope
from shared.infrastructure import Infrastructure
from shared.merkle.keys import NoteSigner
from shared.settings import CaselogSettings, load_settings

TOPICS_FILE = Path(__file__).resolve().parents[3] / "deploy" / "kafka" / "topics.toml"

ORIGIN = "caselog.example/records"
STORED_AT = datetime(2025, 4, 2, tzinfo=UTC)
MakeEnvelope = Callable[[str, int], Envelope]


def _envelope(case_id: str, n: int) -> Envelope:
    return Envelope(
        type="contact.logged",
        schema_version=1,
        case_id=case_id,
        occurred_at=datetime(2025, 4, 1, tzinfo=UTC) + timedelta(minutes=n),
        recorded_at=datetime(2025, 4, 1, 12, tzinfo=UTC) + timedelta(minutes=n),
        producer="intake",
        correlation_id=f"corr-{case_id}",
        payload={"note": f"contact {n} of {case_id}"},
    )


@pytest.fixture
def make_envelope() -> MakeEnvelope:
    return _envelope


@pytest.fixture
def rows() -> list[StoredEvent]:
    """9 events of 3 cases, interleaved (case-1 at positions 1, 4 and 7)."""
    events = [
        ReceivedEvent(_envelope(f"case-{c}", n), Origin("caselog.intake", 0, 3 * n + c))
        for n in range(3)
        for c in range(3)
    ]
    return list(plan_batch(events, known={}, heads={}, size=0, stored_at=STORED_AT).new_events)


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture
def settings(tmp_path: Path) -> CaselogSettings:
    issuer = development_issuer(tmp_path / "auth")
    (tmp_path / "jwks.json").write_text(json.dumps(issuer.jwks()))
    return load_settings(
        service_name="records",
        embedded_bus_path=tmp_path / "bus.sqlite3",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'records.sqlite3'}",
        keystore_url=f"sqlite+aiosqlite:///{tmp_path / 'keys.sqlite3'}",
        records_dev_signing_key_file=tmp_path / "records-signing.key",
        auth_dev_keys_dir=tmp_path / "auth",
        topics_file=TOPICS_FILE,
    )


@pytest.fixture
async def app(settings: CaselogSettings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@dataclass
class Transactions:
    """Counts the append transactions the handlers open (the store's own unit of work)."""

    opened: int = 0

    def around(self, store: SqlEventStore) -> Callable[[], RecordsUnitOfWork]:
        def unit_of_work() -> RecordsUnitOfWork:
            self.opened += 1
            return store.writing()

        return unit_of_work


@dataclass
class Wired:
    records: Records
    bus: MemoryBus
    transactions: Transactions

    @property
    def topic(self) -> str:
        return self.records.settings.topics.records

    def published(self) -> list[tuple[bytes | None, Envelope]]:
        found = self.bus.broker.published(self.topic)
        return [(message.key, decode_envelope(message.value)) for message in found]

    def acknowledgements(self) -> list[Envelope]:
        return [e for _, e in self.published() if e.type == "records.acknowledged"]

    async def record(self, envelope: Envelope) -> Appended:
        return await self.records.handle(RecordEvent(ReceivedEvent(envelope)))


@pytest.fixture
async def wired(settings: CaselogSettings) -> AsyncIterator[Wired]:
    bus = MemoryBus()
    await bus.start()
    await bus.ensure_topics(load_topic_specs(TOPICS_FILE))
    infrastructure = Infrastructure(settings, bus, create_engine(settings))
    transactions = Transactions()
    records = bootstrap(settings, infrastructure, unit_of_work=transactions.around)
    async with records.running():
        yield Wired(records, bus, transactions)
    await bus.close()
    await infrastructure.engine.dispose()
