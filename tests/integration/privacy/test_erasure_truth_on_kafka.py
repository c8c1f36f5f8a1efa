"""Erasure on real Kafka and PostgreSQL that says only what is true: a person split over two
subjects is erased whole by either identity; strict identities and no_match over HTTP; the
sweep needs an explicit dry_run; and a `keys.epoch_closed` read from the topic completes the
receipt with a signed statement that `caselog verify-receipt` checks offline."""

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.intake.adapters.case_keys import KeyStoreCases
from services.runtime.cli import main
from shared.auth.roles import Role
from shared.crypto.identities import email_identity, phone_identity
from shared.crypto.runtime import build_personal_data
from shared.ids import new_identifier
from shared.settings import CaselogSettings
from tests.integration.privacy.conftest import AppFactory, Running
from tests.unit.privacy.samples import (
    Person,
    SampleCase,
    consultation,
    epoch_closed,
    random_person,
    sealed,
)

TRICK = "鰐淵 珠璃 090-7777-1234x"


async def opened_case(running: Running, person: Person, *, email: bool, phone: bool) -> str:
    """A consultation opened by intake's own case opener (which resolves and links subjects),
    published on the test's intake topic and waited for."""
    full = consultation(person)
    customer = full.customer.model_copy(
        update={"email": person.email if email else None, "phone": person.phone if phone else None}
    )
    intake = running.intake
    case_id = new_identifier()
    async with intake.engine.begin() as connection:
        opener = KeyStoreCases(connection, intake.subjects, intake.keys)
        opened = await opener.open(case_id, customer)
    assert opened.subject_id is not None
    subject_id = opened.subject_id
    model = full.model_copy(update={"customer": customer})
    envelope = await sealed(intake.codec, model, case_id, subject_id)
    await running.publish(running.privacy.topics.intake, envelope)
    await running.until(lambda found: True, SampleCase(case_id, subject_id))
    return case_id


@pytest.mark.parametrize("by", ["email", "phone"])
async def test_a_person_split_over_two_subjects_is_erased_whole_by_either_identity(
    privacy_app: AppFactory, privacy_settings: CaselogSettings, by: str
) -> None:
    person = random_person()
    async with privacy_app() as running:
        client, officer = running.client, running.as_role(Role.PRIVACY_OFFICER)
        cases = [
            await opened_case(running, person, email=False, phone=True),
            await opened_case(running, person, email=True, phone=False),
            await opened_case(running, person, email=True, phone=True),
        ]
        identity = {"identities": [getattr(person, by)]}
        preview = await client.post("/v1/requests/erasure/preview", json=identity, headers=officer)
        erased = await client.post("/v1/requests/erasure", json=identity, headers=officer)
        again = await client.post("/v1/requests/erasure", json=identity, headers=officer)

    assert preview.status_code == 200, preview.text
    assert len(preview.json()["subject_refs"]) == 2
    assert set(preview.json()["will_erase"]) == set(cases)
    assert erased.status_code == 200, erased.text
    assert set(erased.json()["receipt"]["erased_case_ids"]) == set(cases)
    assert again.status_code == 404
    assert again.json()["reason"].startswith("no_match:")
    fresh = build_personal_data(privacy_settings)
    try:
        for case_id in cases:
            assert await fresh.keys.tombstone(case_id) is not None
        assert await fresh.subjects.lookup(email_identity(person.email)) is None
        assert await fresh.subjects.lookup(phone_identity(person.phone)) is None
    finally:
        await fresh.close()


async def test_requests_are_refused_in_words_and_status_without_echoing_input(
    privacy_app: AppFactory,
) -> None:
    person = random_person()
    person = Person(name=person.name, email=person.email, phone="090-7777-1234")
    async with privacy_app() as running:
        client, officer = running.client, running.as_role(Role.PRIVACY_OFFICER)
        legal = running.as_role(Role.LEGAL)
        case = await running.intake_case(person)
        tricked = [
            await client.post("/v1/requests/erasure", json={"phone": TRICK}, headers=officer),
            await client.post("/v1/requests/access", json={"phone": TRICK}, headers=officer),
            await client.post(
                "/v1/holds",
                json={"phone": TRICK, "matter": "令和8年(ワ)第1234号", "reason": "訴訟"},
                headers=legal,
            ),
        ]
        misspelt = {"email": "x" + person.email}
        unmatched = [
            await client.post("/v1/requests/erasure", json=misspelt, headers=officer),
            await client.post("/v1/requests/access", json=misspelt, headers=officer),
        ]
        sweeps = [
            await client.post("/v1/retention/sweep", headers=officer),
            await client.post("/v1/retention/sweep", json={}, headers=officer),
        ]
        after = await client.get(f"/v1/cases/{case.case_id}", headers=officer)
        requests = (await client.get("/v1/requests", headers=officer)).json()

    for answer in tricked:
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == "phone"
        assert "7777" not in answer.text
        assert "鰐淵" not in answer.text
    for answer in unmatched:
        assert answer.status_code == 404, answer.text
        assert answer.json()["reason"].startswith("no_match: no subject matches")
        assert person.email not in answer.text
    assert [r["status"] for r in requests] == ["no_match", "no_match"]
    for answer in sweeps:
        assert answer.status_code == 422, answer.text
    assert sweeps[1].json()["field"] == "dry_run"
    assert after.json()["case"]["disposition"] == "kept"


async def test_an_epoch_close_read_from_the_topic_completes_the_receipt(
    privacy_app: AppFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    person = random_person()
    async with privacy_app() as running:
        client, officer = running.client, running.as_role(Role.PRIVACY_OFFICER)
        case = await running.intake_case(person)
        erased = (
            await client.post("/v1/requests/erasure", json={"email": person.email}, headers=officer)
        ).json()
        request_id, residual = erased["receipt"]["request_id"], erased["receipt"]["residual_copies"]
        before = (
            await client.get(f"/v1/subjects/{case.subject_id}/erasures", headers=officer)
        ).json()
        closed = epoch_closed(residual["epoch"], residual["kek_id"], datetime.now(UTC))
        await running.publish(running.privacy.topics.privacy, closed)
        for _ in range(150):
            served = (
                await client.get(f"/v1/requests/{request_id}/receipt", headers=officer)
            ).json()
            if served.get("completion"):
                break
            await asyncio.sleep(0.2)
        after = (
            await client.get(f"/v1/subjects/{case.subject_id}/erasures", headers=officer)
        ).json()
        statement = await client.get(f"/v1/completions/{residual['epoch']}", headers=officer)
        key = (await client.get("/v1/receipts/key", headers=officer)).json()["verifier_key"]

    assert [e["state"] for e in before] == ["pending"]
    assert [e["state"] for e in after] == ["complete"]
    assert served["completion"] == statement.json()
    assert statement.json()["statement"]["completes"] == [
        {"request_id": request_id, "epoch": residual["epoch"]}
    ]
    path, alone = tmp_path / "receipt.json", tmp_path / "completion.json"
    path.write_text(json.dumps(erased))
    alone.write_text(statement.text)
    for argv in (
        [str(tmp_path / "served.json")],
        [str(path), "--completion", str(alone)],
    ):
        (tmp_path / "served.json").write_text(json.dumps(served))
        with pytest.raises(SystemExit) as verified:
            main(["verify-receipt", *argv, "--key", key])
        assert verified.value.code == 0
        assert f"complete: epoch {residual['epoch']} closed" in capsys.readouterr().out
