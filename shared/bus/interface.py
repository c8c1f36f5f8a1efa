"""The bus contract that KafkaBus and EmbeddedBus both fulfil (proven by tests/conformance)."""

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence

from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.policy import DeliveryPolicy
from shared.bus.topics import TopicSpec

Handler = Callable[[ConsumedMessage], Awaitable[None]]
"""Handles one message; must be idempotent, since delivery is at-least-once."""

Transform = Callable[[ConsumedMessage], Awaitable[Sequence[OutgoingMessage]]]
"""Turns one input message into the messages to publish, atomically with the input's commit."""

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

    @abstractmethod
    async def ping(self) -> None:
        """Raise BusError if the bus cannot serve requests (used by /readyz)."""

    @abstractmethod
    async def delete_consumed(self, group: str, topic: str) -> dict[TopicPartition, int]:
        """Delete every record of `topic` that `group` has committed past (Kafka DeleteRecords
        up to the committed offset of each partition); returns the new earliest offset of
        each partition it deleted from. For topics whose records must not outlive their
        consumption (raw ingress): what the group has not consumed is never touched."""

    @abstractmethod
    def subscribe(
        self,
        group: str,
        topics: Sequence[str],
        handler: Handler,
        policy: DeliveryPolicy | None = None,
    ) -> Consumer:
        """A consumer-group member that feeds `handler` (at-least-once, DLQ after retries)."""

    @abstractmethod
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
