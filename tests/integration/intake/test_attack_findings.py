"""Issue 14's attacks on intake, replayed on Kafka and PostgreSQL: each must now be refused.

Findings 1 (client times), 2 (platform from the credential), 3 (idempotency scopes), and
intake's parts of 9 (times at the datetime limits, deep webhook bodies), 10 (webhook secret
strength) and 18 (404s that repeat the path id).
"""

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient, Response
from pydantic import SecretStr

from services.intake.adapters.platforms.errors import PlatformPayloadError
from services.intake.adapters.platforms.payload import json_object
from services.intake.adapters.platforms.registry import WebhookSecretTooWeakError
from services.intake.entrypoints.http import create_app
from shared.auth.development import DevelopmentIssuer
from shared.auth.roles import Role
from shared.envelope import utc_now
from shared.settings import CaselogSettings
from tests.integration.intake.conftest import AppFactory, bearer, consultation
from tests.integration.intake.test_platforms_on_kafka import zendesk_headers
from tests.unit.intake.platforms.test_zendesk import ticket_created

AGENT_ROLES = (Role.AGENT, Role.SUPERVISOR)


def now_iso(**offset: float) -> str:
    return (utc_now() + timedelta(**offset)).isoformat()


def fresh_consultation(**changes: Any) -> dict[str, Any]:
    return consultation(f"attack-{uuid.uuid4().hex[:12]}", **{"received_at": now_iso(), **changes})


async def open_case(client: AsyncClient, **changes: Any) -> str:
    answered = await client.post("/v1/consultations", json=fresh_consultation(**changes))
    assert answered.status_code == 202, answered.text
    return str(answered.json()["case_id"])


def refused_field(response: Response, status: int = 422) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["field"])


def contact(**changes: Any) -> dict[str, Any]:
    return {
        "kind": "customer_contact",
        "channel": "phone",
        "occurred_at": now_iso(),
        "body": "もう一度お電話しました。",
        **changes,
    }


# Finding 1: backdated and far-future client times.


async def test_a_close_requested_in_2000_on_a_case_opened_today_is_refused(
    intake_client: AppFactory, token_issuer: DevelopmentIssuer
) -> None:
    async with intake_client() as client:
        case_id = await open_case(client)
        closing = await client.post(
            f"/v1/cases/{case_id}/close",
            json={"reason": "satisfied", "requested_at": "2000-01-01T00:00:00Z"},
            headers=bearer(token_issuer, *AGENT_ROLES),
        )
        in_time = await client.post(
            f"/v1/cases/{case_id}/close",
            json={"reason": "satisfied", "requested_at": now_iso()},
            headers=bearer(token_issuer, *AGENT_ROLES),
        )
    assert refused_field(closing) == "requested_at"
    assert "2000" not in closing.text
    assert in_time.status_code == 202, in_time.text


async def test_a_consultation_received_on_9999_12_31_is_refused(
    intake_client: AppFactory,
) -> None:
    async with intake_client() as client:
        answered = await client.post(
            "/v1/consultations", json=fresh_consultation(received_at="9999-12-31T00:00:00Z")
        )
    assert refused_field(answered) == "received_at"
    assert "9999" not in answered.text


async def test_every_client_time_of_a_case_keeps_to_the_skew_and_the_case_opening(
    intake_client: AppFactory, token_issuer: DevelopmentIssuer
) -> None:
    async with intake_client() as client:
        case_id = await open_case(client)
        early_contact = await client.post(
            f"/v1/cases/{case_id}/contacts", json=contact(occurred_at=now_iso(days=-2))
        )
        future_contact = await client.post(
            f"/v1/cases/{case_id}/contacts", json=contact(occurred_at=now_iso(minutes=10))
        )
        recording = {"uri": "s3://calls/1.wav", "sha256": "0" * 64, "duration_seconds": 5}
        early_recording = await client.post(
            f"/v1/cases/{case_id}/recordings",
            json={**recording, "recorded_at": now_iso(days=-2)},
        )
        backdated_answer = await client.post(
            "/v1/consultations",
            json=fresh_consultation(
                call={"duration_seconds": 60, "final_answer_given_at": now_iso(days=-3)}
            ),
        )
        slightly_ahead = await client.post(
            f"/v1/cases/{case_id}/contacts", json=contact(occurred_at=now_iso(minutes=2))
        )
    assert refused_field(early_contact) == "occurred_at"
    assert refused_field(future_contact) == "occurred_at"
    assert refused_field(early_recording) == "recorded_at"
    assert refused_field(backdated_answer) == "call.final_answer_given_at"
    assert slightly_ahead.status_code == 202, slightly_ahead.text  # within the 5-minute skew


# Finding 9 (intake's part): a time at the datetime limits is a 422, not an OverflowError.


async def test_a_time_at_the_datetime_limits_is_a_422_naming_the_field(
    intake_client: AppFactory,
) -> None:
    async with intake_client() as client:
        case_id = await open_case(client)
        at_limits = [
            await client.post(
                "/v1/consultations",
                json=fresh_consultation(received_at="9999-12-31T23:59:59-14:00"),
            ),
            await client.post(
                f"/v1/cases/{case_id}/contacts",
                json=contact(occurred_at="0001-01-01T00:00:00+14:00"),
            ),
        ]
    assert [refused_field(answer) for answer in at_limits] == ["received_at", "occurred_at"]


# Finding 2: a REST writer posing as a webhook platform.


async def test_a_rest_token_cannot_claim_a_zendesk_ticket_and_the_signed_webhook_is_recorded(
    intake_client: AppFactory,
) -> None:
    ticket = str(uuid.uuid4().int % 10**9)
    posing = fresh_consultation(source={"platform": "zendesk", "external_id": ticket})
    genuine = json.dumps(ticket_created(id=ticket, created_at=now_iso())).encode()
    async with intake_client() as client:
        impostor = await client.post("/v1/consultations", json=posing)
        webhook = await client.post(
            "/v1/webhooks/zendesk", content=genuine, headers=zendesk_headers(genuine)
        )
        rest_contact_as_zendesk = await client.post(
            f"/v1/cases/{webhook.json()['case_id']}/contacts",
            json=contact(source={"platform": "zendesk", "external_id": "c-1"}),
        )
    assert refused_field(impostor) == "source.platform"
    assert webhook.status_code == 202, webhook.text
    assert webhook.json()["duplicate"] is False
    assert refused_field(rest_contact_as_zendesk) == "source.platform"


async def test_a_token_with_a_platform_claim_records_under_that_platform(
    intake_client: AppFactory, token_issuer: DevelopmentIssuer
) -> None:
    external_id = uuid.uuid4().hex[:12]
    token = token_issuer.token(
        "freshdesk-bridge", [Role.PLATFORM], "caselog", extra_claims={"platform": "freshdesk"}
    )
    as_freshdesk = {"Authorization": f"Bearer {token}"}
    async with intake_client() as client:
        without_platform = fresh_consultation(source={"external_id": external_id})
        by_claim = await client.post(
            "/v1/consultations", json=without_platform, headers=as_freshdesk
        )
        same_id_by_rest = await client.post(
            "/v1/consultations", json=fresh_consultation(source={"external_id": external_id})
        )
    assert by_claim.status_code == 202, by_claim.text
    assert same_id_by_rest.status_code == 202, same_id_by_rest.text
    # The same external id from another platform is another ticket, not a repeat of it.
    assert same_id_by_rest.json()["duplicate"] is False
    assert same_id_by_rest.json()["case_id"] != by_claim.json()["case_id"]


# Finding 3: idempotency keys scoped by (caller, command, case), checked against the body.


async def test_an_idempotency_key_is_scoped_by_case_command_and_caller(
    intake_client: AppFactory, token_issuer: DevelopmentIssuer
) -> None:
    key = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    other_caller = bearer(token_issuer, Role.PLATFORM) | key
    other_caller["Authorization"] = bearer_for(token_issuer, "another-integration")
    same = contact()
    async with intake_client() as client:
        first_case, second_case = await open_case(client), await open_case(client)
        first = await client.post(f"/v1/cases/{first_case}/contacts", json=same, headers=key)
        retry = await client.post(f"/v1/cases/{first_case}/contacts", json=same, headers=key)
        other_case = await client.post(f"/v1/cases/{second_case}/contacts", json=same, headers=key)
        unknown_case = await client.post("/v1/cases/09077771234/contacts", json=same, headers=key)
        recording = {"uri": "s3://calls/2.wav", "sha256": "1" * 64, "duration_seconds": 5}
        other_command = await client.post(
            f"/v1/cases/{first_case}/recordings", json=recording, headers=key
        )
        another_caller = await client.post(
            f"/v1/cases/{first_case}/contacts", json=same, headers=other_caller
        )
    assert first.status_code == 202
    assert first.json()["duplicate"] is False
    assert retry.json() == first.json() | {"duplicate": True}
    for answer in (other_case, other_command, another_caller):
        assert answer.status_code == 202, answer.text
        assert answer.json()["duplicate"] is False
        assert answer.json()["event_id"] != first.json()["event_id"]
    assert other_case.json()["case_id"] == second_case
    assert refused_field(unknown_case, 404) == "case_id"
    assert "09077771234" not in unknown_case.text


def bearer_for(issuer: DevelopmentIssuer, subject: str) -> str:
    return f"Bearer {issuer.token(subject, [Role.PLATFORM], 'caselog')}"


async def test_an_idempotency_key_reused_with_another_body_is_a_422(
    intake_client: AppFactory,
) -> None:
    key = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    occurred = now_iso()
    async with intake_client() as client:
        case_id = await open_case(client)
        url = f"/v1/cases/{case_id}/contacts"
        first = await client.post(url, json=contact(occurred_at=occurred), headers=key)
        same = await client.post(url, json=contact(occurred_at=occurred), headers=key)
        changed = await client.post(
            url, json=contact(occurred_at=occurred, body="内容を変えました。"), headers=key
        )
    assert first.status_code == 202
    assert same.json()["duplicate"] is True
    assert refused_field(changed) == "header.Idempotency-Key"
    assert "内容" not in changed.text


async def test_a_contact_source_id_never_stands_for_a_consultation_ticket(
    intake_client: AppFactory,
) -> None:
    async with intake_client() as client:
        case_id = await open_case(client)
        external_id = uuid.uuid4().hex[:12]
        logged = await client.post(
            f"/v1/cases/{case_id}/contacts",
            json=contact(source={"platform": "rest", "external_id": external_id}),
        )
        ticket = await client.post(
            "/v1/consultations",
            json=fresh_consultation(source={"platform": "rest", "external_id": external_id}),
        )
    assert logged.status_code == 202, logged.text
    assert ticket.status_code == 202, ticket.text
    assert ticket.json()["duplicate"] is False
    assert ticket.json()["case_id"] != case_id


# Finding 18 (intake's part): a 404 does not repeat the path id.


async def test_an_unknown_case_answers_404_without_repeating_its_id(
    intake_client: AppFactory,
) -> None:
    async with intake_client() as client:
        status = await client.get("/v1/cases/09077771234")
        webhook = await client.post("/v1/webhooks/taroyamada", json={})
    assert refused_field(status, 404) == "case_id"
    assert "09077771234" not in status.text
    assert webhook.status_code == 404
    assert "taroyamada" not in webhook.text


# Finding 9 (intake's part): a signed webhook body nested 5,000 deep is a 4xx.


async def test_a_signed_webhook_body_nested_5000_deep_is_refused_with_a_4xx(
    intake_client: AppFactory,
) -> None:
    deep = b'{"type": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    async with intake_client() as client:
        answered = await client.post(
            "/v1/webhooks/zendesk", content=deep, headers=zendesk_headers(deep)
        )
    assert answered.status_code == 422, answered.text
    assert answered.json()["field"] == "body"


def test_a_signed_payload_nested_deeper_than_the_parsers_is_a_payload_error() -> None:
    # Behind the HTTP limit (which stops such a body first), the parsing itself refuses it:
    # ingress messages reach it without passing any HTTP middleware.
    deep = b'{"type": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    with pytest.raises(PlatformPayloadError) as caught:
        json_object(deep)
    assert caught.value.field == "body"


# Finding 10: a guessable webhook secret stops start-up, naming the setting.


@pytest.mark.parametrize(
    ("setting", "weak"),
    [
        ("zendesk_webhook_secret", "short"),
        ("intercom_client_secret", "a" * 40),
        ("freshdesk_webhook_secret", "0123456789" * 3),
        ("freshdesk_basic_auth", "caselog:password"),
    ],
)
def test_a_weak_webhook_secret_stops_start_up_naming_the_setting(
    setting: str, weak: str, intake_settings: CaselogSettings
) -> None:
    weakened = intake_settings.model_copy(update={setting: SecretStr(weak)})
    with pytest.raises(WebhookSecretTooWeakError) as caught:
        create_app(weakened)
    assert f"CASELOG_{setting.upper()}" in str(caught.value)
    assert weak not in str(caught.value)


def test_development_mode_refuses_a_weak_secret_too(intake_settings: CaselogSettings) -> None:
    weakened = intake_settings.model_copy(
        update={"environment": "development", "zendesk_webhook_secret": SecretStr("secret")}
    )
    with pytest.raises(WebhookSecretTooWeakError):
        create_app(weakened)
