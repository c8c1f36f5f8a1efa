"""Intake drops a case key from its memory as soon as privacy reports it destroyed (erasure,
anonymization) and every cached key when a key epoch closes — not when the cache expires.

Issue 13: before, intake never read those events, so an erased case's unwrapped key stayed
usable in intake's process for the cache's 60 s.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition
from httpx import AsyncClient

from services.intake.bootstrap import Intake
from shared.auth.development import DevelopmentIssuer
from shared.envelope import Envelope, encode_envelope, message_key
from shared.settings import DEFAULT_TOPICS, CaselogSettings
from tests.conformance.running import eventually_async
from tests.integration.intake.conftest import consultation, started_intake
from tests.integration.intake.test_ingress_hygiene import produce


@pytest.fixture
async def running_intake(
    intake_settings: CaselogSettings, token_issuer: DevelopmentIssuer
) -> AsyncIterator[tuple[Intake, AsyncClient]]:
    """Intake, once its privacy consumer has read what the shared broker's topic already held
    (an old `keys.epoch_closed` there would empty the cache in the middle of a test)."""
    async with started_intake(intake_settings, token_issuer) as started:
        await eventually_async(
            lambda: _caught_up(intake_settings), "intake's privacy consumer caught up", 60
        )
        yield started


async def _caught_up(settings: CaselogSettings) -> bool:
    bootstrap = settings.kafka_bootstrap_servers
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(settings.intake_erasure_group)
        await consumer.topics()
        partitions = consumer.partitions_for_topic(DEFAULT_TOPICS.privacy) or set()
        ends = await consumer.end_offsets(
            [TopicPartition(DEFAULT_TOPICS.privacy, p) for p in partitions]
        )
        return all(
            end == 0 or (tp in committed and committed[tp].offset >= end)
            for tp, end in ends.items()
        )
    finally:
        await consumer.stop()
        await admin.close()


async def _case_with_cached_key(client: AsyncClient, intake: Intake) -> str:
    """A new case whose key intake has just used for a follow-up (so it is cached)."""
    run = uuid.uuid4().hex[:10]
    now = datetime.now(UTC).isoformat()
    opened = await client.post("/v1/consultations", json=consultation(f"cache-{run}"))
    assert opened.status_code == 202, opened.text
    case_id = str(opened.json()["case_id"])
    contact = {"kind": "customer_contact", "channel": "phone", "occurred_at": now, "body": "x"}
    followed = await client.post(f"/v1/cases/{case_id}/contacts", json=contact)
    assert followed.status_code == 202, followed.text
    assert intake.personal.keys.holds_cached(case_id)
    return case_id


def _privacy_event(event_type: str, case_id: str, payload: dict[str, Any]) -> Envelope:
    return Envelope(
        type=event_type,
        schema_version=2 if event_type == "case.anonymized" else 1,
        case_id=case_id,
        occurred_at=datetime.now(UTC),
        producer="privacy",
        correlation_id=uuid.uuid4().hex,
        payload=payload,
    )


async def _publish(settings: CaselogSettings, envelope: Envelope) -> None:
    bootstrap = settings.kafka_bootstrap_servers
    await produce(
        bootstrap, DEFAULT_TOPICS.privacy, encode_envelope(envelope), key=message_key(envelope)
    )


async def test_an_erased_or_anonymized_case_key_leaves_intakes_memory_at_once(
    running_intake: tuple[Intake, AsyncClient], intake_settings: CaselogSettings
) -> None:
    intake, client = running_intake
    erased, anonymized, untouched = [await _case_with_cached_key(client, intake) for _ in "abc"]
    now = datetime.now(UTC).isoformat()
    await _publish(
        intake_settings,
        _privacy_event(
            "subject.erased",
            erased,
            {
                "request_id": "req-cache",
                "subject_ids": [],
                "erased_case_ids": [erased],
                "held_case_ids": [],
                "subject_index_forgotten": True,
                "erased_at": now,
            },
        ),
    )
    await _publish(intake_settings, _privacy_event("case.anonymized", anonymized, {}))

    def dropped() -> bool:
        keys = intake.personal.keys
        return not keys.holds_cached(erased) and not keys.holds_cached(anonymized)

    await eventually_async(_async(dropped), "the destroyed keys dropped from the cache", 30)
    assert intake.personal.keys.holds_cached(untouched)


async def test_a_closed_key_epoch_empties_intakes_key_cache(
    running_intake: tuple[Intake, AsyncClient], intake_settings: CaselogSettings
) -> None:
    intake, client = running_intake
    case_id = await _case_with_cached_key(client, intake)
    # On the shared broker's caselog.privacy: numbers and KEK ids no deployment has, so another
    # test's privacy reading the topic from the start completes no receipt with it.
    never = 2**31 - 2
    closed = {
        "closed_epoch": never,
        "destroyed_kek_id": f"kek-test-{uuid.uuid4().hex}",
        "opened_epoch": never + 1,
        "opened_kek_id": f"kek-test-{uuid.uuid4().hex}",
        "rewrapped_keys": 1,
        "closed_at": datetime.now(UTC).isoformat(),
    }
    await _publish(intake_settings, _privacy_event("keys.epoch_closed", "keys", closed))
    await eventually_async(
        _async(lambda: not intake.personal.keys.holds_cached(case_id)),
        "the key cache emptied on the epoch's close",
        30,
    )


def _async(check: Any) -> Any:
    async def checked() -> bool:
        return bool(check())

    return checked
