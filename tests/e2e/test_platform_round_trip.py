"""A Zendesk ticket end to end on Kafka (issue 18, "what it must show"): the four services as
their own processes and Zendesk played by a local server that answers its documented Tickets
API; the ticket, its purchaser field set, is accepted (not restricted), its decision comes
back to the ticket as an internal note with a tag and reaches the platform's status; solving
it is a close request whose decision follows, and is written back too."""

import asyncio
import base64
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer

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
from tests.integration.intake.test_writeback_platforms import zendesk_answer
from tests.unit.intake.platforms.test_zendesk import EMAIL, NAME, PHONE

API_EMAIL, API_TOKEN = "bot@example.jp", "zendesk-e2e-api-token"
CONSOLE = "https://console.example.jp"


def fake_zendesk(server: HTTPServer, ticket_id: str) -> str:
    """The Tickets API for one ticket: read (its custom fields, which a ticket event does not
    carry) and update (the write-back); both only with the API token's basic auth."""
    auth = {
        "Authorization": "Basic "
        + base64.b64encode(f"{API_EMAIL}/token:{API_TOKEN}".encode()).decode()
    }
    path = f"/api/v2/tickets/{ticket_id}.json"
    fields = [{"id": int(FIELD_ID), "value": "purchaser"}]
    server.expect_request(path, method="GET", headers=auth).respond_with_json(
        {"ticket": {"id": int(ticket_id), "custom_fields": fields}}
    )
    server.expect_request(path, method="PUT", headers=auth).respond_with_json(zendesk_answer(1))
    return path


async def notes_sent(server: HTTPServer, path: str, count: int) -> list[dict[str, Any]]:
    """The bodies of the first `count` updates of the ticket, once that many have come."""
    deadline = time.monotonic() + PATIENCE_S
    while True:
        bodies = [r.get_json() for r, _ in server.log if r.method == "PUT" and r.path == path]
        if len(bodies) >= count:
            return bodies
        assert time.monotonic() < deadline, f"{len(bodies)} of {count} notes written back"
        await asyncio.sleep(0.3)


@pytest.mark.infra
async def test_a_purchasers_zendesk_ticket_is_accepted_noted_back_and_solving_it_is_decided(
    kafka_bootstrap: str, postgres_url: str, tmp_path: Path, httpserver: HTTPServer
) -> None:
    issuer = development_issuer(tmp_path / "auth")
    ticket_id = str(uuid.uuid4().int % 10**9)
    path = fake_zendesk(httpserver, ticket_id)
    settings = {
        "CASELOG_ZENDESK_WEBHOOK_SECRET": SECRET,
        "CASELOG_ZENDESK_RELATIONSHIP_FIELD": FIELD_ID,
        "CASELOG_ZENDESK_API_URL": httpserver.url_for("").rstrip("/"),
        "CASELOG_ZENDESK_API_EMAIL": API_EMAIL,
        "CASELOG_ZENDESK_API_TOKEN": API_TOKEN,
        "CASELOG_CONSOLE_PUBLIC_URL": CONSOLE,
    }
    jwks = tmp_path / "auth" / "dev-jwks.json"
    ticket = purchasers_ticket(ticket_id)
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
        accepted_note = (await notes_sent(httpserver, path, 1))[0]
        close = await send(intake, solved(ticket), intake="")
        assert close.status_code == 202, close.text
        closure = await decided(
            intake, case_id, zendesk, close.json()["event_id"], intake="", patience_s=PATIENCE_S
        )
        closure_note = (await notes_sent(httpserver, path, 2))[1]

    assert first["decision"]["outcome"] == "accept", first["decision"]
    assert "scope-relationship" not in first["decision"]["rules"]
    assert closure["decision"]["type"] == "closure.decided"
    for note in (accepted_note, closure_note):
        assert note["ticket"]["comment"]["public"] is False, note
        assert f"{CONSOLE}/cases/{case_id}" in note["ticket"]["comment"]["body"]
        for personal in (NAME, EMAIL, PHONE, ticket["detail"]["description"]):
            assert personal not in str(note), "a write-back carries no personal data"
    assert "caselog_accept" in accepted_note["ticket"]["additional_tags"]
