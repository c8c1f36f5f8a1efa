"""What a group member of the in-process buses (embedded, memory) keeps of the partitions it
owns: the next offset of each, whether it owns any yet, the stop request, and the order it
reads them in. The two buses differ in where partitions and offsets live, not in this."""

import asyncio
import contextlib
from abc import abstractmethod
from collections.abc import Awaitable, Callable, Sequence

import structlog

from shared.bus.interface import Consumer, TopicPartition
from shared.bus.messages import ConsumedMessage
from shared.bus.policy import DeliveryPolicy

logger = structlog.get_logger(__name__)


class OwningMember(Consumer):
    """A group member's own partitions; subclasses read, handle and commit each batch."""

    def __init__(self, group: str) -> None:
        self.group = group
        # The next offset to read (or, once handled, to commit) of every partition owned.
        self.positions: dict[TopicPartition, int] = {}
        self._stop = asyncio.Event()
        self._owning = asyncio.Event()
        # Set when there may be something new to read, and on a stop request, so an idle
        # loop does not notice either only after its poll interval.
        self._wake = asyncio.Event()
        self._rotation = 0

    @property
    def assignment(self) -> frozenset[TopicPartition]:
        return frozenset(self.positions)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def wait_assigned(self, timeout_s: float) -> frozenset[TopicPartition]:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._owning.wait(), timeout_s)
        return self.assignment

    def request_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def lingered(
        self,
        batch: list[ConsumedMessage],
        fetch: Callable[[], Awaitable[list[ConsumedMessage]]],
        policy: DeliveryPolicy,
    ) -> list[ConsumedMessage]:
        """`batch` or, once more has arrived within the policy's linger, a fuller read from the
        same positions (nothing was handled in between, so it starts with `batch`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + policy.batch_linger_ms / 1000
        while len(batch) < policy.batch_size and not self._stop.is_set():
            left = deadline - loop.time()
            if left <= 0:
                break
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), left)
            batch = await fetch()
        return batch

    @abstractmethod
    async def process(self, batch: Sequence[ConsumedMessage]) -> None:
        """Handle one batch read from owned partitions and commit it."""

    def forget_lost(self, lost: frozenset[TopicPartition]) -> None:
        """Stop reading partitions the group gave to another member while this one was away."""
        if lost:
            logger.warning("partitions lost", group=self.group, partitions=sorted(lost))
            self._assign({tp: pos for tp, pos in self.positions.items() if tp not in lost})

    def _read_order(self) -> list[tuple[TopicPartition, int]]:
        """Owned partitions with their next offsets, starting one further each time, so a busy
        partition cannot starve the others."""
        order = sorted(self.positions.items())
        self._rotation += 1
        turn = self._rotation % max(len(order), 1)
        return order[turn:] + order[:turn]

    def _assign(self, positions: dict[TopicPartition, int]) -> None:
        self.positions = positions
        if positions:
            self._owning.set()
        else:
            self._owning.clear()
