"""Zendesk tickets name only their requester's id: intake reads the user from the Users API.

The Users API is played by a small HTTP server on loopback that checks the API token the
way Zendesk does (basic auth `email/token:secret`), since tests cannot reach Zendesk.
"""

import base64
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Header, HTTPException
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from services.intake.entrypoints.http import create_app
from shared.auth.development import DevelopmentIssuer
from shared.auth.roles import Role
from shared.envelope import decode_envelope
from shared.settings import CaselogSettings
from tests.integration.intake.conftest import bearer
from tests.integration.intake.test_platforms_on_kafka import intake_events, zendesk_headers
from tests.integration.serving import serving
from tests.unit.intake.platforms.test_zendesk import ticket_created

API_EMAIL, API_TOKEN = "bot@example.jp", "zendesk-api-token"
USER = {"id": 8447388090494, "name": "佐藤 次郎", "email": "jiro.sato@example.jp", "phone": None}
RELATIONSHIP_FIELD = 360001234
TICKETS: dict[str, dict[str, Any]] = {}


def users_api() -> FastAPI:
    api = FastAPI()
    expected = "Basic " + base64.b64encode(f"{API_EMAIL}/token:{API_TOKEN}".encode()).decode()

    @api.get("/api/v2/users/{user_id}.json")
    async def user(user_id: int, authorization: str = Header("")) -> dict[str, Any]:
        if authorization != expected:
            raise HTTPException(401)
        if user_id != USER["id"]:
            raise HTTPException(404)
        return {"user": USER}

    @api.get("/api/v2/tickets/{ticket_id}.json")
    async def ticket(ticket_id: str, authorization: str = Header("")) -> dict[str, Any]:
        if authorization != expected:
            raise HTTPException(401)
        if ticket_id not in TICKETS:
            raise HTTPException(404)
        return {"ticket": TICKETS[ticket_id]}

    return api


def with_zendesk_api(settings: CaselogSettings, url: str, **more: object) -> CaselogSettings:
    """`settings` reading Zendesk's API at `url` with the fake's token."""
    api = {
        "zendesk_api_url": url,
        "zendesk_api_email": API_EMAIL,
        "zendesk_api_token": SecretStr(API_TOKEN),
    }
    return settings.model_copy(update={**api, **more})


@contextlib.asynccontextmanager
async def intake_with(
    settings: CaselogSettings, issuer: DevelopmentIssuer
) -> AsyncIterator[AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app)
        headers = bearer(issuer, Role.PLATFORM)
        async with AsyncClient(transport=transport, base_url="http://intake", headers=headers) as c:
            yield c


async def test_the_requester_is_read_from_the_users_api(
    intake_settings: CaselogSettings, token_issuer: DevelopmentIssuer
) -> None:
    ticket = ticket_created(id=str(uuid.uuid4().int % 10**9), requester_id=str(USER["id"]))
    del ticket["detail"]["requester"]
    body = json.dumps(ticket).encode()
    async with serving(users_api()) as zendesk_url:
        configured = with_zendesk_api(intake_settings, zendesk_url)
        async with intake_with(configured, token_issuer) as client:
            accepted = await client.post(
                "/v1/webhooks/zendesk", content=body, headers=zendesk_headers(body)
            )
    async with intake_with(
        intake_settings.model_copy(update={"zendesk_api_url": "http://127.0.0.1:9"}), token_issuer
    ) as client:
        unreachable = await client.post(
            "/v1/webhooks/zendesk", content=body, headers=zendesk_headers(body)
        )

    assert accepted.status_code == 202, accepted.text
    assert unreachable.status_code == 503, "Zendesk retries a webhook answered with 503"
    [event] = [
        v
        for v in await intake_events(intake_settings)
        if decode_envelope(v).case_id == accepted.json()["case_id"]
    ]
    assert decode_envelope(event).payload["customer"]["name"]["enc"] == "v2"  # type: ignore[index]
    assert "佐藤".encode() not in event


async def test_a_configured_relationship_field_is_read_from_the_tickets_api(
    intake_settings: CaselogSettings, token_issuer: DevelopmentIssuer
) -> None:
    """Ticket events carry no custom field values: the ticket's are read, then mapped."""
    ticket_id = str(uuid.uuid4().int % 10**9)
    TICKETS[ticket_id] = {
        "id": int(ticket_id),
        "custom_fields": [{"id": RELATIONSHIP_FIELD, "value": "prospective"}],
    }
    ticket = ticket_created(id=ticket_id, requester_id=str(USER["id"]))
    del ticket["detail"]["requester"]
    body = json.dumps(ticket).encode()
    async with serving(users_api()) as zendesk_url:
        configured = with_zendesk_api(
            intake_settings, zendesk_url, zendesk_relationship_field=str(RELATIONSHIP_FIELD)
        )
        async with intake_with(configured, token_issuer) as client:
            accepted = await client.post(
                "/v1/webhooks/zendesk", content=body, headers=zendesk_headers(body)
            )

    assert accepted.status_code == 202, accepted.text
    [event] = [
        v
        for v in await intake_events(intake_settings)
        if decode_envelope(v).case_id == accepted.json()["case_id"]
    ]
    customer = decode_envelope(event).payload["customer"]
    assert isinstance(customer, dict)
    assert customer["relationship"] == "prospective"
