"""Searching a subject's cases by e-mail or phone (POST /v1/subjects/cases) on real Kafka and
PostgreSQL: only legal and privacy officers, exactly one identity and a purpose; a known
subject's cases are found, an unknown identity finds none; and every search, found or not, is a
`subject.searched` event on privacy's topic that holds neither the identity nor a plain hash
of it (nor does privacy's database or its log)."""

import hashlib
import io

import pytest

from services.privacy.bootstrap import Topics
from shared.auth.roles import Role
from shared.envelope import Envelope, decode_envelope
from shared.settings import CaselogSettings
from tests.integration.personal_forms import leaks, written_forms
from tests.integration.privacy.conftest import AppFactory
from tests.integration.privacy.scans import table_dump
from tests.integration.topic_reader import read_topic
from tests.unit.privacy.samples import random_person

SEARCH = "/v1/subjects/cases"
PURPOSE = "Matter 2026-(wa)-123: which cases does the claimant have"


def plain_hashes(value: str) -> list[str]:
    """Guessable digests of the value's written forms: what a search record must not hold."""
    return [
        digest(form.encode()).hexdigest()
        for form in {*written_forms(value), value.lower()}
        for digest in (hashlib.sha256, hashlib.md5, hashlib.sha1)
    ]


async def searched_events(bootstrap: str, topic: str) -> list[tuple[bytes, Envelope]]:
    found = [
        (record.value, decode_envelope(record.value))
        for record in await read_topic(bootstrap, topic)
    ]
    return [(raw, envelope) for raw, envelope in found if envelope.type == "subject.searched"]


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.PLATFORM, Role.ADMIN])
async def test_only_legal_and_privacy_officers_may_search(
    privacy_app: AppFactory, role: Role
) -> None:
    async with privacy_app() as running:
        body = {"email": "someone@example.jp", "purpose": PURPOSE}

        refused = await running.client.post(SEARCH, json=body, headers=running.as_role(role))

        assert refused.status_code == 403, refused.text
        assert "someone@example.jp" not in refused.text


async def test_exactly_one_identity_and_a_purpose_are_required_and_named(
    privacy_app: AppFactory,
) -> None:
    person = random_person()
    async with privacy_app() as running:
        legal = running.as_role(Role.LEGAL)
        both = {"email": person.email, "phone": person.phone, "purpose": PURPOSE}
        no_purpose = {"email": person.email}
        blank_purpose = {"email": person.email, "purpose": "  "}
        contact_purpose = {"email": person.email, "purpose": f"asked by {person.email}"}

        answers = {
            "both": await running.client.post(SEARCH, json=both, headers=legal),
            "neither": await running.client.post(SEARCH, json={"purpose": PURPOSE}, headers=legal),
            "no purpose": await running.client.post(SEARCH, json=no_purpose, headers=legal),
            "blank": await running.client.post(SEARCH, json=blank_purpose, headers=legal),
            "contact": await running.client.post(SEARCH, json=contact_purpose, headers=legal),
        }

        statuses = {name: answer.status_code for name, answer in answers.items()}
        assert set(statuses.values()) == {422}, statuses
        assert "email" in answers["both"].text
        assert "exactly one" in answers["both"].text
        assert "email" in answers["neither"].text
        for name in ("no purpose", "blank", "contact"):
            assert "purpose" in answers[name].text, name
        for answer in answers.values():
            assert leaks(answer.content, [person.email, person.phone]) == []


async def test_a_subjects_cases_are_found_and_the_search_recorded_on_each_without_the_identity(
    privacy_app: AppFactory,
    privacy_settings: CaselogSettings,
    privacy_topics: Topics,
    log_output: io.StringIO,
) -> None:
    person, stranger = random_person(), random_person()
    async with privacy_app() as running:
        closed = await running.intake_case(person)
        still_open = await running.intake_case(person, closed_at=None)
        other = await running.intake_case(stranger)
        legal = running.as_role(Role.LEGAL)
        body = {"phone": person.phone, "purpose": PURPOSE, "matter": "2026-(wa)-123"}

        answer = await running.client.post(SEARCH, json=body, headers=legal)
        by_email = await running.client.post(
            SEARCH, json={"email": person.email, "purpose": PURPOSE}, headers=legal
        )

    assert answer.status_code == 200, answer.text
    found = {case["case_id"]: case for case in answer.json()["cases"]}
    assert set(found) == {closed.case_id, still_open.case_id}
    assert found[closed.case_id]["state"] == "closed"
    assert found[still_open.case_id]["state"] == "open"
    assert found[closed.case_id]["opened_at"] is not None
    assert found[closed.case_id]["held"] is False
    assert {case["case_id"] for case in by_email.json()["cases"]} == set(found)
    assert other.case_id not in answer.text
    assert leaks(answer.content, [person.email, person.phone]) == []

    events = await searched_events(privacy_settings.kafka_bootstrap_servers, privacy_topics.privacy)
    search_id = answer.json()["search_id"]
    this_search = [
        envelope for _raw, envelope in events if envelope.payload["search_id"] == search_id
    ]
    assert sorted(e.case_id for e in this_search) == sorted(found)
    assert sorted(str(e.event_id) for e in this_search) == sorted(
        answer.json()["recorded_event_ids"]
    )
    payload = this_search[0].payload
    assert payload["actor"] == "test-legal"
    assert payload["roles"] == ["legal"]
    assert payload["purpose"] == PURPOSE
    assert payload["matter"] == "2026-(wa)-123"
    assert sorted(payload["case_ids"]) == sorted(found)
    assert payload["subject_ids"] == [closed.subject_id]
    every_byte = b"".join(raw for raw, _envelope in events)
    assert leaks(every_byte, [person.email, person.phone]) == []
    for digest in plain_hashes(person.email) + plain_hashes(person.phone):
        assert digest not in every_byte.decode(), "a guessable hash of the identity was recorded"
    assert (
        leaks(await table_dump(privacy_settings.database_url), [person.email, person.phone]) == []
    )
    assert leaks(log_output.getvalue().encode(), [person.email, person.phone]) == []


async def test_an_unknown_identity_finds_nothing_and_the_search_is_recorded_all_the_same(
    privacy_app: AppFactory, privacy_settings: CaselogSettings, privacy_topics: Topics
) -> None:
    nobody = random_person()
    async with privacy_app() as running:
        officer = running.as_role(Role.PRIVACY_OFFICER)
        body = {"email": nobody.email, "purpose": "DSAR-2026-0042 pre-check"}

        answer = await running.client.post(SEARCH, json=body, headers=officer)

    assert answer.status_code == 200, answer.text
    assert answer.json()["cases"] == []
    events = await searched_events(privacy_settings.kafka_bootstrap_servers, privacy_topics.privacy)
    [(raw, recorded)] = [
        (raw, e) for raw, e in events if e.payload["search_id"] == answer.json()["search_id"]
    ]
    assert recorded.case_id == answer.json()["search_id"]
    assert recorded.subject_id is None
    assert recorded.payload["case_ids"] == []
    assert recorded.payload["roles"] == ["privacy_officer"]
    assert leaks(raw, [nobody.email]) == []
