"""An embedded group member whose outputs and input offsets commit in one SQLite transaction."""

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

from shared.bus.batches import Step
from shared.bus.embedded import groups, log
from shared.bus.embedded.assignment import Member
from shared.bus.embedded.member import EmbeddedMember
from shared.bus.interface import TopicPartition
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.policy import DeliveryPolicy


def commit_batch(
    conn: sqlite3.Connection,
    member: Member,
    outputs: Sequence[OutgoingMessage],
    next_offsets: Mapping[TopicPartition, int],
) -> frozenset[TopicPartition]:
    """Append `outputs` and commit `next_offsets`, or write nothing if `member` lost a partition.

    Writing nothing fences a member the group expired: the new owner redoes the batch.
    """
    lost = groups.not_owned(conn, member, next_offsets)
    if not lost:
        log.append(conn, outputs, log.now_ms())
        groups.store_offsets(conn, member.group, next_offsets)
    return lost


class TransformMember(EmbeddedMember):
    """Consume-transform-produce: a batch's outputs stay in memory until its one transaction."""

    def __init__(
        self,
        path: Path,
        group: str,
        topics: Sequence[str],
        policy: DeliveryPolicy,
        signal: log.AppendSignal,
        poll_interval_s: float,
        session_timeout_s: float,
        step: Step,
    ) -> None:
        super().__init__(path, group, topics, policy, signal, poll_interval_s, session_timeout_s)
        self._step = step

    async def process(self, batch: Sequence[ConsumedMessage]) -> None:
        handled = await self._step(batch, lambda: self.stopping)
        outputs, next_offsets = handled.to_publish, handled.next_offsets()
        lost = await self.db.write(
            lambda conn: commit_batch(conn, self.member, outputs, next_offsets)
        )
        if lost:
            self.forget_lost(lost)  # positions stay put, so the partitions kept are read again
            return
        self.positions.update(next_offsets)
        if outputs:
            self.signal.notify({output.topic for output in outputs})
