"""Outbound Standard Webhooks from records on Kafka and PostgreSQL: a decision and a hold
published on the real topics reach a subscriber, verified there by the `standardwebhooks`
library, the first of them again after a 500 with the same webhook-id, and no body holds
personal data."""

import json
import uuid
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from pytest_httpserver import HTTPServer

from services.records.entrypoints.http import create_app
from shared.auth.development import DevelopmentIssuer
from shared.auth.roles import Role
from shared.bus.envelopes import envelope_message
from shared.settings import CaselogSettings
from tests.integration.group_offsets import start_group_at_end
from tests.support.standard_webhooks import (
    SEEDED_EMAIL,
    SEEDED_NAME,
    SEEDED_PHONE,
    Receiver,
    decision,
    hold,
    subscribe,
    until,
)


@pytest.fixture(scope="module")
async def webhook_settings(
    records_settings: CaselogSettings, kafka_bootstrap: str
) -> CaselogSettings:
    """Records' test settings with a webhook consumer group of this run's own, at the ends of
    the topics, and a retry schedule of moments."""
    settings = records_settings.model_copy(
        update={
            "records_webhook_consumer_group": f"caselog-webhooks-test-{uuid.uuid4().hex[:8]}",
            "records_webhook_retry_waits_s": (0.1, 0.1),
            "records_webhook_poll_interval_s": 0.05,
        }
    )
    topics = [settings.topics.policy, settings.topics.privacy]
    await start_group_at_end(kafka_bootstrap, settings.records_webhook_consumer_group, topics)
    return settings


async def test_deliveries_on_kafka_verify_and_hold_no_personal_data(
    webhook_settings: CaselogSettings, token_issuer: DevelopmentIssuer, httpserver: HTTPServer
) -> None:
    receiver = Receiver(httpserver, answers=[500])
    token = token_issuer.token("admin-1", [Role.ADMIN], "caselog")
    case_id = f"case-{uuid.uuid4().hex[:12]}"
    app = create_app(webhook_settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(
            transport=ASGITransport(app),
            base_url="http://records",
            headers={"Authorization": f"Bearer {token}"},
        ) as admin,
    ):
        await subscribe(admin, receiver, ["decision", "hold"])
        bus = app.state.records.infrastructure.bus
        await bus.publish(envelope_message(webhook_settings.topics.policy, decision(case_id)))
        held = hold().model_copy(update={"case_id": case_id})
        await bus.publish(envelope_message(webhook_settings.topics.privacy, held))
        await until(lambda: len(receiver.verified) == 3, timeout_s=60)

    assert receiver.refused == []
    payloads: list[dict[str, Any]] = [payload for _, payload in receiver.verified]
    # The two topics are read in no fixed order: whichever came first met the 500 and came again.
    first_type = payloads[0]["type"]
    assert sorted(p["type"] for p in payloads) == sorted(
        ["caselog.decision", "caselog.hold", first_type]
    )
    assert {p["data"]["case_id"] for p in payloads} == {case_id}
    retried = [h["webhook-id"] for h, p in receiver.verified if p["type"] == first_type]
    assert len(retried) == 2
    assert len(set(retried)) == 1  # the retry after the 500 is the same message
    for body in receiver.bodies:
        decoded = json.dumps(json.loads(body), ensure_ascii=False)
        for personal in (SEEDED_NAME, SEEDED_EMAIL, SEEDED_PHONE):
            assert personal not in decoded
