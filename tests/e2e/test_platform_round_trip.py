"""A Zendesk ticket end to end on Kafka (issue 18, "what it must show"): the four services as
their own processes; the ticket, its purchaser field set, is accepted (not restricted) and its
decision reaches the platform's status; solving it is a close request whose decision follows."""

import uuid
from pathlib import Path

import httpx
import pytest

from shared.auth.development import development_issuer
from tests.e2e.distributed import distributed_services
from tests.e2e.scenario import PATIENCE_S
from tests.integration.intake.test_platform_status_embedded import (
    FIELD_ID,
    SECRET,
    decided,
    platform_token,
    purchasers_ticket,
    send,
    solved,
)


@pytest.mark.infra
async def test_a_purchasers_zendesk_ticket_is_accepted_and_solving_it_is_decided(
    kafka_bootstrap: str, postgres_url: str, tmp_path: Path
) -> None:
    issuer = development_issuer(tmp_path / "auth")
    settings = {
        "CASELOG_ZENDESK_WEBHOOK_SECRET": SECRET,
        "CASELOG_ZENDESK_RELATIONSHIP_FIELD": FIELD_ID,
    }
    jwks = tmp_path / "auth" / "dev-jwks.json"
    ticket = purchasers_ticket(str(uuid.uuid4().int % 10**9))
    zendesk = platform_token(issuer, "zendesk")
    async with (
        distributed_services(kafka_bootstrap, postgres_url, tmp_path, jwks, settings) as running,
        httpx.AsyncClient(base_url=running.urls.intake) as intake,
    ):
        opened = await send(intake, ticket, intake="")
        assert opened.status_code == 202, opened.text
        case_id = opened.json()["case_id"]
        first = await decided(
            intake, case_id, zendesk, opened.json()["event_id"], intake="", patience_s=PATIENCE_S
        )
        close = await send(intake, solved(ticket), intake="")
        assert close.status_code == 202, close.text
        closure = await decided(
            intake, case_id, zendesk, close.json()["event_id"], intake="", patience_s=PATIENCE_S
        )

    assert first["decision"]["outcome"] == "accept", first["decision"]
    assert "scope-relationship" not in first["decision"]["rules"]
    assert closure["decision"]["type"] == "closure.decided"
