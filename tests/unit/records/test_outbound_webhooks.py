"""Outbound Standard Webhooks from the records app on the embedded bus: a receiver started by the
test verifies every delivery with the `standardwebhooks` library's own verifier, so what is
checked is the spec, not caselog's idea of it. Retries after a 500 keep the webhook-id, a
subscription whose delivery fails for the whole (shortened) schedule is disabled, a delivery can
be sent again by hand, only admins manage subscriptions, and no body carries personal data."""

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pytest_httpserver import HTTPServer

from services.records.adapters.webhook_sender import HttpxSender, check_url, signed_headers
from services.records.domain.webhook_schemas import PAYLOAD_MODELS, schema_files
from services.records.domain.webhooks import UnsafeWebhookUrlError, webhook_payload
from services.records.entrypoints.http import create_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.bus.envelopes import envelope_message
from shared.envelope import Envelope
from shared.settings import CaselogSettings
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


@pytest.fixture
def webhook_settings(settings: CaselogSettings) -> CaselogSettings:
    return settings.model_copy(
        update={
            "records_webhook_retry_waits_s": (0.05, 0.05),
            "records_webhook_poll_interval_s": 0.02,
        }
    )


@pytest.fixture
async def webhook_app(webhook_settings: CaselogSettings) -> AsyncIterator[FastAPI]:
    app = create_app(webhook_settings)
    async with app.router.lifespan_context(app):
        yield app


def token(tmp_path: Path, role: Role) -> str:
    return development_issuer(tmp_path / "auth").token(f"{role}-1", [role], "caselog")


@pytest.fixture
async def admin(webhook_app: FastAPI, tmp_path: Path) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        transport=ASGITransport(webhook_app),
        base_url="http://records",
        headers={"Authorization": f"Bearer {token(tmp_path, Role.ADMIN)}"},
    ) as http:
        yield http


async def publish(app: FastAPI, topic: str, envelope: Envelope) -> None:
    await app.state.records.infrastructure.bus.publish(envelope_message(topic, envelope))


async def test_every_delivery_verifies_and_a_500_is_retried_with_the_same_webhook_id(
    webhook_app: FastAPI, admin: AsyncClient, httpserver: HTTPServer
) -> None:
    receiver = Receiver(httpserver, answers=[500])
    subscription = await subscribe(admin, receiver, ["decision", "hold"])
    assert subscription["secret"].startswith("whsec_")

    await publish(webhook_app, "caselog.policy", decision())
    await publish(webhook_app, "caselog.privacy", hold())
    await until(lambda: len(receiver.verified) == 3)
    log = await admin.get(
        f"/v1/outbound-webhooks/subscriptions/{subscription['subscription_id']}/deliveries"
    )

    assert receiver.refused == []
    ids = [headers["webhook-id"] for headers, _ in receiver.verified]
    decided = [p for _, p in receiver.verified if p["type"] == "caselog.decision"]
    assert len(decided) == 2
    assert ids.count(ids[0]) == 2  # the retry after the 500 is the same message
    assert decided[0]["data"]["rules"] == ["abusive_language"]
    assert decided[0]["data"]["outcome"] == "refuse"
    assert {d["status"] for d in log.json()} == {"succeeded"}
    assert sorted(d["attempts"] for d in log.json()) == [1, 2]
    for body in receiver.bodies:
        # JSON escapes the Japanese name (\u5c71...): the decoded text is scanned too.
        decoded = json.dumps(json.loads(body), ensure_ascii=False)
        for personal in (SEEDED_NAME, SEEDED_EMAIL, SEEDED_PHONE, "subject-1"):
            assert personal not in body
            assert personal not in decoded
    listed = await admin.get("/v1/outbound-webhooks/subscriptions")
    assert "secret" not in listed.json()[0]


async def test_a_tampered_or_replayed_delivery_fails_the_standard_verifier(
    httpserver: HTTPServer,
) -> None:
    receiver = Receiver(httpserver)
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    receiver.secret = secret
    body = json.dumps({"type": "caselog.decision", "data": {"case_id": "case-1"}})
    now = datetime.now(UTC)
    async with AsyncClient() as http:
        honest = signed_headers(secret, "msg_1", now, body)
        await http.post(receiver.url, content=body, headers=honest)
        await http.post(receiver.url, content=body.replace("case-1", "case-2"), headers=honest)
        old = now - timedelta(minutes=10)
        await http.post(
            receiver.url, content=body, headers=signed_headers(secret, "msg_1", old, body)
        )

    assert len(receiver.verified) == 1
    assert receiver.refused == ["No matching signature found", "Message timestamp too old"]


async def test_persistent_failure_disables_and_a_redelivery_succeeds(
    webhook_app: FastAPI, admin: AsyncClient, httpserver: HTTPServer
) -> None:
    receiver = Receiver(httpserver, answers=[500, 500, 500])
    subscription = await subscribe(admin, receiver, ["decision"])
    path = f"/v1/outbound-webhooks/subscriptions/{subscription['subscription_id']}"
    logged: list[dict[str, Any]] = []

    async def refresh() -> None:
        logged[:] = (await admin.get(f"{path}/deliveries")).json()

    await publish(webhook_app, "caselog.policy", decision())
    await until(lambda: len(receiver.verified) == 3)
    await until(lambda: any(d["status"] == "failed" for d in logged), refresh)
    (failed,) = (await admin.get(f"{path}/deliveries")).json()
    assert failed["status"] == "failed"
    assert failed["attempts"] == 3
    assert failed["last_error"] == "HTTP 500"
    assert (await admin.get("/v1/outbound-webhooks/subscriptions")).json()[0]["enabled"] is False

    assert (await admin.patch(path, json={"enabled": 0})).status_code == 422  # not a boolean
    assert (await admin.patch(path, json={"enabled": True})).json()["enabled"] is True
    again = await admin.post(f"{path}/deliveries/{failed['delivery_id']}/redeliver")
    assert again.status_code == 202
    await until(lambda: len(receiver.verified) == 4)
    await until(lambda: [d["status"] for d in logged] == ["succeeded"], refresh)
    assert receiver.verified[-1][0]["webhook-id"] == failed["webhook_id"]

    assert (await admin.delete(path)).status_code == 204
    assert (await admin.get(f"{path}/deliveries")).status_code == 404


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEGAL, Role.PRIVACY_OFFICER, Role.PLATFORM])
async def test_only_admins_manage_subscriptions(
    webhook_app: FastAPI, tmp_path: Path, role: Role
) -> None:
    async with AsyncClient(
        transport=ASGITransport(webhook_app),
        base_url="http://records",
        headers={"Authorization": f"Bearer {token(tmp_path, role)}"},
    ) as http:
        created = await http.post(
            "/v1/outbound-webhooks/subscriptions",
            json={"url": "https://hooks.example.com/", "event_types": ["decision"]},
        )
        listed = await http.get("/v1/outbound-webhooks/subscriptions")
    assert created.status_code == 403
    assert listed.status_code == 403


async def test_payload_schemas_are_published(admin: AsyncClient) -> None:
    schemas = (await admin.get("/v1/outbound-webhooks/schemas")).json()
    assert set(schemas) == {
        "caselog.decision",
        "caselog.closure",
        "caselog.hold",
        "caselog.erasure_completion",
    }
    assert schemas["caselog.hold"]["additionalProperties"] is False


@pytest.mark.parametrize(
    "url",
    ["ftp://hooks.example.com/", "http://127.0.0.1/hook", "https://10.0.0.7/", "http://[::1]/"],
)
def test_production_refuses_urls_that_are_not_public_http(url: str) -> None:
    with pytest.raises(UnsafeWebhookUrlError):
        check_url(url, production=True, allowed_hosts=())


def test_an_allow_listed_host_is_admitted_in_production() -> None:
    check_url("http://127.0.0.1:9000/hook", production=True, allowed_hosts=("127.0.0.1",))
    check_url("http://127.0.0.1:9000/hook", production=False, allowed_hosts=())


async def test_subscriptions_and_the_delivery_log_survive_a_restart(
    webhook_settings: CaselogSettings, tmp_path: Path, httpserver: HTTPServer
) -> None:
    receiver = Receiver(httpserver)
    headers = {"Authorization": f"Bearer {token(tmp_path, Role.ADMIN)}"}
    for run in range(2):
        app = create_app(webhook_settings)
        async with (
            app.router.lifespan_context(app),
            AsyncClient(transport=ASGITransport(app), base_url="http://r", headers=headers) as http,
        ):
            if run == 0:
                subscription = await subscribe(http, receiver, ["decision"])
                await publish(app, "caselog.policy", decision())
                await until(lambda: len(receiver.verified) == 1)
            path = f"/v1/outbound-webhooks/subscriptions/{subscription['subscription_id']}"
            listed = (await http.get("/v1/outbound-webhooks/subscriptions")).json()
            log = (await http.get(f"{path}/deliveries")).json()
    assert [s["subscription_id"] for s in listed] == [subscription["subscription_id"]]
    assert [(d["status"], d["attempts"]) for d in log] == [("succeeded", 1)]
    assert len(receiver.verified) == 1  # the restart did not send it again


def test_the_committed_payload_schemas_are_the_published_ones() -> None:
    schemas = Path(__file__).resolve().parents[3] / "schemas"
    for relative, text in schema_files().items():
        assert (schemas / relative).read_text(encoding="utf-8") == text, "run `make schemas`"


def erasure() -> Envelope:
    return Envelope(
        type="subject.erased",
        schema_version=1,
        case_id="case-1",
        subject_id="subject-1",
        occurred_at=datetime(2026, 12, 4, 11, tzinfo=UTC),
        producer="privacy",
        correlation_id="corr-3",
        payload={
            "request_id": "erasure-1",
            "subject_ids": ["subject-1"],
            "erased_case_ids": ["case-1"],
            "held_case_ids": [],
            "subject_index_forgotten": True,
            "erased_at": "2026-12-04T11:00:00+00:00",
            "key_id": "kek-7",
        },
    )


@pytest.mark.parametrize(
    ("envelope", "kind"),
    [
        (decision(), "caselog.decision"),
        (decision().model_copy(update={"type": "closure.decided"}), "caselog.closure"),
        (hold(), "caselog.hold"),
        (hold().model_copy(update={"type": "hold.released"}), "caselog.hold"),
        (erasure(), "caselog.erasure_completion"),
    ],
)
def test_every_payload_fits_its_published_schema_and_names_no_subject(
    envelope: Envelope, kind: str
) -> None:
    payload = webhook_payload(envelope)
    assert payload is not None
    assert payload["type"] == kind
    PAYLOAD_MODELS[kind].model_validate(payload)  # extra fields are refused by the schema
    assert "subject-1" not in json.dumps(payload)


def test_other_event_types_are_never_delivered() -> None:
    assert webhook_payload(decision().model_copy(update={"type": "consultation.received"})) is None


async def test_production_checks_the_address_again_before_every_call(
    httpserver: HTTPServer,
) -> None:
    receiver = Receiver(httpserver)
    receiver.secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    async with AsyncClient() as client:
        refused = await HttpxSender(client, production=True)(
            receiver.url, receiver.secret, "msg_1", datetime.now(UTC), "{}"
        )
        allowed = await HttpxSender(client, production=True, allowed_hosts=("localhost",))(
            receiver.url, receiver.secret, "msg_1", datetime.now(UTC), "{}"
        )
    assert (refused.ok, refused.error) == (False, "UnsafeWebhookUrlError")
    assert allowed.ok
    assert len(receiver.verified) == 1
