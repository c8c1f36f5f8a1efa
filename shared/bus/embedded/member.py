"""The consume loop both embedded consumer kinds share: join, poll owned partitions, leave."""

import asyncio
import contextlib
import uuid
from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path

import structlog

from shared.bus.embedded import groups, log
from shared.bus.embedded.assignment import Member, plan
from shared.bus.embedded.database import Database
from shared.bus.errors import BusError
from shared.bus.interface import Consumer, TopicPartition
from shared.bus.messages import ConsumedMessage
from shared.bus.policy import DeliveryPolicy

logger = structlog.get_logger(__name__)


class EmbeddedMember(Consumer):
    """A group member on its own connection; subclasses handle and commit each batch."""

    def __init__(
        self,
        path: Path,
        group: str,
        topics: Sequence[str],
        policy: DeliveryPolicy,
        signal: log.AppendSignal,
        poll_interval_s: float,
        session_timeout_s: float,
    ) -> None:
        self.group = group
        self.policy = policy
        self.db = Database(path)
        self.signal = signal
        self.member = Member(
            group, f"{group}-{uuid.uuid4().hex}", frozenset(topics), int(session_timeout_s * 1000)
        )
        # The next offset to read (or, once handled, to commit) of every partition owned.
        self.positions: dict[TopicPartition, int] = {}
        self._poll_s = poll_interval_s
        self._stop = asyncio.Event()
        self._owning = asyncio.Event()
        self._rotation = 0
        self._appended = asyncio.Event()  # set by this process's appends to our topics

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
        self._appended.set()  # an idle loop would otherwise notice only after its poll interval

    async def run(self) -> None:
        heartbeat: asyncio.Task[None] | None = None
        clean = False
        try:
            self.signal.watch(self.member.topics, self._appended)
            await self.db.open()
            heartbeat = asyncio.create_task(self._heartbeat())
            while not self._stop.is_set():
                self._appended.clear()
                await self._rebalance()
                batch = await self._fetch()
                if batch:
                    await self.process(batch)
                elif not self._stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._appended.wait(), self._poll_s)
            clean = True
        except Exception:
            clean = True  # a storage failure is not a crash: keep what was handled
            raise
        finally:
            self.signal.forget(self._appended)
            if heartbeat is not None:
                heartbeat.cancel()
            if clean:
                await self._leave()
            else:
                # A crash looks like a killed process: no commit, no goodbye. The group
                # expires this member once its heartbeat is older than the session timeout.
                self._assign({})
                self.db.abandon()

    @abstractmethod
    async def process(self, batch: Sequence[ConsumedMessage]) -> None:
        """Handle one batch read from owned partitions and commit it."""

    def forget(self, lost: frozenset[TopicPartition]) -> None:
        """Stop reading partitions the group gave to another member while this one was away."""
        if lost:
            logger.warning("partitions lost", group=self.group, partitions=sorted(lost))
            self._assign({tp: pos for tp, pos in self.positions.items() if tp not in lost})

    async def _rebalance(self) -> None:
        """Re-read the group; write only when something changes, to spare the disk."""
        view = await self.db.read(lambda conn: groups.view(conn, self.group))
        ahead = plan(view, self.member, log.now_ms())
        if ahead.changes_nothing and ahead.owned == self.assignment:
            return
        handled = dict(self.positions)
        decided, committed = await self.db.write(
            lambda conn: groups.settle(conn, self.member, log.now_ms(), handled)
        )
        if decided.owned != self.assignment:
            logger.info("partitions assigned", group=self.group, partitions=sorted(decided.owned))
        self._assign({tp: self.positions.get(tp, offset) for tp, offset in committed.items()})

    async def _fetch(self) -> list[ConsumedMessage]:
        # Starting each read at the next partition keeps a busy one from starving the others.
        order = sorted(self.positions.items())
        self._rotation += 1
        turn = self._rotation % max(len(order), 1)
        order = order[turn:] + order[:turn]
        return await self.db.read(lambda conn: log.read(conn, order, self.policy.batch_size))

    def _assign(self, positions: dict[TopicPartition, int]) -> None:
        self.positions = positions
        if positions:
            self._owning.set()
        else:
            self._owning.clear()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.member.session_ms / 3000)
            try:
                await self.db.write(lambda conn: groups.beat(conn, self.member, log.now_ms()))
            except BusError as error:
                logger.warning("heartbeat failed", group=self.group, error=str(error))

    async def _leave(self) -> None:
        handled = dict(self.positions)
        self._assign({})
        try:
            await self.db.write(lambda conn: groups.leave(conn, self.member, handled))
        finally:
            await self.db.close()
