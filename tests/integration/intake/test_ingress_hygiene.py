"""Issue 13, item 6 (intake's part), on real Kafka and PostgreSQL: consumed raw ingress is
deleted (the earliest offset moves), dead letters hold no plaintext, and an erasure destroys
their quarantine keys and intake's ticket mapping of the erased cases."""

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition
from httpx import AsyncClient

from services.intake.bootstrap import Intake
from shared.auth.development import DevelopmentIssuer
from shared.bus.messages import OutgoingMessage
from shared.crypto.errors import KeyDestroyedError, KeyNotFoundError
from shared.envelope import Envelope, encode_envelope, message_key
from shared.settings import DEFAULT_TOPICS, CaselogSettings
from tests.conformance.running import eventually_async
from tests.integration.intake.conftest import consultation, started_intake
from tests.integration.topic_reader import read_topic

DLQ_TOPIC = DEFAULT_TOPICS.ingress + ".dlq"


@pytest.fixture
async def running_intake(
    intake_settings: CaselogSettings, token_issuer: DevelopmentIssuer
) -> AsyncIterator[tuple[Intake, AsyncClient]]:
    settings = intake_settings.model_copy(update={"intake_ingress_purge_interval_s": 0.5})
    async with started_intake(settings, token_issuer) as started:
        yield started


async def earliest_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            partitions = [TopicPartition(topic, p) for p in range(6)]
        beginnings = await consumer.beginning_offsets(partitions)
        return {tp.partition: offset for tp, offset in beginnings.items()}
    finally:
        await consumer.stop()


async def produce(bootstrap: str, topic: str, value: bytes, key: bytes | None = None) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, value, key=key)
        return int(sent.partition)
    finally:
        await producer.stop()


async def test_consumed_ingress_is_deleted_and_dead_letters_are_sealed_until_erased(
    running_intake: tuple[Intake, AsyncClient], intake_settings: CaselogSettings
) -> None:
    intake, client = running_intake
    bootstrap = intake_settings.kafka_bootstrap_servers
    run = uuid.uuid4().hex[:10]
    email = f"hygiene.{run}@example.jp"
    name, phone, notes = f"鰐淵 珠璃{run}", "090-7777-1234", f"秘密のメモ{run}"
    now = datetime.now(UTC).isoformat()

    # A subject known by e-mail, then on the ingress topic: one good consultation of it and
    # one poison message (no body) naming the same person, keyed by the e-mail as some
    # bridges do.
    opened = await client.post(
        "/v1/consultations",
        json=consultation(f"hyg-{run}", received_at=now, customer={"name": name, "email": email}),
    )
    assert opened.status_code == 202, opened.text
    case_id = opened.json()["case_id"]
    good = consultation(f"hyg-ingress-{run}", received_at=now)
    good["customer"] = {"name": name, "email": email, "phone": phone, "confidential_notes": notes}
    poison = {**good, "source": {"platform": "bridge", "external_id": f"poison-{run}"}}
    del poison["body"]
    good_partition = await produce(bootstrap, DEFAULT_TOPICS.ingress, json.dumps(good).encode())
    poison_partition = await produce(
        bootstrap, DEFAULT_TOPICS.ingress, json.dumps(poison).encode(), key=email.encode()
    )

    async def sealed_dead_letter() -> bytes | None:
        for record in await read_topic(bootstrap, DLQ_TOPIC):
            try:
                document = json.loads(record.value)
                if document.get("format") != "caselog.quarantine.v1":
                    continue
                if run.encode() in await intake.quarantine.open(record.value):
                    return bytes(record.value) + repr(record.headers).encode() + (record.key or b"")
            except (ValueError, KeyError, KeyDestroyedError, KeyNotFoundError):
                continue  # other runs' letters: their keys lived in other databases
        return None

    async def dead_lettered() -> bool:
        return await sealed_dead_letter() is not None

    await eventually_async(dead_lettered, "the poison message on the DLQ", timeout_s=30)
    dead = await sealed_dead_letter()
    assert dead is not None
    for planted in (name, email, phone, notes, run):
        assert planted.encode() not in dead, planted
        assert json.dumps(planted).encode() not in dead, planted

    # Once the group has committed both, the purge deletes them: the earliest offset moves.
    async def ingress_purged() -> bool:
        earliest = await earliest_offsets(bootstrap, DEFAULT_TOPICS.ingress)
        records = await read_topic(bootstrap, DEFAULT_TOPICS.ingress)
        return all(run.encode() not in r.value for r in records) and bool(earliest)

    await eventually_async(ingress_purged, "the consumed ingress deleted", timeout_s=30)
    earliest = await earliest_offsets(bootstrap, DEFAULT_TOPICS.ingress)
    assert earliest[good_partition] > 0
    assert earliest[poison_partition] > 0

    # Erasure of the subject: its quarantine keys go, and so does the ticket mapping.
    async with intake.stores.ledger_work() as uow:
        case = await uow.ledger.case(case_id)
    assert case is not None
    assert case.subject_id is not None
    erased = Envelope(
        type="subject.erased",
        schema_version=1,
        case_id=case_id,
        subject_id=case.subject_id,
        occurred_at=datetime.now(UTC),
        producer="privacy",
        correlation_id=uuid.uuid4().hex,
        payload={
            "request_id": f"req-{run}",
            "subject_ids": [case.subject_id],
            "erased_case_ids": [case_id],
            "held_case_ids": [],
            "subject_index_forgotten": True,
            "erased_at": datetime.now(UTC).isoformat(),
        },
    )
    await produce(
        bootstrap, DEFAULT_TOPICS.privacy, encode_envelope(erased), key=message_key(erased)
    )

    async def forgotten() -> bool:
        async with intake.stores.ledger_work() as uow:
            return await uow.ledger.case_for_ticket("rest", f"hyg-{run}") is None

    await eventually_async(forgotten, "the erased ticket forgotten", timeout_s=30)
    assert await sealed_dead_letter() is None  # its key is destroyed: nothing opens it
    status = await client.get(f"/v1/cases/{case_id}")
    assert status.status_code == 404
    retried = await client.post(
        f"/v1/cases/{case_id}/contacts",
        json={"kind": "customer_contact", "channel": "phone", "occurred_at": now, "body": "x"},
    )
    assert retried.status_code == 404


async def test_quarantine_keys_expire_with_the_dlq_retention(
    running_intake: tuple[Intake, AsyncClient],
) -> None:
    intake, _ = running_intake
    sealed = await intake.quarantine.seal(OutgoingMessage(DLQ_TOPIC, b'{"any": "thing"}'))
    assert await intake.quarantine.open(sealed.value) == b'{"any": "thing"}'
    later = datetime.now(UTC) + timedelta(
        days=intake.settings.intake_quarantine_retention_days, seconds=1
    )
    assert await intake.quarantine.destroy_expired(later) >= 1
    with pytest.raises(KeyDestroyedError):
        await intake.quarantine.open(sealed.value)
