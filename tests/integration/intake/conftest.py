"""Intake on real infrastructure: Kafka for the bus, PostgreSQL for its ledger and key store."""

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from services.intake.bootstrap import Intake
from services.intake.entrypoints.http import create_app
from shared.auth.development import DevelopmentIssuer, development_issuer
from shared.auth.roles import Role
from shared.settings import CaselogSettings, load_settings
from tests.integration.databases import fresh_database

TOPICS_FILE = Path(__file__).resolve().parents[3] / "deploy" / "kafka" / "topics.toml"

ZENDESK_SECRET = "zendesk-secret-for-integration-tests"
FRESHDESK_SECRET = "freshdesk-secret-for-integration-tests"
INTERCOM_SECRET = "intercom-secret-for-integration-tests"
AppFactory = Callable[[], contextlib.AbstractAsyncContextManager[AsyncClient]]


@pytest.fixture(scope="session")
def token_issuer(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentIssuer:
    return development_issuer(tmp_path_factory.mktemp("auth"))


def bearer(issuer: DevelopmentIssuer, *roles: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.token('tester', list(roles), 'caselog')}"}


@pytest.fixture
async def intake_settings(
    kafka_bootstrap: str, postgres_url: str, token_issuer: DevelopmentIssuer, tmp_path: Path
) -> AsyncIterator[CaselogSettings]:
    (tmp_path / "jwks.json").write_text(json.dumps(token_issuer.jwks()))
    async with fresh_database(postgres_url) as ledger, fresh_database(postgres_url) as keys:
        yield load_settings(
            service_name="intake",
            bus="kafka",
            kafka_bootstrap_servers=kafka_bootstrap,
            database_url=ledger,
            keystore_url=keys,
            topics_file=TOPICS_FILE,
            zendesk_webhook_secret=ZENDESK_SECRET,
            freshdesk_webhook_secret=FRESHDESK_SECRET,
            intercom_client_secret=INTERCOM_SECRET,
            auth_jwks_file=tmp_path / "jwks.json",
            # The platforms' sample payloads date from 2024 (their documentation's examples).
            intake_client_time_max_age_days=3650,
        )


@contextlib.asynccontextmanager
async def started_intake(
    settings: CaselogSettings, issuer: DevelopmentIssuer
) -> AsyncIterator[tuple[Intake, AsyncClient]]:
    """An intake app (a 'process') on `settings`, and a client with a `platform` token."""
    app: FastAPI = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app)
        headers = bearer(issuer, Role.PLATFORM)
        async with AsyncClient(
            transport=transport, base_url="http://intake", headers=headers
        ) as client:
            yield app.state.intake, client


@pytest.fixture
def intake_client(intake_settings: CaselogSettings, token_issuer: DevelopmentIssuer) -> AppFactory:
    """Starts an intake app (a 'process') on the test's databases; call it again to restart."""

    @contextlib.asynccontextmanager
    async def started() -> AsyncIterator[AsyncClient]:
        async with started_intake(intake_settings, token_issuer) as (_intake, client):
            yield client

    return started


def consultation(external_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": {"platform": "rest", "external_id": external_id},
        "channel": "phone",
        "received_at": "2026-11-02T10:15:00+09:00",
        "customer": {
            "name": "山田 花子",
            "email": "hanako.yamada@example.jp",
            "phone": "090-2345-6789",
            "relationship": "purchaser",
            "confidential_notes": "夫には内緒にしてください",
        },
        "product": {"name": "電気ケトル", "price": {"amount": "4980", "currency": "JPY"}},
        "subject": "ケトルの水漏れ",
        "body": "山田花子です。090-2345-6789 まで折り返しください。底から水が漏れます。",
        "demand": {"type": "exchange", "details": "新品と交換してほしい"},
        "call": {"duration_seconds": 540, "recorded": True},
        "language": "ja",
    }
    body.update(changes)
    return body
