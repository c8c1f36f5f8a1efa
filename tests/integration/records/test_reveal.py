"""Reveals on real Kafka and PostgreSQL: only legal and privacy officers, only with a purpose,
each one accounted for by an `access.recorded` event in the log and on the records topic; and
after the case key is shredded, `[erased]` while every proof still holds."""

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.records.service_layer.audit import audit_store
from services.runtime.records_cli import verify_file
from shared.auth.roles import Role
from shared.bundle.check import verify_bundle
from shared.bundle.format import parse_bundle
from shared.envelope import decode_envelope
from shared.merkle import encoding
from shared.merkle.checkpoint import open_checkpoint
from shared.merkle.verify import verify_inclusion
from shared.settings import CaselogSettings
from tests.integration.records.cases import (
    BODY,
    EMAIL,
    NAME,
    PHONE,
    consultation,
    contact,
    new_case,
)
from tests.integration.records.conftest import ORIGIN, SIGNER, RunningRecords
from tests.integration.topic_reader import read_topic

T0 = datetime(2025, 11, 5, 9, 0, tzinfo=UTC)
PURPOSE = "litigation L-2025-031 document review"


@pytest.fixture
async def case_id(running: RunningRecords) -> str:
    case = new_case()
    codec = running.records.personal.codec
    events = [
        await consultation(codec, case, T0, T0),
        await contact(codec, case, "折り返しは 090-2345-6789 まで", T0, T0),
    ]
    await running.publish("caselog.intake", *events)
    await running.wait_stored(*events)
    return case[0]


async def _accesses(running: RunningRecords, case_id: str) -> list[dict[str, object]]:
    stored = await running.records.store.case_events(case_id)
    return [decode_envelope(e.leaf).payload for e in stored if e.event_type == "access.recorded"]


async def test_legal_sees_plaintext_and_the_access_is_recorded(
    running: RunningRecords, case_id: str, records_settings: CaselogSettings
) -> None:
    response = await running.get(
        f"/v1/cases/{case_id}/timeline", Role.LEGAL, "legal-7", reveal="true", purpose=PURPOSE
    )

    assert response.status_code == 200, response.text
    body = response.json()
    opened, follow_up = body["events"]
    customer = opened["payload"]["customer"]
    assert (customer["name"], customer["email"], customer["phone"]) == (NAME, EMAIL, PHONE)
    assert opened["payload"]["body"] == BODY
    assert set(opened["revealed_fields"]) >= {"customer.name", "customer.email", "body"}
    assert follow_up["revealed_fields"] == ["body"]
    [access] = await _accesses(running, case_id)
    assert body["access_event_id"]
    assert access["actor"] == "legal-7"
    assert (access["role"], access["purpose"], access["view"]) == ("legal", PURPOSE, "timeline")
    revealed = {item["event_id"]: item["fields"] for item in access["revealed"]}  # type: ignore[attr-defined]
    assert revealed[opened["event_id"]] == opened["revealed_fields"]
    assert NAME not in json.dumps(access, ensure_ascii=False)
    published = await read_topic(records_settings.kafka_bootstrap_servers, "caselog.records")
    keys = {r.key for r in published}
    assert f"access.recorded:{body['access_event_id']}".encode() in keys


async def test_without_reveal_personal_fields_stay_ciphertext_and_nothing_is_recorded(
    running: RunningRecords, case_id: str
) -> None:
    response = await running.get(f"/v1/cases/{case_id}/timeline", Role.AGENT)

    assert response.status_code == 200
    text = response.text
    assert NAME not in text
    assert EMAIL not in text
    assert response.json()["events"][0]["payload"]["customer"]["name"]["enc"] == "v2"
    assert await _accesses(running, case_id) == []


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMIN])
async def test_other_roles_may_not_reveal(
    running: RunningRecords, case_id: str, role: Role
) -> None:
    response = await running.get(
        f"/v1/cases/{case_id}/timeline", role, reveal="true", purpose=PURPOSE
    )
    bundle = await running.get(f"/v1/cases/{case_id}/bundle", role)

    assert response.status_code == 403
    assert "legal" in response.json()["reason"]
    assert bundle.status_code == 403
    assert await _accesses(running, case_id) == []


async def test_a_reveal_without_a_purpose_is_refused(running: RunningRecords, case_id: str) -> None:
    response = await running.get(f"/v1/cases/{case_id}/timeline", Role.LEGAL, reveal="true")

    assert response.status_code == 422
    assert response.json()["field"] == "purpose"
    assert await _accesses(running, case_id) == []


async def test_after_shredding_the_timeline_reads_erased_and_every_proof_holds(
    running: RunningRecords, case_id: str, tmp_path: Path
) -> None:
    records = running.records
    await records.personal.keys.destroy(case_id, actor="privacy-1", reason="erasure ER-2025-4")

    timeline = await running.get(
        f"/v1/cases/{case_id}/timeline", Role.PRIVACY_OFFICER, reveal="true", matter="ER-2025-4"
    )
    view = (await running.get(f"/v1/cases/{case_id}", Role.AGENT)).json()
    bundle_response = await running.get(
        f"/v1/cases/{case_id}/bundle", Role.LEGAL, reveal="true", purpose=PURPOSE
    )

    body = timeline.json()
    customer = body["events"][0]["payload"]["customer"]
    assert (customer["name"], customer["email"], customer["phone"]) == ("[erased]",) * 3
    assert body["events"][1]["payload"]["body"] == "[erased]"
    assert [e["revealed_fields"] for e in body["events"]] == [[], []]
    assert body["key_destroyed"] is True
    assert view["key_destroyed"] is True
    # The stored bytes did not change: the whole log, its proofs and checkpoints still verify.
    report = await audit_store(records.store, [SIGNER.verifier], origin=ORIGIN)
    assert report.ok, [str(p) for p in report.problems]
    checkpoint = await records.issuer.issue()
    signed = open_checkpoint(checkpoint.note, [SIGNER.verifier], origin=ORIGIN)
    for event in await records.store.case_events(case_id):
        proof = (
            await running.get(
                "/v1/proofs/inclusion", Role.AGENT, event_id=event.event_id, size=signed.size
            )
        ).json()
        hashes = [encoding.decode(h) for h in proof["hashes"]]
        leaf = encoding.decode(proof["leaf_hash"])
        verify_inclusion(leaf, proof["leaf_index"], signed.size, hashes, signed.root_hash)
    bundle = parse_bundle(bundle_response.content)
    assert verify_bundle(bundle, [SIGNER.verifier]).ok
    assert bundle.revealed is not None
    assert bundle.revealed[0].payload["customer"]["name"] == "[erased]"  # type: ignore[index,call-overload]


async def test_a_revealed_bundle_verifies_and_one_changed_name_fails_naming_the_field(
    running: RunningRecords, case_id: str, tmp_path: Path
) -> None:
    """Issue 19, item 4, as `caselog verify` runs it on records' bundle from PostgreSQL."""
    response = await running.get(
        f"/v1/cases/{case_id}/bundle", Role.LEGAL, reveal="true", purpose=PURPOSE
    )
    assert response.status_code == 200, response.text
    document = response.json()
    opened = document["revealed"][0]
    assert opened["payload"]["customer"]["name"] == NAME
    (tmp_path / "bundle.json").write_bytes(response.content)
    opened["payload"]["customer"]["name"] = NAME.replace("子", "孑")
    (tmp_path / "changed.json").write_text(json.dumps(document, ensure_ascii=False))
    key = SIGNER.verifier.key_string()

    sound, changed = io.StringIO(), io.StringIO()
    assert verify_file(tmp_path / "bundle.json", [key], out=sound) == 0, sound.getvalue()
    assert verify_file(tmp_path / "changed.json", [key], out=changed) == 1

    assert f"event {opened['event_id']} customer.name: checked" in sound.getvalue()
    assert changed.getvalue().startswith(
        f"FAILED: revealed event {opened['event_id']}: field customer.name: the shown plaintext"
        " is not the text the log committed to"
    )
