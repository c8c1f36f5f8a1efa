"""The consume loop both embedded consumer kinds share: join, poll owned partitions, leave."""

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from pathlib import Path

import structlog

from shared.bus.embedded import groups, log
from shared.bus.embedded.assignment import Member, plan
from shared.bus.embedded.database import Database
from shared.bus.errors import BusError
from shared.bus.messages import ConsumedMessage
from shared.bus.owning import OwningMember
from shared.bus.policy import DeliveryPolicy

logger = structlog.get_logger(__name__)


class EmbeddedMember(OwningMember):
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
        super().__init__(group)
        self.policy = policy
        self.db = Database(path)
        self.signal = signal
        self.member = Member(
            group, f"{group}-{uuid.uuid4().hex}", frozenset(topics), int(session_timeout_s * 1000)
        )
        self._poll_s = poll_interval_s

    async def run(self) -> None:
        heartbeat: asyncio.Task[None] | None = None
        clean = False
        try:
            self.signal.watch(self.member.topics, self._wake)
            await self.db.open()
            heartbeat = asyncio.create_task(self._heartbeat())
            while not self._stop.is_set():
                self._wake.clear()
                await self._rebalance()
                batch = await self._fetch()
                if batch:
                    await self.process(await self.lingered(batch, self._fetch, self.policy))
                elif not self._stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._poll_s)
            clean = True
        except Exception:
            clean = True  # a storage failure is not a crash: keep what was handled
            raise
        finally:
            self.signal.forget(self._wake)
            if heartbeat is not None:
                heartbeat.cancel()
            if clean:
                await self._leave()
            else:
                # A crash looks like a killed process: no commit, no goodbye. The group
                # expires this member once its heartbeat is older than the session timeout.
                self._assign({})
                self.db.abandon()

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
        order = self._read_order()
        return await self.db.read(lambda conn: log.read(conn, order, self.policy.batch_size))

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
