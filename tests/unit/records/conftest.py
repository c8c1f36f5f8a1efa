"""Records unit fixtures: envelopes of a few cases, planned into rows by the domain itself; the
records app on the embedded bus and SQLite."""

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI

from services.records.domain.events import Origin, ReceivedEvent, StoredEvent, plan_batch
from services.records.entrypoints.http import create_app
from shared.auth.development import development_issuer
from shared.envelope import Envelope
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
