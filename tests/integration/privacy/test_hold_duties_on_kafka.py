"""The attack of issue 14 finding 4, through the API on real Kafka and PostgreSQL: a privacy
officer alone releases the hold legal placed, then erases the case. Refused now: releasing
needs legal, and an erasure right after legal's release waits for the cooling-off, saying
until when; afterwards it goes through."""

from shared.auth.roles import Role
from tests.integration.privacy.conftest import AppFactory
from tests.unit.privacy.samples import random_person

HOLD = {"matter": "令和8年(ワ)第4321号", "reason": "製造物責任訴訟の証拠"}


async def test_a_privacy_officer_cannot_release_legals_hold_and_erase_at_once(
    privacy_app: AppFactory,
) -> None:
    person = random_person()
    async with privacy_app() as running:
        client = running.client
        officer, legal = running.as_role(Role.PRIVACY_OFFICER), running.as_role(Role.LEGAL)
        case = await running.intake_case(person)
        placed = await client.post(
            "/v1/holds", json={"case_id": case.case_id, **HOLD}, headers=legal
        )
        [hold] = placed.json()
        release = f"/v1/holds/{hold['hold_id']}/release"
        erase = {"email": person.email, "regime": "gdpr"}

        by_officer = await client.post(release, json={"note": "示談成立"}, headers=officer)
        held = await client.post("/v1/requests/erasure", json=erase, headers=officer)
        by_legal = await client.post(release, json={"note": "示談成立"}, headers=legal)
        cooling = await client.post("/v1/requests/erasure", json=erase, headers=officer)
        running.clock.advance(days=8)
        erased = await client.post("/v1/requests/erasure", json=erase, headers=officer)

    assert placed.status_code == 201, placed.text
    assert (by_officer.status_code, by_officer.json()["field"]) == (403, "hold_id")
    assert held.json()["receipt"]["status"] == "partial"
    assert by_legal.status_code == 200, by_legal.text
    receipt = cooling.json()["receipt"]
    assert receipt["status"] == "partial"
    [kept] = receipt["held_cases"]
    assert kept["holds"][0]["cooling_off_until"] is not None
    assert erased.json()["receipt"]["status"] == "fulfilled"
    assert erased.json()["receipt"]["erased_case_ids"] == [case.case_id]
