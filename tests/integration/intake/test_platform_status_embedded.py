"""A platform's round trip over HTTP on the embedded bus (issue 18, items 3 and 4): a Zendesk
ticket whose purchaser field is set is decided on that relationship and its decision is visible
to that platform on `GET /intake/v1/cases/{id}`; solving it is a close request whose decision
appears there too; another platform's token is told nothing of the case."""

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx

from shared.auth.development import DevelopmentIssuer
from shared.auth.roles import Role
from shared.envelope import utc_now
from tests.integration.console_serving import Services, embedded_services
from tests.integration.intake.test_platforms_on_kafka import zendesk_headers
from tests.unit.intake.platforms.test_zendesk import ticket_created

SECRET = "zendesk-embedded-secret-0123456789-abcdefghij"
FIELD_ID = "360001234"
REASON_FIELD = "360005678"
PERSONAL = ("山田", "taro.yamada", "+81 90-1234-5678", "ケトル")
EDITED = "追記: 注文番号は A-1001 です。ケトルはまだ届いていません。"


def platform_headers(services: Services, platform: str) -> dict[str, str]:
    return platform_token(services.issuer, platform)


def platform_token(issuer: DevelopmentIssuer, platform: str) -> dict[str, str]:
    """A support platform integration's bearer token: role `platform`, its `platform` claim."""
    token = issuer.token(
        f"{platform}-integration", [Role.PLATFORM], "caselog", extra_claims={"platform": platform}
    )
    return {"Authorization": f"Bearer {token}"}


async def send(
    client: httpx.AsyncClient, payload: dict[str, Any], intake: str = "/intake"
) -> httpx.Response:
    """A signed Zendesk delivery to intake (mounted at `intake`: `/intake` when embedded)."""
    body = json.dumps(payload).encode()
    headers = zendesk_headers(body, SECRET)
    return await client.post(f"{intake}/v1/webhooks/zendesk", content=body, headers=headers)


async def decided(
    client: httpx.AsyncClient,
    case_id: str,
    headers: dict[str, str],
    caused_by: str,
    *,
    intake: str = "/intake",
    patience_s: float = 30.0,
) -> dict[str, Any]:
    """The case's status once its latest decision is the one on `caused_by`."""
    deadline = time.monotonic() + patience_s
    while True:
        status = await client.get(f"{intake}/v1/cases/{case_id}", headers=headers)
        assert status.status_code == 200, status.text
        decision = status.json()["decision"]
        if decision is not None and decision["caused_by"] == caused_by:
            answer: dict[str, Any] = status.json()
            return answer
        assert time.monotonic() < deadline, f"no decision on {caused_by}: {status.text}"
        await asyncio.sleep(0.3)


def purchasers_ticket(ticket_id: str) -> dict[str, Any]:
    return ticket_created(
        id=ticket_id,
        created_at=utc_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        custom_fields=[{"id": int(FIELD_ID), "value": "purchaser"}],
    )


def solved(ticket: dict[str, Any]) -> dict[str, Any]:
    return {
        **ticket,
        "type": "zen:event-type:ticket.status_changed",
        "id": "5b0e7c1e-9d4f-4c8e-a3b1-2f6d8e9a0c11",
        "time": utc_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "event": {"current": "SOLVED", "previous": "OPEN"},
    }


async def test_a_purchaser_ticket_is_decided_as_such_and_solving_it_asks_policy(
    tmp_path: Path,
) -> None:
    ticket = purchasers_ticket("70001")
    async with (
        embedded_services(
            tmp_path,
            zendesk_webhook_secret=SECRET,
            zendesk_relationship_field=FIELD_ID,
            zendesk_closure_reason_field=REASON_FIELD,
        ) as services,
        httpx.AsyncClient(base_url=services.url) as client,
    ):
        zendesk = platform_headers(services, "zendesk")
        opened = await send(client, ticket)
        assert opened.status_code == 202, opened.text
        case_id, consultation_id = opened.json()["case_id"], opened.json()["event_id"]
        assert opened.json()["status"] == f"/intake/v1/cases/{case_id}"
        first = await decided(client, case_id, zendesk, consultation_id)
        retried = await send(client, ticket)
        edited = {**ticket, "detail": {**ticket["detail"], "description": EDITED}}
        changed = await send(client, edited)
        changed_again = await send(client, edited)

        close = await send(client, solved(ticket))
        again = await send(client, solved(ticket))
        closure = await decided(client, case_id, zendesk, close.json()["event_id"])

        freshdesk = await client.get(
            f"/intake/v1/cases/{case_id}", headers=platform_headers(services, "freshdesk")
        )
        agent = await client.get(
            f"/intake/v1/cases/{case_id}", headers=services.headers(Role.AGENT)
        )

    decision = first["decision"]
    assert decision["type"] == "policy.decided"
    assert decision["outcome"] == "accept", decision  # unknown relationships are restricted
    assert "scope-relationship" not in decision["rules"]
    assert decision["decision_id"]
    assert retried.json() == {**opened.json(), "duplicate": True}
    assert changed.status_code == 202, changed.text
    assert changed.json()["case_id"] == case_id
    assert changed.json()["duplicate"] is False
    assert changed.json()["event_id"] != consultation_id
    assert changed_again.json() == {**changed.json(), "duplicate": True}
    assert close.status_code == 202, close.text
    assert "policy decides" in close.json()["note"]
    assert again.json() == {**close.json(), "duplicate": True}
    assert closure["decision"]["type"] == "closure.decided"
    assert closure["decision"]["decision_id"] != decision["decision_id"]
    assert [event["type"] for event in closure["events"]] == [
        "consultation.received",
        "contact.logged",
        "closure.requested",
    ]
    assert freshdesk.status_code == 404
    assert agent.status_code == 200
    assert agent.json()["decision"] == closure["decision"]
    for answer in (first, closure):
        for value in PERSONAL:
            assert value not in json.dumps(answer, ensure_ascii=False)
