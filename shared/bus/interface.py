"""The bus contract that KafkaBus and EmbeddedBus both fulfil (proven by tests/conformance)."""

from abc import ABC, abstractmethod
from collections.abc import Sequence

from shared.bus.batches import (
    BatchHandler,
    BatchTransform,
    Handler,
    Step,
    Transform,
    handling_batches,
    handling_each,
    transforming_batches,
    transforming_each,
)
from shared.bus.messages import OutgoingMessage
from shared.bus.policy import DeliveryPolicy
from shared.bus.topics import TopicSpec

TopicPartition = tuple[str, int]


class Consumer(ABC):
    """One member of a consumer group.

    `run()` consumes until `request_stop()` is called, committing each batch only after
    its handler succeeded (or the message was dead-lettered), and commits revoked
    partitions on rebalance. If the handler raises a BaseException that is not an
    Exception (a crash), `run()` closes the consumer without committing the batch in
    flight, exactly as a killed process would.
    """

    @abstractmethod
    async def run(self) -> None:
        """Consume until stopped; returns after a clean close."""

    @abstractmethod
    def request_stop(self) -> None:
        """Ask `run()` to finish its batch, commit and return. Safe from signal handlers."""

    @property
    @abstractmethod
    def assignment(self) -> frozenset[TopicPartition]:
        """The partitions this member currently owns."""

    @abstractmethod
    async def wait_assigned(self, timeout_s: float) -> frozenset[TopicPartition]:
        """Wait until the group has given this member partitions (or the timeout passed)."""


class Bus(ABC):
    """Topics split into partitions by key, consumer groups, committed offsets and DLQs."""

    @abstractmethod
    async def start(self) -> None:
        """Connect; publishing is possible afterwards."""

    @abstractmethod
    async def close(self) -> None:
        """Flush what was published and release connections."""

    @abstractmethod
    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        """Create declared topics (and their dead-letter topics) that do not exist yet."""

    @abstractmethod
    async def publish(self, message: OutgoingMessage) -> None:
        """Publish one message; returns once it is durably acknowledged."""

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> None:
        """Publish `messages` in their order (each key's order holds); returns once all are
        durably acknowledged. Implementations keep them in flight together."""
        for message in messages:
            await self.publish(message)

    @abstractmethod
    async def ping(self) -> None:
        """Raise BusError if the bus cannot serve requests (used by /readyz)."""

    @abstractmethod
    async def delete_consumed(self, group: str, topic: str) -> dict[TopicPartition, int]:
        """Delete every record of `topic` that `group` has committed past (Kafka DeleteRecords
        up to the committed offset of each partition); returns the new earliest offset of
        each partition it deleted from. For topics whose records must not outlive their
        consumption (raw ingress): what the group has not consumed is never touched."""

    def subscribe(
        self,
        group: str,
        topics: Sequence[str],
        handler: Handler,
        policy: DeliveryPolicy | None = None,
    ) -> Consumer:
        """A consumer-group member that feeds `handler` (at-least-once, DLQ after retries)."""
        chosen = policy or DeliveryPolicy()
        return self.handler_member(group, topics, handling_each(handler, chosen, group), chosen)

    def subscribe_batch(
        self,
        group: str,
        topics: Sequence[str],
        handler: BatchHandler,
        policy: DeliveryPolicy | None = None,
    ) -> Consumer:
        """A member that feeds `handler` whole batches (see shared.bus.batches): up to
        `policy.batch_size` messages, or what arrived within `policy.batch_linger_ms`."""
        chosen = policy or DeliveryPolicy()
        return self.handler_member(group, topics, handling_batches(handler, chosen, group), chosen)

    def transform(
        self,
        group: str,
        topics: Sequence[str],
        transform: Transform,
        policy: DeliveryPolicy | None = None,
    ) -> Consumer:
        """A member whose outputs and input offsets are committed in one transaction.

        A batch that fails is aborted as a whole: its outputs are never visible to a
        read-committed reader and its input is delivered again.
        """
        chosen = policy or DeliveryPolicy()
        step = transforming_each(transform, chosen, group)
        return self.transform_member(group, topics, step, chosen)

    def transform_batch(
        self,
        group: str,
        topics: Sequence[str],
        transform: BatchTransform,
        policy: DeliveryPolicy | None = None,
    ) -> Consumer:
        """`transform` for whole batches: one call per batch, whose outputs and input
        offsets commit in one transaction."""
        chosen = policy or DeliveryPolicy()
        step = transforming_batches(transform, chosen, group)
        return self.transform_member(group, topics, step, chosen)

    @abstractmethod
    def handler_member(
        self, group: str, topics: Sequence[str], step: Step, policy: DeliveryPolicy
    ) -> Consumer:
        """For implementations: a member that runs `step` on each batch, publishes what it
        returns (dead letters) and then commits the offsets of what it handled."""

    @abstractmethod
    def transform_member(
        self, group: str, topics: Sequence[str], step: Step, policy: DeliveryPolicy
    ) -> Consumer:
        """For implementations: a member that runs `step` on each batch and commits what it
        returns (outputs, dead letters) with the offsets of what it handled, atomically."""
