"""A Kafka consumer-group member that feeds a handler: at-least-once, commit after handling."""

from collections.abc import Sequence

import structlog
from aiokafka import AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError

from shared.bus.batches import Step
from shared.bus.kafka.member import KafkaMember
from shared.bus.kafka.records import Batch, consumed, kafka_headers
from shared.bus.messages import OutgoingMessage
from shared.bus.policy import DeliveryPolicy

log = structlog.get_logger(__name__)


class CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commits what was handled on partitions that move to another member.

    It reads only the member's handled-offsets map, which the loop updates between
    awaits; it shares no lock with the loop.
    """

    def __init__(self, member: "HandlerMember") -> None:
        self._member = member

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._member.commit_handled(revoked)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("partitions assigned", group=self._member.group, partitions=len(assigned))


class HandlerMember(KafkaMember):
    """Runs its step on each polled batch, publishes the dead letters, then commits."""

    def __init__(
        self,
        bootstrap_servers: str,
        client_id: str,
        group: str,
        topics: Sequence[str],
        policy: DeliveryPolicy,
        step: Step,
        producer: AIOKafkaProducer,
    ) -> None:
        super().__init__(bootstrap_servers, client_id, group, topics, policy)
        self._step = step
        self._producer = producer
        self._handled: dict[TopicPartition, int] = {}

    def _listener(self) -> object:
        return CommitOnRevoke(self)

    async def process(self, batch: Batch) -> None:
        # A partition revoked since the poll is the new owner's, from the last commit on.
        owned = self.consumer.assignment()
        messages = [
            consumed(record) for tp, records in batch.items() if tp in owned for record in records
        ]
        handled = await self._step(messages, self.stopping)
        for letter in handled.to_publish:
            await self._publish(letter)
        for (topic, partition), offset in handled.next_offsets().items():
            self._handled[TopicPartition(topic, partition)] = offset
        await self.commit_handled()

    async def _publish(self, message: OutgoingMessage) -> None:
        await self._producer.send_and_wait(
            message.topic, message.value, key=message.key, headers=kafka_headers(message.headers)
        )

    async def commit_handled(self, partitions: Sequence[TopicPartition] | None = None) -> None:
        chosen = (
            dict(self._handled)
            if partitions is None
            else {tp: offset for tp, offset in self._handled.items() if tp in partitions}
        )
        for tp in list(chosen):
            self._handled.pop(tp, None)
        if partitions is None:
            # Offsets of partitions lost in a rebalance cannot be committed by this member:
            # their new owner starts from the last commit (at-least-once, handlers dedupe).
            owned = self.consumer.assignment()
            chosen = {tp: offset for tp, offset in chosen.items() if tp in owned}
        if not chosen:
            return
        try:
            await self.consumer.commit(dict(chosen))
        except (CommitFailedError, IllegalStateError) as error:
            # A rebalance overtook the commit; the messages will be delivered again.
            log.warning("commit lost to a rebalance", group=self.group, error=type(error).__name__)
