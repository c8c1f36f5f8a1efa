"""Access and erasure on real Kafka and PostgreSQL: the export holds every case, contact and
decision; after erasure no database table, topic or log line holds the subject's values, the
subject can no longer be found, and the signed receipt verifies offline (and not once changed)."""

import asyncio
import io
import json
import secrets
from dataclasses import astuple
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.privacy.bootstrap import Topics
from services.runtime.cli import main
from shared.auth.roles import Role
from shared.bus.policy import dlq_topic
from shared.crypto.identities import email_identity, phone_identity
from shared.crypto.runtime import build_personal_data
from shared.envelope import Envelope
from shared.settings import CaselogSettings
from tests.integration.personal_forms import leaks
from tests.integration.privacy.conftest import AppFactory, Running
from tests.integration.privacy.scans import table_dump
from tests.integration.topic_reader import read_topic
from tests.unit.privacy.receipts import tampered
from tests.unit.privacy.samples import SampleCase, random_person


def recommending(case: SampleCase) -> Envelope:
    """Policy's decision on the consultation, recommending a legal hold."""
    return Envelope(
        type="policy.decided",
        schema_version=1,
        case_id=case.case_id,
        subject_id=case.subject_id,
        occurred_at=datetime(2026, 11, 2, 2, tzinfo=UTC),
        producer="policy",
        causation_id=str(case.envelopes[0].event_id),
        correlation_id=case.envelopes[0].correlation_id,
        payload={
            "outcome": "escalate",
            "reasons": [{"rule": "conduct", "article": "art. 4", "outcome": "escalate"}],
            "actions": ["notify_supervisor", "legal_hold_recommended"],
            "policy_version": "sha256:test",
        },
    )


def acknowledgement(tree_size: int) -> Envelope:
    return Envelope(
        type="records.acknowledged",
        schema_version=1,
        case_id=f"ack-{secrets.token_hex(4)}",
        occurred_at=datetime.now(UTC),
        producer="records",
        correlation_id="ack",
        payload={"tree_size": tree_size, "checkpoint_size": tree_size - 1},
    )


async def eventually(running: Running, path: str, ready: object) -> None:
    for _ in range(150):
        response = await running.client.get(path, headers=running.as_role(Role.ADMIN))
        if ready in response.text:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{path} never showed {ready}")


async def test_access_then_erasure_leaves_nothing_of_the_subject(
    privacy_app: AppFactory,
    privacy_settings: CaselogSettings,
    privacy_topics: Topics,
    log_output: io.StringIO,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    person = random_person()
    tree_size = 10**12 + secrets.randbelow(10**9)  # larger than any real log's
    async with privacy_app() as running:
        client, officer = running.client, running.as_role(Role.PRIVACY_OFFICER)
        closed = await running.intake_case(person)
        still_open = await running.intake_case(person, closed_at=None)
        decision = recommending(closed)
        await running.publish(running.privacy.topics.policy, decision)
        await running.publish(running.privacy.topics.records, acknowledgement(tree_size))
        await eventually(running, "/v1/holds/recommendations", str(decision.event_id))
        await eventually(running, "/v1/records/checkpoint", str(tree_size))

        request = await client.post(
            "/v1/requests/access", json={"phone": person.phone, "regime": "gdpr"}, headers=officer
        )
        export = await client.post(
            f"/v1/requests/access/{request.json()['request_id']}/export", headers=officer
        )
        erased = await client.post(
            "/v1/requests/erasure",
            json={"email": person.email, "phone": person.phone, "reference": "DSR-2026-7"},
            headers=officer,
        )
        stored = await client.get(
            f"/v1/requests/{erased.json()['receipt']['request_id']}/receipt", headers=officer
        )
        key = (await client.get("/v1/receipts/key", headers=officer)).json()["verifier_key"]

    assert request.status_code == 201, request.text
    cases = {case["case_id"]: case for case in export.json()["cases"]}
    assert set(cases) == {closed.case_id, still_open.case_id}
    expected = {str(e.event_id) for e in (*closed.envelopes, decision)}
    assert {e["event_id"] for e in cases[closed.case_id]["events"]} == expected
    contact = next(e for e in cases[closed.case_id]["events"] if e["type"] == "contact.logged")
    assert person.name in contact["payload"]["body"]
    assert [e["type"] for e in cases[still_open.case_id]["events"]] == ["consultation.received"]

    receipt = erased.json()
    assert stored.json() == receipt
    body = receipt["receipt"]
    assert (body["status"], body["reference"]) == ("fulfilled", "DSR-2026-7")
    assert set(body["erased_case_ids"]) == {closed.case_id, still_open.case_id}
    assert len(body["keys_destroyed"]) == 2
    assert body["records_checkpoint"]["tree_size"] == tree_size
    assert {p["place"]: p["status"] for p in body["places"]}["subject index"] == "confirmed"
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt))
    with pytest.raises(SystemExit) as verified:
        main(["verify-receipt", str(path), "--key", key])
    assert verified.value.code == 0
    for field in (["request_id"], ["keys_destroyed", 0, "key_id"], ["completed_at"]):
        path.write_text(json.dumps(tampered(receipt, field)))
        with pytest.raises(SystemExit) as refused:
            main(["verify-receipt", str(path), "--key", key])
        assert refused.value.code == 1
    assert "FAILED" in capsys.readouterr().out

    values = person.values()
    assert leaks(await table_dump(privacy_settings.database_url), values) == []
    assert leaks(await table_dump(privacy_settings.keystore_url), values) == []
    for topic in (*astuple(privacy_topics), dlq_topic(privacy_topics.intake)):
        for record in await read_topic(privacy_settings.kafka_bootstrap_servers, topic):
            assert leaks(record.value, values) == [], topic
    assert "http request" in log_output.getvalue()
    assert leaks(log_output.getvalue().encode(), values) == []
    fresh = build_personal_data(privacy_settings)
    assert await fresh.subjects.lookup(email_identity(person.email)) is None
    assert await fresh.subjects.lookup(phone_identity(person.phone)) is None
    await fresh.close()
