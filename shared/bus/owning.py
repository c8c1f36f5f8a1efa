"""What a group member of the in-process buses (embedded, memory) keeps of the partitions it
owns: the next offset of each, whether it owns any yet, the stop request, and the order it
reads them in. The two buses differ in where partitions and offsets live, not in this."""

import asyncio
import contextlib
from abc import abstractmethod
from collections.abc import Sequence

import structlog

from shared.bus.interface import Consumer, TopicPartition
from shared.bus.messages import ConsumedMessage

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
