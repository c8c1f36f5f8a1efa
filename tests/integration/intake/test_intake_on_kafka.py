"""Intake on real Kafka and PostgreSQL: encrypted at the edge, recorded once, nothing leaked."""

import asyncio
import io
import uuid

from shared.auth.development import DevelopmentIssuer
from shared.auth.roles import Role
from shared.envelope import decode_envelope
from shared.settings import CaselogSettings
from tests.integration.intake.conftest import AppFactory, bearer, consultation
from tests.integration.personal_forms import leaks
from tests.integration.topic_reader import case_messages, read_topic

TOPIC = "caselog.intake"
PERSONAL = [
    "山田 花子",
    "hanako.yamada@example.jp",
    "090-2345-6789",
    "夫には内緒にしてください",
    "底から水が漏れます",
    "新品と交換してほしい",
    "ケトルの水漏れ",
]


async def events_of(settings: CaselogSettings, case_id: str) -> list[bytes]:
    return await case_messages(settings.kafka_bootstrap_servers, TOPIC, case_id)


def ticket() -> str:
    return f"ticket-{uuid.uuid4().hex[:10]}"


async def test_a_consultation_reaches_the_topic_with_ciphertext_only(
    intake_client: AppFactory, intake_settings: CaselogSettings, log_output: io.StringIO
) -> None:
    async with intake_client() as client:
        response = await client.post("/v1/consultations", json=consultation(ticket()))
        refused = consultation(ticket())
        refused["customer"]["phone"] = "090-2345-678"  # one digit short
        await client.post("/v1/consultations", json=refused)
    assert response.status_code == 202, response.text
    case_id, event_id = response.json()["case_id"], response.json()["event_id"]

    [value] = await events_of(intake_settings, case_id)
    envelope = decode_envelope(value)
    assert str(envelope.event_id) == event_id
    assert envelope.type == "consultation.received"
    assert envelope.subject_id is not None
    customer = envelope.payload["customer"]
    assert isinstance(customer, dict)
    for field in ("name", "email", "phone", "confidential_notes"):
        assert customer[field]["enc"] == "v2", field  # type: ignore[index]
    assert customer["relationship"] == "purchaser"
    assert leaks(value, PERSONAL) == []
    logged = log_output.getvalue()
    assert "http request" in logged, "the service did log"
    assert leaks(logged.encode(), PERSONAL) == []


async def test_the_same_ticket_racing_is_recorded_once(
    intake_client: AppFactory, intake_settings: CaselogSettings
) -> None:
    body = consultation(ticket())
    async with intake_client() as client:
        answers = await asyncio.gather(
            *(client.post("/v1/consultations", json=body) for _ in range(6))
        )
    assert {a.status_code for a in answers} == {202}
    ids = {(a.json()["case_id"], a.json()["event_id"]) for a in answers}
    assert len(ids) == 1
    assert sum(not a.json()["duplicate"] for a in answers) == 1
    [(case_id, _)] = ids
    assert len(await events_of(intake_settings, case_id)) == 1


async def test_a_retry_after_a_restart_returns_the_first_answer(
    intake_client: AppFactory, intake_settings: CaselogSettings
) -> None:
    body = consultation(ticket())
    async with intake_client() as client:
        first = (await client.post("/v1/consultations", json=body)).json()
    async with intake_client() as restarted:
        again = (await restarted.post("/v1/consultations", json=body)).json()
        status = (await restarted.get(f"/v1/cases/{first['case_id']}")).json()
    assert (again["case_id"], again["event_id"]) == (first["case_id"], first["event_id"])
    assert again["duplicate"] is True
    assert len(await events_of(intake_settings, first["case_id"])) == 1
    assert status["events"][0]["published"] is True


async def test_follow_ups_are_idempotent_by_key(
    intake_client: AppFactory, intake_settings: CaselogSettings
) -> None:
    contact = {
        "kind": "agent_response",
        "channel": "phone",
        "occurred_at": "2026-11-02T11:00:00+09:00",
        "body": "交換品を発送しました。山田花子様",
        "final_answer": True,
    }
    async with intake_client() as client:
        case_id = (await client.post("/v1/consultations", json=consultation(ticket()))).json()[
            "case_id"
        ]
        headers = {"Idempotency-Key": "contact-1"}
        url = f"/v1/cases/{case_id}/contacts"
        first, second = [await client.post(url, json=contact, headers=headers) for _ in range(2)]
        other = await client.post(url, json=contact, headers={"Idempotency-Key": "contact-2"})
        missing = await client.post("/v1/cases/no-such-case/contacts", json=contact)
    assert first.json()["event_id"] == second.json()["event_id"]
    assert second.json()["duplicate"] is True
    assert other.json()["event_id"] != first.json()["event_id"]
    assert missing.status_code == 404
    assert missing.json()["field"] == "case_id"
    values = await events_of(intake_settings, case_id)
    assert [decode_envelope(v).type for v in values] == [
        "consultation.received",
        "contact.logged",
        "contact.logged",
    ]
    assert all(leaks(v, ["山田花子", "交換品を発送しました"]) == [] for v in values)


async def test_bad_input_is_refused_with_the_field_and_nothing_is_published(
    intake_client: AppFactory, intake_settings: CaselogSettings
) -> None:
    external_id = ticket()
    naive_time = consultation(external_id, received_at="2026-11-02T10:15:00")
    naive_time["customer"]["email"] = "not an address"
    bad_phone = consultation(external_id)
    bad_phone["customer"]["phone"] = "12"
    async with intake_client() as client:
        invalid = await client.post("/v1/consultations", json=naive_time)
        phone = await client.post("/v1/consultations", json=bad_phone)
        too_big = await client.post(
            "/v1/consultations", json=consultation(external_id, body="あ" * 100_000)
        )
        wrong_type = await client.post(
            "/v1/consultations", content=b"name=x", headers={"Content-Type": "text/plain"}
        )
    assert invalid.status_code == 422
    fields = {problem["field"] for problem in invalid.json()["errors"]}
    assert {"received_at", "customer.email"} <= fields
    assert phone.status_code == 422
    assert phone.json()["field"] == "customer.phone"
    assert too_big.status_code == 413
    assert wrong_type.status_code == 415
    for response in (invalid, phone, too_big, wrong_type):
        assert (
            leaks(response.content, ["山田 花子", "hanako.yamada@example.jp", "090-2345-6789"])
            == []
        )
    # The topic is shared with other tests (and other runs): look for this ticket only.
    published = [
        r.value
        for r in await read_topic(intake_settings.kafka_bootstrap_servers, TOPIC)
        if external_id.encode() in r.value
    ]
    assert published == []


async def test_every_route_checks_the_callers_role(
    intake_client: AppFactory, token_issuer: DevelopmentIssuer
) -> None:
    async with intake_client() as client:
        created = await client.post("/v1/consultations", json=consultation(ticket()))
        case_url = f"/v1/cases/{created.json()['case_id']}"
        anonymous = await client.post(
            "/v1/consultations", json=consultation(ticket()), headers={"Authorization": ""}
        )
        forged = await client.post(
            "/v1/consultations",
            json=consultation(ticket()),
            headers={"Authorization": "Bearer " + "e30." * 2 + "c2ln"},
        )
        legal_writes = await client.post(
            "/v1/consultations",
            json=consultation(ticket()),
            headers=bearer(token_issuer, Role.LEGAL),
        )
        platform_closes = await client.post(
            f"{case_url}/close",
            json={"reason": "satisfied", "requested_at": "2026-11-02T12:00:00+09:00"},
        )
        legal_reads = await client.get(case_url, headers=bearer(token_issuer, Role.LEGAL))
        approval = {
            "reason": "persuasion_difficult",
            "requested_at": "2026-11-02T12:00:00+09:00",
            "supervisor_approved": True,
        }
        agent_approves = await client.post(
            f"{case_url}/close", json=approval, headers=bearer(token_issuer, Role.AGENT)
        )
        supervisor_approves = await client.post(
            f"{case_url}/close", json=approval, headers=bearer(token_issuer, Role.SUPERVISOR)
        )
    assert created.status_code == 202
    assert anonymous.status_code == 401
    assert forged.status_code == 401
    assert legal_writes.status_code == 403
    assert platform_closes.status_code == 403
    assert legal_reads.status_code == 200
    assert agent_approves.status_code == 403, "only a supervisor may approve"
    assert supervisor_approves.status_code == 202
