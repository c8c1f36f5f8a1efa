"""The distributed leak scan after erasure (issue 13): a subject's data comes in over REST, over
`caselog.ingress` (our own JSON and a Salesforce change event) and as a poison message that
intake dead-letters; the privacy officer erases the subject. Then nothing of the subject, in
any written form, is left anywhere a deployment keeps bytes: every topic of the broker (keys,
values, headers; the ingress topic and every DLQ included), the broker's segment files on
disk, `pg_dump` and the raw data directory (tables, pg_wal) of the PostgreSQL server, and every
log (the services', the broker's, the database server's).

The test runs a broker and a PostgreSQL server of its own, so it knows their data directories
and everything in them is this test's. Before the erasure the same scan must find the planted
values on the ingress path (where raw platform events really are), and nowhere else, and a
canary row in the database files and WAL: it looks in the right places. The one place allowed
to keep bytes after the erasure answered is the raw ingress topic's segment files, until its
retention backstop deletes them (Kafka removes files by age, not records in them); the test
then lets the backstop act and scans again: nothing at all."""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from services.intake.entrypoints.examples import ENGLISH
from services.intake.entrypoints.ingress import PLATFORM_HEADER
from shared.auth.roles import Role
from shared.bus.policy import dlq_topic
from shared.settings import DEFAULT_TOPICS
from tests.e2e.broker import OwnBroker, own_broker
from tests.e2e.distributed import Distributed, distributed_services
from tests.e2e.leak_scan import KAFKA_INDEXES, Dumps, dump_all, dump_files, every_topic
from tests.e2e.own_postgres import OwnPostgres, own_postgres
from tests.e2e.scenario import (
    Subject,
    TokenFactory,
    consultation_through_erasure,
    development_tokens,
)
from tests.e2e.tally import rows
from tests.integration.topic_reader import read_topic
from tests.support.infra import InfrastructureUnavailableError
from tests.unavailable import missing_infrastructure

pytestmark = [pytest.mark.infra, pytest.mark.timeout(900)]

PATIENCE_S = 90.0  # for intake to take the ingress messages and privacy to know their cases
SETTLE_S = 30.0  # after the erasure, for what is purged asynchronously (the ingress DLQ)
INGRESS_SOURCES = (f"topic {DEFAULT_TOPICS.ingress}", "kafka logs/caselog.ingress")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[OwnBroker]:
    # Retention is checked every second and expired segment files deleted at once, so the
    # test can see the ingress retention backstop act (the default checks every 5 minutes).
    quick = {"log_retention_check_interval_ms": "1000", "log_segment_delete_delay_ms": "0"}
    try:
        with own_broker(tmp_path / "kafka", **quick) as started:
            yield started
    except InfrastructureUnavailableError as error:
        missing_infrastructure(f"a Kafka broker of the leak scan's own: {error}")


@pytest.fixture
def postgres() -> Iterator[OwnPostgres]:
    try:
        with own_postgres() as started:
            yield started
    except InfrastructureUnavailableError as error:
        missing_infrastructure(f"a PostgreSQL server of the leak scan's own: {error}")


@pytest.fixture
async def deployment(
    broker: OwnBroker, postgres: OwnPostgres, tmp_path: Path
) -> AsyncIterator[Distributed]:
    development_tokens(tmp_path / "auth")  # the JWKS the services trust
    folder = tmp_path / "services"
    folder.mkdir()
    jwks = tmp_path / "auth" / "dev-jwks.json"
    async with distributed_services(broker.bootstrap, postgres.url, folder, jwks) as running:
        yield running


async def test_nothing_of_an_erased_subject_is_left_anywhere(
    broker: OwnBroker, postgres: OwnPostgres, deployment: Distributed, tmp_path: Path
) -> None:
    token = development_tokens(tmp_path / "auth")
    planted: dict[str, Any] = {}

    async def plant_and_scan(subject: Subject, case_id: str) -> None:
        planted["tickets"] = await _through_ingress(broker, subject)
        planted["cases"] = await _known_to_privacy(deployment, token, planted["tickets"])
        await _dead_lettered(broker)
        dumps = await _scan(broker, postgres, deployment, case_id)
        _scan_finds_what_is_there(dumps, subject)

    subject, case_id = await consultation_through_erasure(
        deployment.urls, token, tmp_path, before_erasure=plant_and_scan
    )
    await _erased(deployment, token, planted["cases"])
    await _settled(broker, subject)
    dumps = await _scan(broker, postgres, deployment, case_id)
    found = dumps.leaks(subject.personal_values)
    at_once = {source: forms for source, forms in found.items() if not _ingress_segment(source)}
    assert not at_once, f"the erased subject is still here: {_where(at_once)}"
    # Kafka deletes a partition's files by age, never a record inside the active segment: the
    # bytes of consumed ingress records stay on the broker's disk until the topic's retention
    # backstop. Shortened on this broker, as if it had elapsed: then nothing is left at all.
    await _ingress_retention_elapses(broker, subject)
    dumps = await _scan(broker, postgres, deployment, case_id)
    found = dumps.leaks(subject.personal_values)
    assert not found, f"the erased subject is still here after the backstop: {_where(found)}"


async def _through_ingress(broker: OwnBroker, subject: Subject) -> list[str]:
    """The subject's consultation as our own JSON and as a Salesforce Case CREATE on the
    ingress topic, and a message with the subject's data that is no consultation (it must be
    dead-lettered); the tickets of the two consultations."""
    run = uuid.uuid4().hex[:10]
    own = {
        **ENGLISH,
        "source": {"platform": "ingress-e2e", "external_id": f"own-{run}"},
        "received_at": _now(),
        "customer": {
            **ENGLISH["customer"],
            "name": subject.name,
            "email": subject.email,
            "phone": subject.phone,
        },
        "body": subject.body,
    }
    record_id = f"500{run}ABCDE"
    salesforce = _case_created(record_id, subject)
    poison = {"customer": {"name": subject.name, "email": subject.email, "phone": subject.phone}}
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            DEFAULT_TOPICS.ingress, json.dumps(own).encode(), key=run.encode()
        )
        await producer.send_and_wait(
            DEFAULT_TOPICS.ingress,
            json.dumps(salesforce).encode(),
            key=record_id.encode(),
            headers=[(PLATFORM_HEADER, b"salesforce")],
        )
        await producer.send_and_wait(
            DEFAULT_TOPICS.ingress, json.dumps(poison).encode(), key=b"poison"
        )
    finally:
        await producer.stop()
    return [f"own-{run}", record_id]


def _case_created(record_id: str, subject: Subject) -> dict[str, Any]:
    """A Salesforce Case CREATE change event, shaped as the CDC guide shows it."""
    header = {
        "entityName": "Case",
        "recordIds": [record_id],
        "changeType": "CREATE",
        "commitTimestamp": int(time.time() * 1000),
    }
    payload = {
        "ChangeEventHeader": header,
        "Subject": "Kettle leaks",
        "Description": subject.body,
        "Origin": "Web",
        "SuppliedName": subject.name,
        "SuppliedEmail": subject.email,
        "SuppliedPhone": subject.phone,
        "CreatedDate": _now(),
    }
    event = {"payload": payload, "event": {"replayId": 1}}
    return {"data": event, "channel": "/data/CaseChangeEvent"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _known_to_privacy(
    deployment: Distributed, token: TokenFactory, tickets: list[str]
) -> list[str]:
    """The cases intake opened for `tickets`, once privacy knows each (so the erasure finds
    them); fails if intake took them not within the patience."""
    officer = {"Authorization": f"Bearer {token(Role.PRIVACY_OFFICER)}"}
    deadline = time.monotonic() + PATIENCE_S
    async with httpx.AsyncClient(timeout=10.0) as http:
        while True:
            found = await rows(
                deployment.databases["intake"],
                "SELECT case_id FROM intake_cases WHERE external_id = ANY(:tickets)",
                tickets=tickets,
            )
            cases = sorted({str(case_id) for (case_id,) in found})
            answers = [
                await http.get(f"{deployment.urls.privacy}/v1/cases/{case}", headers=officer)
                for case in cases
            ]
            if len(cases) == len(tickets) and all(a.status_code == 200 for a in answers):
                return cases
            assert time.monotonic() < deadline, f"ingress tickets {tickets}: only {cases} known"
            await asyncio.sleep(0.5)


async def _erased(deployment: Distributed, token: TokenFactory, cases: list[str]) -> None:
    """The erasure by the subject's e-mail took the ingress cases too: their keys are gone."""
    officer = {"Authorization": f"Bearer {token(Role.PRIVACY_OFFICER)}"}
    async with httpx.AsyncClient(timeout=10.0) as http:
        for case in cases:
            answer = await http.get(f"{deployment.urls.privacy}/v1/cases/{case}", headers=officer)
            assert answer.status_code == 200, answer.text
            record = answer.json()["case"]
            assert record["key_destroyed_at"] is not None, f"ingress case not erased: {record}"


async def _settled(broker: OwnBroker, subject: Subject) -> None:
    """Gives what is purged after the erasure's answer (the ingress topic and its DLQ) up to
    SETTLE_S to go; the full scan then says what stayed."""
    deadline = time.monotonic() + SETTLE_S
    topics = [DEFAULT_TOPICS.ingress, dlq_topic(DEFAULT_TOPICS.ingress)]
    while time.monotonic() < deadline:
        dumps = Dumps()
        for topic in topics:
            records = await read_topic(broker.bootstrap, topic)
            dumps.blobs[topic] = b"\n".join(
                b"\n".join([r.key or b"", r.value or b"", *(v for _, v in r.headers or ())])
                for r in records
            )
        if not dumps.leaks(subject.personal_values):
            return
        await asyncio.sleep(2.0)


def _ingress_segment(source: str) -> bool:
    return source.startswith("kafka logs/caselog.ingress-")


async def _ingress_retention_elapses(broker: OwnBroker, subject: Subject) -> None:
    """Sets the ingress topic's retention to a second (this broker checks every second and
    deletes at once), and waits until its segment files hold nothing of the subject."""
    admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
    await admin.start()
    try:
        expiring = {"retention.ms": "1000", "cleanup.policy": "delete"}
        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, DEFAULT_TOPICS.ingress, configs=expiring)]
        )
    finally:
        await admin.close()
    deadline = time.monotonic() + PATIENCE_S
    while True:
        dumps = Dumps()
        files = dump_files(dumps, "kafka", broker.folder / "logs", skip=KAFKA_INDEXES)
        left = [source for source in dumps.leaks(subject.personal_values) if "ingress-" in source]
        if not left:
            print(f"ingress segments expired: {files} broker files hold nothing of the subject")
            return
        assert time.monotonic() < deadline, f"ingress segments not deleted by retention: {left}"
        await asyncio.sleep(1.0)


async def _scan(
    broker: OwnBroker, postgres: OwnPostgres, deployment: Distributed, case_id: str
) -> Dumps:
    started = time.monotonic()
    topics = await every_topic(broker.bootstrap)
    assert dlq_topic(DEFAULT_TOPICS.ingress) in topics, topics
    dumps = await dump_all(broker.bootstrap, deployment, case_id, topics)
    canary = f"leak-scan-canary-{uuid.uuid4().hex}"
    await postgres.plant(canary)
    await postgres.checkpoint()  # the table files hold every committed row now
    files = {
        "kafka": dump_files(dumps, "kafka", broker.folder, skip=KAFKA_INDEXES),
        "postgres": dump_files(dumps, "postgres", postgres.folder),
        "service folder": dump_files(dumps, "service folder", deployment.folder),
    }
    assert any(source.startswith("kafka logs/caselog.ingress-") for source in dumps.blobs)
    planted = {source for source in dumps.leaks([canary]) if source.startswith("postgres")}
    assert any(source.startswith("postgres data/base/") for source in planted), planted
    assert any(source.startswith("postgres data/pg_wal/") for source in planted), planted
    size = sum(dumps.sizes().values())
    print(
        f"leak scan: {len(topics)} topics, {files} files, {len(deployment.databases)} dumps,"
        f" {size / 2**20:.0f} MiB in {time.monotonic() - started:.1f} s"
    )
    return dumps


async def _dead_lettered(broker: OwnBroker) -> None:
    """Waits for the poison on the ingress DLQ (this broker's only poison: any letter is it)."""
    deadline = time.monotonic() + PATIENCE_S
    while not await read_topic(broker.bootstrap, dlq_topic(DEFAULT_TOPICS.ingress)):
        assert time.monotonic() < deadline, "the poison message never reached the ingress DLQ"
        await asyncio.sleep(0.5)


def _scan_finds_what_is_there(dumps: Dumps, subject: Subject) -> None:
    """Before the erasure: the raw ingress events hold the subject in plaintext (on the topic,
    or at least in its segment files once intake deleted what it consumed); outside the
    ingress path (the topic, its DLQ, their segment files) nothing is plaintext."""
    found = dumps.leaks(subject.personal_values)
    on_ingress = [source for source in found if source.startswith(INGRESS_SOURCES)]
    assert on_ingress, f"the planted ingress events were not found: {_where(found)}"
    elsewhere = {
        source: forms
        for source, forms in found.items()
        if not source.startswith((*INGRESS_SOURCES, f"topic {dlq_topic(DEFAULT_TOPICS.ingress)}"))
        and not source.startswith("kafka logs/caselog.ingress.dlq-")
    }
    assert not elsewhere, f"plaintext outside the ingress path before erasure: {_where(elsewhere)}"


def _where(found: dict[str, list[str]]) -> str:
    return "; ".join(f"{source}: {len(forms)} forms" for source, forms in sorted(found.items()))
