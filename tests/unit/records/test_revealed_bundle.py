"""Revealed text in a bundle is checked: records' export signs a commitment per revealed field,
`caselog verify` recomputes each from the shown plaintext and its salt; one changed character
fails naming the field, a stripped or foreign commitment fails, a field withheld from a copy
still verifies, and a bundle without reveals verifies as before."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.records.domain.access import Reveal
from services.records.service_layer.messages import ExportBundle
from services.runtime.cli import main
from shared.auth.roles import Role
from shared.bundle.check import BundleVerdict, verify_bundle
from shared.bundle.format import Bundle, RevealedEvent, encode_bundle
from shared.envelope import decode_envelope
from shared.merkle import encoding
from shared.merkle.keys import NoteSigner, NoteVerifier
from shared.merkle.note import open_note, sign_note
from tests.integration.records.cases import NAME, consultation
from tests.unit.records.conftest import MakeEnvelope, Wired

LEGAL = Reveal("legal-1", Role.LEGAL, purpose="court order 2025-W-118", matter=None)
T0 = datetime(2025, 11, 6, 9, 0, tzinfo=UTC)
CASE = ("case-r1", "subject-r1")


@pytest.fixture
async def exported(wired: Wired, make_envelope: MakeEnvelope) -> tuple[Bundle, NoteVerifier]:
    """Records' own export with reveal: a consultation whose customer and body are encrypted,
    a contact without personal fields, and the access event the reveal left."""
    await wired.record(await consultation(wired.records.personal.codec, CASE, T0, T0))
    await wired.record(make_envelope(CASE[0], 1))
    bundle = await wired.records.handle(ExportBundle(CASE[0], None, LEGAL, "corr-reveal"))
    return bundle, NoteVerifier.parse(wired.records.identity.verifier_key)


def _opened(bundle: Bundle) -> RevealedEvent:
    assert bundle.revealed is not None
    return next(event for event in bundle.revealed if event.revealed_fields)


def _with_opened(bundle: Bundle, **fields: Any) -> Bundle:
    assert bundle.revealed is not None
    opened = _opened(bundle)
    revealed = [
        event.model_copy(update=fields) if event.event_id == opened.event_id else event
        for event in bundle.revealed
    ]
    return bundle.model_copy(update={"revealed": revealed})


def _failure(verdict: BundleVerdict) -> str:
    assert verdict.failure is not None
    return str(verdict.failure)


async def test_a_revealed_bundle_verifies_every_shown_field(
    exported: tuple[Bundle, NoteVerifier], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, key = exported
    opened = _opened(bundle)

    verdict = verify_bundle(bundle, [key])

    assert verdict.ok, verdict.failure
    assert opened.payload["customer"]["name"] == NAME  # type: ignore[index,call-overload]
    assert {"customer.name", "customer.email", "body"} <= set(opened.revealed_fields)
    assert set(verdict.revealed_checked) == {(opened.event_id, f) for f in opened.revealed_fields}
    path = tmp_path / "revealed.json"
    path.write_bytes(encode_bundle(bundle))
    with pytest.raises(SystemExit) as exited:
        main(["verify", str(path), "--key", key.key_string()])
    out = capsys.readouterr().out
    assert exited.value.code == 0, out
    assert (
        f"  revealed    {len(opened.revealed_fields)} fields in plaintext,"
        f" {len(opened.revealed_fields)} checked against the log's signed commitment" in out
    )
    assert f"              event {opened.event_id} customer.name: checked" in out


async def test_one_changed_revealed_character_fails_and_names_the_field(
    exported: tuple[Bundle, NoteVerifier], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, key = exported
    opened = _opened(bundle)
    payload = json.loads(json.dumps(opened.payload))
    payload["customer"]["name"] = NAME.replace("花", "華")
    path = tmp_path / "changed.json"
    path.write_bytes(encode_bundle(_with_opened(bundle, payload=payload)))

    with pytest.raises(SystemExit) as exited:
        main(["verify", str(path), "--key", key.key_string(), "--json"])

    document = json.loads(capsys.readouterr().out)
    assert exited.value.code == 1
    assert document["failure"] == {
        "subject": f"revealed event {opened.event_id}",
        "reason": "field customer.name: the shown plaintext is not the text the log committed to",
        "event_id": opened.event_id,
    }
    assert document["revealed"] is None  # a failed bundle proves nothing


async def test_a_bundle_without_reveals_still_verifies(
    wired: Wired, make_envelope: MakeEnvelope
) -> None:
    await wired.record(await consultation(wired.records.personal.codec, CASE, T0, T0))
    await wired.record(make_envelope(CASE[0], 1))

    bundle = await wired.records.handle(ExportBundle(CASE[0], None, None, "corr-plain"))
    verdict = verify_bundle(bundle, [NoteVerifier.parse(wired.records.identity.verifier_key)])

    assert (bundle.revealed, bundle.reveal_commitments) == (None, None)
    assert verdict.ok, verdict.failure
    assert verdict.revealed_checked == ()


async def test_stripped_commitments_fail_rather_than_leave_the_text_unchecked(
    exported: tuple[Bundle, NoteVerifier],
) -> None:
    bundle, key = exported

    text = _failure(verify_bundle(bundle.model_copy(update={"reveal_commitments": None}), [key]))

    assert text == "reveal commitments: plaintext is shown but the log signed no commitment"


async def test_commitments_signed_by_another_key_fail(
    exported: tuple[Bundle, NoteVerifier],
) -> None:
    bundle, key = exported
    assert bundle.reveal_commitments is not None
    statement = open_note(bundle.reveal_commitments, [key]).text
    forged = sign_note(statement, [NoteSigner.generate(bundle.origin)])

    text = _failure(verify_bundle(bundle.model_copy(update={"reveal_commitments": forged}), [key]))

    assert text.startswith("reveal commitments: the signed note does not verify")


async def test_a_changed_field_that_was_not_revealed_fails_too(
    exported: tuple[Bundle, NoteVerifier],
) -> None:
    bundle, key = exported
    opened = _opened(bundle)
    payload = json.loads(json.dumps(opened.payload))
    payload["channel"] = "email" if payload["channel"] != "email" else "phone"

    text = _failure(verify_bundle(_with_opened(bundle, payload=payload), [key]))

    assert text == (
        f"revealed event {opened.event_id}: channel differs from the stored event,"
        " and is not a revealed field"
    )


async def test_a_field_withheld_from_a_copy_with_its_salt_still_verifies(
    exported: tuple[Bundle, NoteVerifier],
) -> None:
    """Redaction: the holder puts the ciphertext back and drops the salt; the commitment that
    stays cannot be opened by guessing names, and the other fields still check."""
    bundle, key = exported
    opened = _opened(bundle)
    stored = next(event for event in bundle.events if event.event_id == opened.event_id)
    sealed = decode_envelope(encoding.decode(stored.leaf)).payload["customer"]
    payload = json.loads(json.dumps(opened.payload))
    payload["customer"]["name"] = sealed["name"]  # type: ignore[index,call-overload]
    fields = [field for field in opened.revealed_fields if field != "customer.name"]
    salts = {field: salt for field, salt in opened.salts.items() if field != "customer.name"}

    verdict = verify_bundle(
        _with_opened(bundle, payload=payload, revealed_fields=fields, salts=salts), [key]
    )

    assert verdict.ok, verdict.failure
    assert (opened.event_id, "customer.name") not in verdict.revealed_checked
    assert (opened.event_id, "body") in verdict.revealed_checked
