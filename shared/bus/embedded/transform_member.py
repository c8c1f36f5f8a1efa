"""An embedded group member whose outputs and input offsets commit in one SQLite transaction."""

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

from shared.bus.delivery import attempt_transform
from shared.bus.embedded import groups, log
from shared.bus.embedded.assignment import Member
from shared.bus.embedded.member import EmbeddedMember
from shared.bus.interface import TopicPartition, Transform
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
        transform: Transform,
    ) -> None:
        super().__init__(path, group, topics, policy, signal, poll_interval_s, session_timeout_s)
        self._transform = transform

    async def process(self, batch: Sequence[ConsumedMessage]) -> None:
        outputs: list[OutgoingMessage] = []
        next_offsets: dict[TopicPartition, int] = {}
        for message in batch:
            outputs.extend(await self._outputs(message))
            next_offsets[(message.topic, message.partition)] = message.offset + 1
            if self.stopping:
                break  # commit what was transformed; the rest is read again later
        lost = await self.db.write(
            lambda conn: commit_batch(conn, self.member, outputs, next_offsets)
        )
        if lost:
            self.forget_lost(lost)  # positions stay put, so the partitions kept are read again
            return
        self.positions.update(next_offsets)
        if outputs:
            self.signal.notify({output.topic for output in outputs})

    async def _outputs(self, message: ConsumedMessage) -> Sequence[OutgoingMessage]:
        return await attempt_transform(message, self._transform, self.policy, self.group)
