"""A Kafka consumer-group member that feeds a handler: at-least-once, commit after handling."""

import functools
from collections.abc import Sequence

import structlog
from aiokafka import AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError

from shared.bus.delivery import attempt
from shared.bus.interface import Handler
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
    """Handles messages one by one; dead-letters after bounded retries; commits per batch."""

    def __init__(
        self,
        bootstrap_servers: str,
        client_id: str,
        group: str,
        topics: Sequence[str],
        policy: DeliveryPolicy,
        handler: Handler,
        producer: AIOKafkaProducer,
    ) -> None:
        super().__init__(bootstrap_servers, client_id, group, topics, policy)
        self._handler = handler
        self._producer = producer
        self._handled: dict[TopicPartition, int] = {}

    def _listener(self) -> object:
        return CommitOnRevoke(self)

    async def process(self, batch: Batch) -> None:
        for tp, records in batch.items():
            for record in records:
                if tp not in self.consumer.assignment():
                    break  # revoked during the batch: the new owner takes over from the commit
                message = consumed(record)
                call = functools.partial(self._handler, message)
                dead = await attempt(message, call, self.policy, self.group)
                if dead is not None:
                    await self._publish(dead)
                self._handled[tp] = record.offset + 1
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
