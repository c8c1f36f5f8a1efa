"""Privacy and records together on real Kafka and PostgreSQL, over one key store: a closed
consultation ages past retention (privacy's clock), the sweep anonymizes it; the copy holds
nothing of the subject in any written form, the original reads [erased] everywhere, and every
records proof still holds: both checkpoints and the consistency between them, each event's
inclusion, the store audit and `verify-log`, and the case's bundle checked offline. And once an
erasure has answered, no reveal started after it shows plaintext, though records still has the
key cached and privacy's event has not reached it yet.

Both services read the real topics, so that privacy's events reach records as in production,
each with a new consumer group started at the topics' current ends (see `group_offsets`): the
broker is shared with other suites and other runs."""

import asyncio
import io
import json
from pathlib import Path

import pytest

from services.privacy.domain.copies import AnonymizedCopy, copy_digest
from services.records.domain.events import StoredEvent
from services.records.service_layer.audit import audit_store
from services.runtime.records_cli import verify_file, verify_log
from shared.auth.roles import Role
from shared.crypto.grants import reader_for
from shared.crypto.runtime import build_personal_data
from shared.envelope import decode_envelope
from shared.merkle import encoding
from shared.merkle.checkpoint import open_checkpoint
from shared.merkle.hashing import leaf_hash
from shared.merkle.verify import verify_consistency, verify_inclusion
from shared.settings import CaselogSettings
from tests.integration.personal_forms import leaks
from tests.integration.privacy.conftest import Running
from tests.integration.privacy.scans import table_dump
from tests.integration.records.conftest import ORIGIN, SIGNER, WAIT_S, RunningRecords
from tests.integration.topic_reader import read_topic
from tests.unit.privacy.samples import consultation, random_person

PURPOSE = "litigation L-2031-007 document review"
RETENTION_PASSED = {"days": 365 * 5 + 30}
PERSONAL_FIELDS = ("name", "email", "phone")


async def _wait_recorded(records: RunningRecords, case_id: str, event_type: str) -> StoredEvent:
    """The first `event_type` event of the case, once records has it in its log."""
    async with asyncio.timeout(WAIT_S):
        while True:
            for event in await records.records.store.case_events(case_id):
                if event.event_type == event_type:
                    return event
            await asyncio.sleep(0.1)


async def test_anonymization_erases_the_subject_and_keeps_every_proof(
    apps: tuple[Running, RunningRecords],
    both_settings: tuple[CaselogSettings, CaselogSettings],
    tmp_path: Path,
) -> None:
    privacy, records = apps
    privacy_settings, records_settings = both_settings
    person = random_person()
    key = SIGNER.verifier.key_string()

    # Intake publishes a closed consultation; both services read it off caselog.intake.
    case = await privacy.intake_case(person)
    await records.wait_stored(*case.envelopes)
    before_reveal = await records.get(
        f"/v1/cases/{case.case_id}/timeline", Role.LEGAL, "legal-3", reveal="true", purpose=PURPOSE
    )
    before = await records.post("/v1/checkpoints", Role.LEGAL)
    assert before.status_code == 200, before.text

    privacy.clock.advance(**RETENTION_PASSED)
    officer = privacy.as_role(Role.PRIVACY_OFFICER)
    swept = await privacy.client.post(
        "/v1/retention/sweep", json={"dry_run": False}, headers=officer
    )
    anonymized = await _wait_recorded(records, case.case_id, "case.anonymized")
    copies = await privacy.client.get("/v1/anonymized?limit=1000", headers=officer)
    after_reveal = await records.get(
        f"/v1/cases/{case.case_id}/timeline", Role.LEGAL, "legal-3", reveal="true", purpose=PURPOSE
    )
    after = await records.post("/v1/checkpoints", Role.LEGAL)
    assert after.status_code == 200, after.text

    # Before the sweep, legal could read the subject; records is on the same key store.
    assert before_reveal.status_code == 200, before_reveal.text
    opened = before_reveal.json()["events"][0]["payload"]["customer"]
    assert tuple(opened[f] for f in PERSONAL_FIELDS) == (person.name, person.email, person.phone)

    # The sweep anonymized the case; the copy (and privacy's event) hold none of the subject.
    assert swept.status_code == 200, swept.text
    assert ("case_record", case.case_id) in {
        (i["kind"], i["case_id"]) for i in swept.json()["done"]
    }
    event = decode_envelope(anonymized.leaf)
    copy_id = event.payload["copy_id"]
    [copy] = [c for c in copies.json()["copies"] if c["copy_id"] == copy_id]
    document = json.dumps(copy, ensure_ascii=False)
    assert leaks(document.encode(), person.values()) == []
    assert [part for part in person.name.split() if part in document] == []
    for stored in await records.records.store.case_events(case.case_id):
        if stored.event_type.startswith(("case.", "key.", "subject.")):
            assert leaks(stored.leaf, person.values()) == [], stored.event_type
    # The copy itself went nowhere permanent: the log has its digest, not its text (issue 13).
    assert event.schema_version == 2
    assert event.payload["copy_sha256"] == copy_digest(AnonymizedCopy.model_validate(copy))
    copy_texts = [t for t in (copy["subject"], copy["body"]) if t and len(t) >= 12]
    assert copy_texts
    # The topic is shared with other runs (whose copies read alike): this case's events only.
    topic = await read_topic(privacy_settings.kafka_bootstrap_servers, "caselog.privacy")
    on_topic = b"".join(r.value for r in topic if case.case_id.encode() in r.value)
    in_records = await table_dump(records_settings.database_url)
    assert [t for t in copy_texts if t.encode() in on_topic or t.encode() in in_records] == []

    # The original now decrypts to [erased], for any reader with no cached key ...
    fresh = build_personal_data(privacy_settings)
    try:
        original = await fresh.codec.decrypt(
            case.envelopes[0].payload,
            type(consultation()),
            case_id=case.case_id,
            event_id=case.envelopes[0].event_id,
            reader=reader_for("privacy"),
        )
    finally:
        await fresh.close()
    assert (original["customer"]["name"], original["body"]) == ("[erased]", "[erased]")
    # ... and in records' revealed timeline, as legal with a purpose.
    assert after_reveal.status_code == 200, after_reveal.text
    timeline = after_reveal.json()
    customer = timeline["events"][0]["payload"]["customer"]
    assert tuple(customer[f] for f in PERSONAL_FIELDS) == ("[erased]",) * 3
    assert timeline["events"][0]["payload"]["body"] == "[erased]"
    assert timeline["key_destroyed"] is True
    assert leaks(after_reveal.content, person.values()) == []

    # Both checkpoints verify, and the newer extends the older.
    old = open_checkpoint(before.json()["note"], [SIGNER.verifier], origin=ORIGIN)
    new = open_checkpoint(after.json()["note"], [SIGNER.verifier], origin=ORIGIN)
    assert old.size < new.size
    consistency = await records.get(
        "/v1/proofs/consistency", Role.AGENT, old_size=old.size, new_size=new.size
    )
    assert consistency.status_code == 200, consistency.text
    hashes = [encoding.decode(h) for h in consistency.json()["hashes"]]
    verify_consistency(old.size, new.size, old.root_hash, new.root_hash, hashes)

    # Each of the case's events (intake's, privacy's, records' accesses) is in the new tree.
    events = await records.records.store.case_events(case.case_id)
    recorded = {e.event_id for e in events}
    assert {str(e.event_id) for e in case.envelopes} | {str(event.event_id)} <= recorded
    for stored in events:
        assert stored.position < new.size, stored.event_type
        proof = await records.get(
            "/v1/proofs/inclusion", Role.AGENT, event_id=stored.event_id, size=new.size
        )
        assert proof.status_code == 200, proof.text
        body = proof.json()
        assert encoding.decode(body["leaf_hash"]) == leaf_hash(stored.leaf)
        path = [encoding.decode(h) for h in body["hashes"]]
        verify_inclusion(leaf_hash(stored.leaf), body["leaf_index"], new.size, path, new.root_hash)

    # The whole store still audits, in-process and as `caselog verify-log` runs it.
    report = await audit_store(records.records.store, [SIGNER.verifier], origin=ORIGIN)
    assert report.ok, [str(p) for p in report.problems]
    out = io.StringIO()
    assert await verify_log(records_settings, [key], out=out) == 0, out.getvalue()

    # A litigation bundle of the case, since the checkpoint held before, verifies offline.
    bundle = await records.get(f"/v1/cases/{case.case_id}/bundle", Role.LEGAL, since_size=old.size)
    assert bundle.status_code == 200, bundle.text
    (tmp_path / "bundle.json").write_bytes(bundle.content)
    (tmp_path / "held.note").write_text(before.json()["note"])
    out = io.StringIO()
    status = verify_file(tmp_path / "bundle.json", [key], tmp_path / "held.note", out=out)
    assert status == 0, out.getvalue()
    assert "extends the older checkpoint" in out.getvalue()
    bundled = {e["event_id"] for e in json.loads(bundle.content)["events"]}
    assert recorded <= bundled


REVEALS_AFTER_ERASURE = 100


# Records behind on caselog.privacy (consumer lag, a restart): privacy's erasure event has not
# reached it, so only the key store itself can tell it the key is gone. In the attack this
# reproduces, a reveal 2 ms after the erasure's answer showed plaintext with key_destroyed: true.
@pytest.mark.parametrize(
    "records_topics", [("caselog.intake", "caselog.policy")], ids=["records-behind-on-privacy"]
)
async def test_no_reveal_started_after_an_erasure_answered_shows_plaintext(
    apps: tuple[Running, RunningRecords],
) -> None:
    privacy, records = apps
    person = random_person()
    case = await privacy.intake_case(person)
    await records.wait_stored(*case.envelopes)
    timeline = f"/v1/cases/{case.case_id}/timeline"
    # A reveal before the erasure: records now holds the case key in its cache (for an hour).
    before = await records.get(timeline, Role.LEGAL, "legal-3", reveal="true", purpose=PURPOSE)
    assert before.status_code == 200, before.text
    assert leaks(before.content, person.values()) != []

    officer = privacy.as_role(Role.PRIVACY_OFFICER)
    erased = await privacy.client.post(
        "/v1/requests/erasure", json={"email": person.email}, headers=officer
    )
    assert erased.status_code < 300, erased.text
    # Every reveal starts after the erasure answered.
    reveals = await asyncio.gather(
        *(
            records.get(timeline, Role.LEGAL, "legal-3", reveal="true", purpose=PURPOSE)
            for _ in range(REVEALS_AFTER_ERASURE)
        )
    )

    assert [r.status_code for r in reveals] == [200] * REVEALS_AFTER_ERASURE
    showing = [r for r in reveals if leaks(r.content, person.values())]
    assert showing == [], f"{len(showing)} of {REVEALS_AFTER_ERASURE} reveals showed plaintext"
    for reveal in reveals:
        body = reveal.json()
        assert body["key_destroyed"] is True
        customer = body["events"][0]["payload"]["customer"]
        assert tuple(customer[f] for f in PERSONAL_FIELDS) == ("[erased]",) * 3
