"""Retention on real Kafka and PostgreSQL: a hold keeps a case past retention from the sweep
and from an erasure request, both report it; released, the next sweep anonymizes the case,
its copy holds nothing of the subject in any written form, and the original reads [erased]."""

import asyncio
import json
from pathlib import Path

import pytest

from services.privacy.bootstrap import Topics
from services.runtime.cli import main
from shared.auth.roles import Role
from shared.crypto.grants import reader_for
from shared.crypto.runtime import build_personal_data
from shared.envelope import decode_envelope
from shared.settings import CaselogSettings
from tests.integration.personal_forms import leaks
from tests.integration.privacy.conftest import AppFactory
from tests.integration.topic_reader import read_topic
from tests.unit.privacy.samples import consultation, random_person

HOLD = {"matter": "令和8年(ワ)第1234号", "reason": "損害賠償請求訴訟の証拠"}


async def test_a_held_case_is_kept_and_anonymized_once_released(
    privacy_app: AppFactory,
    privacy_settings: CaselogSettings,
    privacy_topics: Topics,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = random_person()
    async with privacy_app() as running:
        client, officer = running.client, running.as_role(Role.PRIVACY_OFFICER)
        legal = running.as_role(Role.LEGAL)
        case = await running.intake_case(person)
        placed = await client.post(
            "/v1/holds", json={"case_id": case.case_id, **HOLD}, headers=legal
        )
        assert placed.status_code == 201, placed.text
        [hold] = placed.json()
        running.clock.advance(days=365 * 5 + 30)

        real = {"dry_run": False}
        held = (await client.post("/v1/retention/sweep", json=real, headers=officer)).json()
        refused = await client.post(
            "/v1/requests/erasure", json={"email": person.email}, headers=officer
        )
        keys = running.privacy.personal.keys
        kept_key = await keys.tombstone(case.case_id)
        released = await client.post(
            f"/v1/holds/{hold['hold_id']}/release", json={"note": "和解成立"}, headers=legal
        )
        running.clock.advance(days=8)  # past the cooling-off after a release
        swept = (await client.post("/v1/retention/sweep", json=real, headers=officer)).json()
        copies = (await client.get("/v1/anonymized?limit=1000", headers=officer)).json()

    ours = [i for i in held["held"] if i["case_id"] == case.case_id]
    assert [(i["kind"], [h["hold_id"] for h in i["holds"]]) for i in ours] == [
        ("case_record", [hold["hold_id"]]),
        ("call_recording", [hold["hold_id"]]),
    ]
    assert case.case_id not in {i["case_id"] for i in held["done"]}
    receipt = refused.json()["receipt"]
    assert receipt["status"] == "partial"
    assert [h["case_id"] for h in receipt["held_cases"]] == [case.case_id]
    assert receipt["held_cases"][0]["holds"][0]["hold_id"] == hold["hold_id"]
    assert receipt["keys_destroyed"] == []
    assert kept_key is None
    assert released.json()["released_by"] == "test-legal"
    assert {(i["kind"], i["case_id"]) for i in swept["done"]} >= {
        ("case_record", case.case_id),
        ("call_recording", case.case_id),
    }

    events = await read_topic(privacy_settings.kafka_bootstrap_servers, privacy_topics.privacy)
    ours_on_topic = [decode_envelope(r.value) for r in events]
    [anonymized] = [
        e for e in ours_on_topic if e.type == "case.anonymized" and e.case_id == case.case_id
    ]
    copy_id = anonymized.payload["copy_id"]
    [copy] = [c for c in copies["copies"] if c["copy_id"] == copy_id]
    assert str(copy["body"]).encode() not in b"".join(r.value for r in events)
    document = json.dumps(copy, ensure_ascii=False)
    assert leaks(document.encode(), person.values()) == []
    assert [p for p in person.name.split() if p in document] == []
    assert copy["product"]["price"] == {"amount": "4980", "currency": "JPY"}
    assert (copy["received_month"], copy["product"]["purchase_month"]) == ("2026-11", "2026-11")
    assert {e.type for e in ours_on_topic if e.case_id == case.case_id} >= {
        "hold.placed",
        "hold.released",
        "case.anonymized",
    }

    exported = tmp_path / "copies.jsonl"
    monkeypatch.setenv("CASELOG_DATABASE_URL", privacy_settings.database_url)
    monkeypatch.setenv("CASELOG_KEYSTORE_URL", privacy_settings.keystore_url)  # the copy keys
    # The command runs its own event loop, as it does from a shell.
    await asyncio.to_thread(main, ["export-anonymized", "--output", str(exported)])
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert copy_id in {line["copy_id"] for line in lines}
    assert leaks(exported.read_bytes(), person.values()) == []

    fresh = build_personal_data(privacy_settings)  # no cached key: what any reader sees now
    original = case.envelopes[0]
    decrypted = await fresh.codec.decrypt(
        original.payload,
        type(consultation()),
        case_id=case.case_id,
        event_id=original.event_id,
        reader=reader_for("privacy"),
    )
    await fresh.close()
    assert decrypted["customer"]["name"] == "[erased]"
    assert decrypted["body"] == "[erased]"


async def test_every_route_checks_the_callers_role(privacy_app: AppFactory) -> None:
    async with privacy_app() as running:
        client = running.client
        agent_holds = await client.post(
            "/v1/holds", json={"subject_id": "s-1", **HOLD}, headers=running.as_role(Role.AGENT)
        )
        legal_sweeps = await client.post("/v1/retention/sweep", headers=running.as_role(Role.LEGAL))
        legal_erases = await client.post(
            "/v1/requests/erasure",
            json={"email": "a@example.jp"},
            headers=running.as_role(Role.LEGAL),
        )
        anonymous = await client.get("/v1/holds")
        admin_reads = await client.get("/v1/holds", headers=running.as_role(Role.ADMIN))
        legal_holds = await client.post(
            "/v1/holds", json={"subject_id": "s-1", **HOLD}, headers=running.as_role(Role.LEGAL)
        )
        bad_as_of = await client.post(
            "/v1/retention/sweep",
            json={"dry_run": False, "as_of": "2040-01-01T00:00:00Z"},
            headers=running.as_role(Role.PRIVACY_OFFICER),
        )
    assert agent_holds.status_code == 403
    assert legal_sweeps.status_code == 403
    assert legal_erases.status_code == 403
    assert anonymous.status_code == 401
    assert admin_reads.status_code == 200
    assert legal_holds.status_code == 201
    assert (bad_as_of.status_code, bad_as_of.json()["field"]) == (422, "as_of")
