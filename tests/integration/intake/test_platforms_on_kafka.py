"""Platforms end to end: a signed Zendesk webhook and Salesforce CDC on the ingress topic."""

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from shared.bus.delivery import (
    DLQ_HEADER_ERROR,
    DLQ_HEADER_OFFSET,
    DLQ_HEADER_PARTITION,
    DLQ_HEADER_TOPIC,
)
from shared.envelope import InvalidEnvelopeError, decode_envelope, utc_now
from shared.settings import CaselogSettings
from tests.conformance.running import eventually_async
from tests.integration.intake.conftest import ZENDESK_SECRET, AppFactory
from tests.integration.personal_forms import leaks
from tests.integration.topic_reader import read_topic
from tests.unit.intake.platforms.test_salesforce import case_created
from tests.unit.intake.platforms.test_zendesk import comment_added, ticket_created


def zendesk_headers(body: bytes, secret: str = ZENDESK_SECRET) -> dict[str, str]:
    sent = utc_now().strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hmac.new(secret.encode(), sent.encode() + body, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": sent,
    }


async def intake_events(settings: CaselogSettings) -> list[bytes]:
    """Every envelope on caselog.intake (other tests' deliberate poison skipped)."""
    values = []
    for record in await read_topic(settings.kafka_bootstrap_servers, "caselog.intake"):
        try:
            decode_envelope(record.value)
        except InvalidEnvelopeError:
            continue
        values.append(record.value)
    return values


async def test_a_signed_zendesk_ticket_and_its_comment_become_one_case(
    intake_client: AppFactory, intake_settings: CaselogSettings
) -> None:
    ticket_id = str(uuid.uuid4().int % 10**9)
    created = json.dumps(ticket_created(id=ticket_id)).encode()
    comment = comment_added()
    comment["detail"]["id"] = ticket_id
    comment["event"]["comment"]["id"] = f"c-{ticket_id}"
    commented = json.dumps(comment).encode()
    async with intake_client() as client:
        first = await client.post(
            "/v1/webhooks/zendesk", content=created, headers=zendesk_headers(created)
        )
        retry = await client.post(
            "/v1/webhooks/zendesk", content=created, headers=zendesk_headers(created)
        )
        forged = await client.post(
            "/v1/webhooks/zendesk", content=created, headers=zendesk_headers(created, "guess")
        )
        follow = await client.post(
            "/v1/webhooks/zendesk", content=commented, headers=zendesk_headers(commented)
        )
        unknown = await client.post(
            "/v1/webhooks/myspace", content=b"{}", headers={"Content-Type": "application/json"}
        )
    assert first.status_code == 202, first.text
    assert retry.json() == {**first.json(), "duplicate": True}
    assert forged.status_code == 401
    assert follow.status_code == 202, follow.text
    assert follow.json()["case_id"] == first.json()["case_id"]
    assert unknown.status_code == 404
    mine = [
        v
        for v in await intake_events(intake_settings)
        if decode_envelope(v).case_id == first.json()["case_id"]
    ]
    assert [decode_envelope(v).type for v in mine] == ["consultation.received", "contact.logged"]
    assert all(
        leaks(v, ["山田 太郎", "taro.yamada@example.jp", "090-1234-5678"]) == [] for v in mine
    )


async def salesforce_events(settings: CaselogSettings, record_id: str) -> list[bytes]:
    """consultation.received events whose (plaintext, non-personal) source is the record."""
    found = []
    for value in await intake_events(settings):
        source = decode_envelope(value).payload.get("source")
        if isinstance(source, dict) and source.get("external_id") == record_id:
            found.append(value)
    return found


async def dead_letters(
    settings: CaselogSettings, partition: int, offset: int
) -> list[ConsumerRecord[bytes, bytes]]:
    """The dead letters of one ingress record, found by their origin headers (a sealed dead
    letter has no key: producers may key by e-mail)."""
    records = await read_topic(settings.kafka_bootstrap_servers, "caselog.ingress.dlq")
    origin = {
        DLQ_HEADER_TOPIC: b"caselog.ingress",
        DLQ_HEADER_PARTITION: str(partition).encode(),
        DLQ_HEADER_OFFSET: str(offset).encode(),
    }
    return [r for r in records if origin.items() <= dict(r.headers).items()]


async def test_salesforce_change_events_on_the_ingress_topic(
    intake_client: AppFactory, intake_settings: CaselogSettings
) -> None:
    record_id = f"500{uuid.uuid4().hex[:15]}"
    event = case_created()
    event["data"]["payload"]["ChangeEventHeader"]["recordIds"] = [record_id]
    valid = json.dumps(event).encode()
    key = record_id.encode()
    producer = AIOKafkaProducer(bootstrap_servers=intake_settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        async with intake_client():
            sent = [
                await producer.send_and_wait(
                    "caselog.ingress", value, key=key, headers=[("caselog.platform", b"salesforce")]
                )
                for value in (b"{not json", valid, valid)
            ]
            poison = sent[0]
            seen: dict[str, list[Any]] = {}

            async def arrived() -> bool:
                seen["events"] = await salesforce_events(intake_settings, record_id)
                seen["dead"] = await dead_letters(intake_settings, poison.partition, poison.offset)
                return bool(seen["events"] and seen["dead"])

            await eventually_async(arrived, "the consultation and the dead letter")
            await asyncio.sleep(1.0)  # room for the repeated event to be (wrongly) recorded
            events = await salesforce_events(intake_settings, record_id)
    finally:
        await producer.stop()
    assert len(events) == 1, "the repeated change event is recorded once"
    [letter] = seen["dead"]
    assert b"JSON" in (dict(letter.headers).get(DLQ_HEADER_ERROR) or b"")
    assert b"{not json" not in letter.value  # sealed: the DLQ holds ciphertext only
    assert letter.key is None
    assert leaks(events[0], ["田中 美咲", "misaki.tanaka@example.ne.jp", "06-6123-4567"]) == []
