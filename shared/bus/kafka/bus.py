"""KafkaBus: the bus on a real Kafka cluster (idempotent producer, acks=all, read_committed)."""

import asyncio
import uuid
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition as KafkaTopicPartition

from shared.bus.batches import Step
from shared.bus.errors import BusError, UnknownTopicError
from shared.bus.interface import Bus, Consumer, TopicPartition
from shared.bus.kafka.admin import create_missing_topics
from shared.bus.kafka.handler_member import HandlerMember
from shared.bus.kafka.records import kafka_headers
from shared.bus.kafka.transform_member import TransformMember
from shared.bus.messages import OutgoingMessage
from shared.bus.policy import DeliveryPolicy
from shared.bus.topics import TopicSpec

DELETE_TIMEOUT_MS = 10_000


def _low_watermarks(deleted: object) -> dict[KafkaTopicPartition, int]:
    # aiokafka answers {TopicPartition: low watermark}; older versions a response object.
    if isinstance(deleted, dict):
        return {tp: int(low) for tp, low in deleted.items()}
    return {}


class KafkaBus(Bus):
    """One producer and one admin client per process; one aiokafka consumer per member."""

    def __init__(
        self,
        bootstrap_servers: str,
        client_id: str = "caselog",
        instance_id: str | None = None,
        replication_factor: int = 1,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._client_id = client_id
        # Transactional ids must be stable per instance so a restarted instance fences its zombie.
        self._instance_id = instance_id or uuid.uuid4().hex
        self._replication_factor = replication_factor
        # aiokafka clients need a running event loop: they are created in start().
        self._producer: AIOKafkaProducer | None = None
        self._admin: AIOKafkaAdminClient | None = None
        self._known_topics: set[str] = set()
        self._transform_members = 0

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            acks="all",
            enable_idempotence=True,
        )
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=self._bootstrap, client_id=self._client_id
        )
        try:
            await self._producer.start()
            await self._admin.start()
        except KafkaError as error:
            raise BusError(f"cannot reach Kafka at {self._bootstrap}: {error}") from error

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
        if self._admin is not None:
            await self._admin.close()
        self._producer = self._admin = None

    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        await create_missing_topics(self._started()[1], specs, self._replication_factor)

    async def publish(self, message: OutgoingMessage) -> None:
        await self._require_topic(message.topic)
        try:
            await self._started()[0].send_and_wait(
                message.topic,
                message.value,
                key=message.key,
                headers=kafka_headers(message.headers),
            )
        except KafkaError as error:
            raise BusError(f"publish to {message.topic} failed: {error}") from error

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> None:
        """All sent before any is awaited: one round trip for the lot, not one each. The
        idempotent producer keeps each partition's order (its batches carry sequence numbers)."""
        for topic in {message.topic for message in messages}:
            await self._require_topic(topic)
        producer = self._started()[0]
        try:
            sent = [
                await producer.send(m.topic, m.value, key=m.key, headers=kafka_headers(m.headers))
                for m in messages
            ]
            await asyncio.gather(*sent)
        except KafkaError as error:
            raise BusError(f"publish of {len(messages)} messages failed: {error}") from error

    async def ping(self) -> None:
        try:
            cluster = await self._started()[1].describe_cluster()
        except KafkaError as error:
            raise BusError(f"Kafka at {self._bootstrap} does not answer: {error}") from error
        if not cluster.get("brokers"):
            raise BusError(f"Kafka at {self._bootstrap} reports no brokers")

    async def delete_consumed(self, group: str, topic: str) -> dict[TopicPartition, int]:
        admin = self._started()[1]
        try:
            committed = await admin.list_consumer_group_offsets(group)
            wanted = {
                tp: RecordsToDelete(before_offset=meta.offset)
                for tp, meta in committed.items()
                if tp.topic == topic and meta.offset > 0
            }
            if not wanted:
                return {}
            deleted = await admin.delete_records(wanted, timeout_ms=DELETE_TIMEOUT_MS)
        except KafkaError as error:
            raise BusError(f"deleting consumed records of {topic} failed: {error}") from error
        return {(tp.topic, tp.partition): low for tp, low in _low_watermarks(deleted).items()}

    def handler_member(
        self, group: str, topics: Sequence[str], step: Step, policy: DeliveryPolicy
    ) -> Consumer:
        return HandlerMember(
            self._bootstrap, self._client_id, group, topics, policy, step, self._started()[0]
        )

    def transform_member(
        self, group: str, topics: Sequence[str], step: Step, policy: DeliveryPolicy
    ) -> Consumer:
        self._transform_members += 1
        transactional_id = (
            f"{self._client_id}-{group}-{self._instance_id}-{self._transform_members}"
        )
        return TransformMember(
            self._bootstrap,
            self._client_id,
            group,
            topics,
            policy,
            step,
            transactional_id,
        )

    def _started(self) -> tuple[AIOKafkaProducer, AIOKafkaAdminClient]:
        if self._producer is None or self._admin is None:
            raise BusError("KafkaBus used before start()")
        return self._producer, self._admin

    async def _require_topic(self, topic: str) -> None:
        """Fail clearly on an undeclared topic instead of waiting for metadata to time out."""
        if topic in self._known_topics:
            return
        self._known_topics.update(await self._started()[1].list_topics())
        if topic not in self._known_topics:
            raise UnknownTopicError(
                f"topic {topic!r} is not declared; see deploy/kafka/topics.toml"
            )
