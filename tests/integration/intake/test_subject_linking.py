"""One person, one subject (issue 13, item 6): a phone-only consultation, then an e-mail-only
one, make two subjects; a third with both links them, in the subject index and as a
`subject.linked` event on the intake topic that names pseudonyms only."""

import uuid

from shared.crypto.identities import email_identity, phone_identity
from shared.crypto.runtime import build_personal_data
from shared.envelope import decode_envelope
from shared.settings import CaselogSettings
from tests.integration.intake.conftest import AppFactory, consultation
from tests.integration.personal_forms import leaks
from tests.integration.topic_reader import case_messages


async def test_a_consultation_with_both_identities_links_the_two_subjects(
    intake_client: AppFactory, intake_settings: CaselogSettings
) -> None:
    phone_only, email_only, both = (consultation(f"t-{uuid.uuid4().hex[:10]}") for _ in range(3))
    email, phone = both["customer"]["email"], both["customer"]["phone"]
    del phone_only["customer"]["email"]
    del email_only["customer"]["phone"]
    async with intake_client() as client:
        answers = [
            await client.post("/v1/consultations", json=body)
            for body in (phone_only, email_only, both)
        ]
    assert [a.status_code for a in answers] == [202, 202, 202], answers[-1].text
    subjects = []
    for answer in answers:
        values = await case_messages(
            intake_settings.kafka_bootstrap_servers, "caselog.intake", answer.json()["case_id"]
        )
        subjects.append([decode_envelope(value) for value in values])
    by_phone, by_email = subjects[0][0].subject_id, subjects[1][0].subject_id
    assert by_phone != by_email

    received, linked = subjects[2]
    assert (received.type, linked.type) == ("consultation.received", "subject.linked")
    assert received.subject_id == linked.subject_id == by_email
    assert linked.payload["subject_id"] == by_email
    assert linked.payload["linked_subject_ids"] == [by_phone]
    assert leaks(str(linked.payload).encode(), [email, phone]) == []
    index = build_personal_data(intake_settings)
    try:
        assert await index.subjects.lookup(phone_identity(phone)) == by_email
        assert await index.subjects.lookup(email_identity(email)) == by_email
        assert set(await index.subjects.linked_sets([by_email])) == {by_email, by_phone}
    finally:
        await index.close()
