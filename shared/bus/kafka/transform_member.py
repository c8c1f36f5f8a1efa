"""A Kafka member whose outputs and input offsets commit in one transaction (exactly-once)."""

import asyncio
from collections.abc import Sequence

import structlog
from aiokafka import AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition

from shared.bus.batches import Step
from shared.bus.errors import BusError
from shared.bus.kafka.member import KafkaMember
from shared.bus.kafka.records import Batch, consumed, kafka_headers
from shared.bus.policy import DeliveryPolicy

log = structlog.get_logger(__name__)


class NothingToCommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Offsets travel inside each transaction, so a revocation has nothing left to commit."""

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None


class TransformMember(KafkaMember):
    """Consume-transform-produce: one Kafka transaction per polled batch."""

    def __init__(
        self,
        bootstrap_servers: str,
        client_id: str,
        group: str,
        topics: Sequence[str],
        policy: DeliveryPolicy,
        step: Step,
        transactional_id: str,
    ) -> None:
        super().__init__(bootstrap_servers, client_id, group, topics, policy)
        self._step = step
        self._transactional_id = transactional_id
        self._producer_or_none: AIOKafkaProducer | None = None

    @property
    def _producer(self) -> AIOKafkaProducer:
        if self._producer_or_none is None:
            raise BusError("the transform consumer is not running")
        return self._producer_or_none

    def _listener(self) -> object:
        return NothingToCommitOnRevoke()

    async def _open(self) -> None:
        self._producer_or_none = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            transactional_id=self._transactional_id,
            enable_idempotence=True,
            acks="all",
        )
        await self._producer.start()
        await super()._open()

    async def _close(self, commit: bool) -> None:
        try:
            await super()._close(commit)
        finally:
            if self._producer_or_none is not None:
                await self._producer_or_none.stop()

    async def process(self, batch: Batch) -> None:
        await self._producer.begin_transaction()
        try:
            messages = [consumed(record) for records in batch.values() for record in records]
            handled = await self._step(messages, self.stopping)
            for output in handled.to_publish:
                await self._producer.send(
                    output.topic,
                    output.value,
                    key=output.key,
                    headers=kafka_headers(output.headers),
                )
            offsets = {
                TopicPartition(topic, partition): offset
                for (topic, partition), offset in handled.next_offsets().items()
            }
            await self._producer.send_offsets_to_transaction(offsets, self.group)
            await self._producer.commit_transaction()
            if len(handled.messages) < len(messages):
                await self.rewind(batch)  # stopped mid-batch: the rest is read again
        except BaseException:
            await asyncio.shield(self._abort(batch))
            raise

    async def _abort(self, batch: Batch) -> None:
        """Abort the open transaction and rewind, so the batch is delivered again."""
        await self._producer.abort_transaction()
        await self.rewind(batch)
        log.warning("transaction aborted; batch will be redelivered", group=self.group)

    async def commit_handled(self, partitions: Sequence[TopicPartition] | None = None) -> None:
        return None  # every batch was committed (or aborted) in its own transaction
