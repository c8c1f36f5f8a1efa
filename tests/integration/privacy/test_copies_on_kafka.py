"""The anonymized copy through the API on real Kafka and PostgreSQL: served decrypted,
corrected and withdrawn by the privacy officer only, the events carrying digests, never the
text (issue 13 item 5)."""

from services.privacy.bootstrap import Topics
from shared.auth.roles import Role
from shared.envelope import decode_envelope
from shared.settings import CaselogSettings
from tests.integration.privacy.conftest import AppFactory
from tests.integration.topic_reader import read_topic
from tests.unit.privacy.samples import random_person


async def test_a_copy_is_corrected_then_withdrawn_and_no_event_holds_its_text(
    privacy_app: AppFactory, privacy_settings: CaselogSettings, privacy_topics: Topics
) -> None:
    async with privacy_app() as running:
        client = running.client
        officer, legal = running.as_role(Role.PRIVACY_OFFICER), running.as_role(Role.LEGAL)
        case = await running.intake_case(random_person())
        running.clock.advance(days=365 * 5 + 30)
        await client.post("/v1/retention/sweep", json={"dry_run": False}, headers=officer)
        [copy] = (await client.get("/v1/anonymized", headers=officer)).json()["copies"]
        path = f"/v1/anonymized/{copy['copy_id']}"
        fixed = {**copy, "body": "[customer]です。ケトルの底から水が漏れると訂正済み。"}
        correction = {"copy": fixed, "reason": "読み仮名の取りこぼし"}

        by_legal = await client.put(path, json=correction, headers=legal)
        corrected = await client.put(path, json=correction, headers=officer)
        served = (await client.get("/v1/anonymized", headers=legal)).json()["copies"]
        withdrawn = await client.post(
            f"{path}/withdraw", json={"reason": "本人の申出"}, headers=officer
        )
        after = (await client.get("/v1/anonymized", headers=officer)).json()["copies"]

    assert by_legal.status_code == 403
    assert corrected.status_code == 200, corrected.text
    assert served == [fixed]
    assert withdrawn.status_code == 200, withdrawn.text
    assert after == []
    topic = await read_topic(privacy_settings.kafka_bootstrap_servers, privacy_topics.privacy)
    ours = [decode_envelope(r.value) for r in topic if case.case_id.encode() in r.value]
    assert {e.type for e in ours} >= {
        "case.anonymized",
        "anonymized_copy.corrected",
        "anonymized_copy.withdrawn",
    }
    published = b"".join(r.value for r in topic)
    assert copy["body"].encode() not in published
    assert fixed["body"].encode() not in published
