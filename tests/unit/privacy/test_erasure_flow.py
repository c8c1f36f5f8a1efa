"""Erasure: every case key shredded, the subject index forgotten, copies dropped, late events
shredded too, and a signed receipt that verifies offline and fails when any field changes."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.privacy.adapters.signing import verify_receipt
from services.privacy.bootstrap import Privacy
from services.privacy.domain.errors import ReceiptVerificationError
from services.privacy.domain.requests import Regime
from services.privacy.entrypoints.consumer import consume
from services.privacy.service_layer.messages import EraseSubject, Identities
from services.runtime.cli import main
from shared.envelope import Envelope
from shared.merkle.keys import NoteSigner
from tests.unit.privacy.conftest import RecordingBus, received
from tests.unit.privacy.receipts import leaves, tampered
from tests.unit.privacy.samples import EMAIL, PHONE, sample_case

ERASE = EraseSubject(Identities(phone=PHONE), Regime.GDPR, "officer-1", reference="DSR-77")


async def test_erasure_shreds_every_case_and_forgets_the_subject(
    privacy: Privacy, bus: RecordingBus
) -> None:
    first, second = await received(privacy), await received(privacy, closed_at=None)

    signed = await privacy.handle(ERASE)

    verified = verify_receipt(signed.model_dump_json()).receipt
    assert set(verified.erased_case_ids) == {first.case_id, second.case_id}
    assert {k.case_id for k in verified.keys_destroyed} == {first.case_id, second.case_id}
    for destroyed in verified.keys_destroyed:
        tombstone = await privacy.personal.keys.tombstone(destroyed.case_id)
        assert tombstone is not None
        assert tombstone.kid == destroyed.key_id
    assert {p.place: p.status.value for p in verified.places} == {
        "privacy store": "confirmed",
        "key store (live key rows)": "confirmed",
        "key store (older copies: WAL, dead row versions, dumps, backups, replicas)": "pending",
        "subject index": "confirmed",
        "event log (caselog.intake, .policy, .privacy topics; records store)": "pending",
        "raw ingress (caselog.ingress and caselog.ingress.dlq)": "not_checked",
        "policy subject state": "notified",
        "records read model": "notified",
        "intake ledger (platform ticket mappings)": "not_checked",
    }
    assert (verified.records_checkpoint.available, verified.records_checkpoint.bound) == (
        False,
        False,
    )
    assert verified.records_checkpoint.detail.startswith("pending:")
    assert (verified.status.value, verified.reference) == ("fulfilled", "DSR-77")
    assert await privacy.deps.subjects.lookup(Identities(EMAIL, PHONE)) == ()
    assert await privacy.store.kept_events([first.case_id, second.case_id]) == 0
    erased = bus.envelopes("subject.erased")
    assert sorted(e.case_id for e in erased) == sorted([first.case_id, second.case_id])
    assert [str(e.event_id) for e in erased] == list(verified.event_ids)
    assert await privacy.store.receipt(verified.request_id) == signed


async def test_events_arriving_after_the_erasure_are_shredded(privacy: Privacy) -> None:
    first = await received(privacy)
    late = await sample_case(privacy.personal.codec, privacy.personal.subjects, closed_at=None)
    assert late.subject_id == first.subject_id  # intake resolved it before the erasure

    await privacy.handle(ERASE)
    for envelope in late.envelopes:
        await consume(privacy, privacy.topics.intake, envelope)

    assert await privacy.personal.keys.tombstone(late.case_id) is not None
    assert await privacy.store.case_envelopes(late.case_id) == []


async def test_the_receipt_names_the_records_checkpoint_read_last(privacy: Privacy) -> None:
    await received(privacy)
    for size, signed in ((40, 32), (12, 12)):  # acknowledgements arrive in any order
        acknowledgement = Envelope(
            type="records.acknowledged",
            schema_version=1,
            case_id="some-case",
            occurred_at=datetime(2026, 11, 6, tzinfo=UTC),
            producer="records",
            correlation_id="c-1",
            payload={"tree_size": size, "checkpoint_size": signed},
        )
        await consume(privacy, privacy.topics.records, acknowledgement)

    receipt = verify_receipt((await privacy.handle(ERASE)).model_dump_json()).receipt

    checkpoint = receipt.records_checkpoint
    assert (checkpoint.available, checkpoint.tree_size, checkpoint.checkpoint_size) == (
        True,
        40,
        32,
    )


async def test_any_change_to_the_receipt_fails_verification(
    privacy: Privacy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await received(privacy)
    document = json.loads((await privacy.handle(ERASE)).model_dump_json())
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(document))
    key = json.loads(path.read_text())["verifier_key"]

    with pytest.raises(SystemExit) as good:
        main(["verify-receipt", str(path), "--key", key])
    assert good.value.code == 0
    assert "verified: erasure receipt" in capsys.readouterr().out

    fields = leaves(document["receipt"], [])
    assert len(fields) > 20
    for field in fields:
        with pytest.raises(ReceiptVerificationError):
            verify_receipt(json.dumps(tampered(document, field)))
    note = document["signed_note"]
    for forged in (note.replace("erasure", "Erasure", 1), note[:-10] + "A" * 9 + "\n"):
        with pytest.raises(ReceiptVerificationError):
            verify_receipt(json.dumps({**document, "signed_note": forged}))
    other = NoteSigner.generate("caselog-privacy").verifier.key_string()
    with pytest.raises(ReceiptVerificationError):
        verify_receipt(json.dumps(document), trusted_key=other)
    path.write_text(json.dumps(tampered(document, ["erased_case_ids", 0])))
    with pytest.raises(SystemExit) as bad:
        main(["verify-receipt", str(path)])
    assert bad.value.code == 1
    assert "FAILED: fields differ from what was signed: erased_case_ids" in capsys.readouterr().out
