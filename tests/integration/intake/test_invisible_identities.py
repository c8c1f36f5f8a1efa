"""Identity fields written with invisible characters are refused at intake, naming the field
and never the value, and nothing is published (issue 14 finding 8)."""

import uuid

from shared.settings import CaselogSettings
from tests.integration.intake.conftest import AppFactory, consultation
from tests.integration.personal_forms import leaks
from tests.integration.topic_reader import read_topic

WRITTEN = [
    ("name", "山田\u200b 花子"),  # zero-width space
    ("email", "hanako\u200b.yamada@example.jp"),
    ("phone", "090-2345-\u20606789"),  # word joiner
    ("name", "Jane\ufe0f Doe"),  # variation selector
]


async def test_an_identity_with_an_invisible_character_is_refused_with_its_field(
    intake_client: AppFactory, intake_settings: CaselogSettings
) -> None:
    tickets = []
    async with intake_client() as client:
        answers = []
        for field, written in WRITTEN:
            tickets.append(f"ticket-{uuid.uuid4().hex[:10]}")
            body = consultation(tickets[-1])
            body["customer"][field] = written
            answers.append((field, written, await client.post("/v1/consultations", json=body)))

    for field, written, refused in answers:
        assert refused.status_code == 422, refused.text
        assert f"customer.{field}" in {p["field"] for p in refused.json()["errors"]}
        assert "invisible" in refused.text
        assert leaks(refused.content, [written]) == []
    published = [
        r.value
        for r in await read_topic(intake_settings.kafka_bootstrap_servers, "caselog.intake")
        if any(ticket.encode() in r.value for ticket in tickets)
    ]
    assert published == []
