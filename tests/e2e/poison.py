"""Poison messages for every topic, who must dead-letter them, and what the DLQs hold of them."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer

from services.policy.bootstrap import PolicyTopics
from services.privacy.bootstrap import CONSUMER_GROUP as PRIVACY_GROUP
from services.privacy.bootstrap import Topics as PrivacyTopics
from services.privacy.entrypoints.consumer import consumed_topics
from shared.bus.delivery import (
    DLQ_HEADER_ERROR,
    DLQ_HEADER_GROUP,
    DLQ_HEADER_OFFSET,
    DLQ_HEADER_PARTITION,
    DLQ_HEADER_TOPIC,
)
from shared.bus.policy import dlq_topic
from shared.envelope import Envelope, encode_envelope, utc_now
from shared.settings import DEFAULT_TOPICS, CaselogSettings
from tests.integration.topic_reader import read_topic


def consumer_groups() -> dict[str, set[str]]:
    """Topic -> the consumer groups that read it, as the services subscribe them with the
    default settings (the distributed test deployment sets none of these)."""
    policy = PolicyTopics()
    subscriptions = [
        (_default("intake_ingress_group"), [DEFAULT_TOPICS.ingress]),
        (_default("intake_erasure_group"), [DEFAULT_TOPICS.privacy]),
        (_default("intake_decision_status_group"), [DEFAULT_TOPICS.policy]),
        (_default("intake_writeback_group"), [DEFAULT_TOPICS.policy]),
        (policy.group, [policy.intake]),
        (policy.erasure_group, [policy.privacy]),
        (_default("records_consumer_group"), list(_default("records_topics"))),
        (
            _default("records_webhook_consumer_group"),
            [DEFAULT_TOPICS.policy, DEFAULT_TOPICS.privacy],
        ),
        (PRIVACY_GROUP, consumed_topics(PrivacyTopics())),
    ]
    groups: dict[str, set[str]] = defaultdict(set)
    for group, topics in subscriptions:
        for topic in topics:
            groups[topic].add(group)
    return dict(groups)


def _default(setting: str) -> Any:
    field = CaselogSettings.model_fields[setting]
    if field.default_factory_takes_validated_data:  # a default built from the other defaults
        return field.get_default(call_default_factory=True, validated_data=_DEFAULTS)
    return field.get_default(call_default_factory=True)


_DEFAULTS = {"topics": DEFAULT_TOPICS}


# A well-formed envelope whose payload is not what its type promises, by topic: its type, and
# the reader that must refuse it, policy, which evaluates the payload. The others are tolerant
# readers by design: records appends what was published, privacy keeps intake's events unread
# (ciphertext) and reads decisions with defaults for what is missing.
UNREADABLE = {"caselog.intake": ("consultation.received", PolicyTopics().group)}


@dataclass(frozen=True, slots=True)
class Poison:
    """One bad message, findable by its marker wherever it is copied, and the consumer groups
    that must dead-letter it."""

    topic: str
    kind: str
    value: bytes
    marker: str
    groups: frozenset[str]

    @classmethod
    def for_topic(cls, topic: str) -> list["Poison"]:
        """Bytes that are no JSON at all; on the ingress topic also a JSON object that is not a
        consultation; on the intake topic also an envelope with an unreadable payload (the
        other paths to the DLQ there)."""
        readers = frozenset(consumer_groups()[topic])
        garbage = _marker()
        found = [cls(topic, "not JSON", b"\xff\x00" + garbage.encode(), garbage, readers)]
        if topic == DEFAULT_TOPICS.ingress:
            stranger = _marker()
            value = b'{"poison":"%s"}' % stranger.encode()
            found.append(cls(topic, "not a consultation", value, stranger, readers))
        if topic in UNREADABLE:
            event_type, reader = UNREADABLE[topic]
            odd = _marker()
            envelope = Envelope(
                type=event_type,
                schema_version=1,
                case_id=odd,
                occurred_at=utc_now(),
                producer="fault-test",
                correlation_id=odd,
                payload={"poison": odd},
            )
            value = encode_envelope(envelope)
            found.append(cls(topic, "unreadable payload", value, odd, frozenset({reader})))
        return found

    async def send(self, producer: AIOKafkaProducer) -> tuple[int, int]:
        """Sends the poison; returns its partition and offset (how a sealed dead letter of
        the ingress topic, whose value is ciphertext, is recognised)."""
        sent = await producer.send_and_wait(self.topic, self.value, key=self.marker.encode())
        return int(sent.partition), int(sent.offset)


def _marker() -> str:
    return f"poison-{uuid.uuid4().hex}"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    group: str
    origin_topic: str
    error: str


async def dead_letters(
    bootstrap: str, poison: Poison, origin: tuple[int, int] | None = None
) -> list[DeadLetter]:
    """The copies of `poison` on its topic's DLQ, with the headers the consumers added: by
    its marker in the value, or (ingress dead letters are sealed) by its `origin` headers."""
    found = []
    for record in await read_topic(bootstrap, dlq_topic(poison.topic)):
        headers = {name: value.decode("utf-8", "replace") for name, value in record.headers}
        from_origin = origin is not None and (
            headers.get(DLQ_HEADER_TOPIC) == poison.topic
            and headers.get(DLQ_HEADER_PARTITION) == str(origin[0])
            and headers.get(DLQ_HEADER_OFFSET) == str(origin[1])
        )
        marked = record.value is not None and poison.marker.encode() in record.value
        if not (marked or from_origin):
            continue
        found.append(
            DeadLetter(
                group=headers.get(DLQ_HEADER_GROUP, ""),
                origin_topic=headers.get(DLQ_HEADER_TOPIC, ""),
                error=headers.get(DLQ_HEADER_ERROR, ""),
            )
        )
    return found
