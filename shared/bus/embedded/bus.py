"""EmbeddedBus: partitions, consumer groups, committed offsets and DLQs in one SQLite file."""

import asyncio
from collections.abc import Sequence
from pathlib import Path

from shared.bus.batches import Step
from shared.bus.embedded import log
from shared.bus.embedded.appender import GroupAppender
from shared.bus.embedded.database import Database
from shared.bus.embedded.handler_member import HandlerMember
from shared.bus.embedded.schema import create_schema
from shared.bus.embedded.transform_member import TransformMember
from shared.bus.interface import Bus, Consumer, TopicPartition
from shared.bus.messages import OutgoingMessage
from shared.bus.policy import DeliveryPolicy
from shared.bus.topics import TopicSpec, with_dead_letter_topics


class EmbeddedBus(Bus):
    """A durable log for development and single-host deployments.

    Several instances, in one process or many, may open the same file: that is how a
    restart or a second group member looks. Each consumer gets its own connection.
    """

    def __init__(
        self, path: Path, *, poll_interval_s: float = 0.05, session_timeout_s: float = 3.0
    ) -> None:
        self._path = path
        self._poll_interval_s = poll_interval_s
        self._session_timeout_s = session_timeout_s
        self._db = Database(path)
        self._signal = log.AppendSignal()
        self._appender = GroupAppender(self._db, self._signal)

    async def start(self) -> None:
        if not self._db.is_open:
            await self._db.open()
            await self._db.write(create_schema)

    async def close(self) -> None:
        await self._appender.drain()
        await self._db.close()

    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        declared = with_dead_letter_topics(list(specs), dlq_retention_ms=-1)
        await self._db.write(lambda conn: log.declare_topics(conn, declared))

    async def publish(self, message: OutgoingMessage) -> None:
        await self._appender.append(message)

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> None:
        # Queued in their order before the appender's next transaction: one commit for all.
        await asyncio.gather(*(self._appender.append(message) for message in messages))

    async def ping(self) -> None:
        await self._db.read(lambda conn: conn.execute("SELECT 1").fetchone())

    async def delete_consumed(self, group: str, topic: str) -> dict[TopicPartition, int]:
        starts = await self._db.write(lambda conn: log.delete_consumed(conn, group, topic))
        # Deleted pages are zeroed (secure_delete); the WAL still holds the old frames until
        # a checkpoint copies the zeroed pages back and truncates it.
        await self._db.checkpoint()
        return starts

    def handler_member(
        self, group: str, topics: Sequence[str], step: Step, policy: DeliveryPolicy
    ) -> Consumer:
        return HandlerMember(
            self._path,
            group,
            topics,
            policy,
            self._signal,
            self._poll_interval_s,
            self._session_timeout_s,
            step,
        )

    def transform_member(
        self, group: str, topics: Sequence[str], step: Step, policy: DeliveryPolicy
    ) -> Consumer:
        return TransformMember(
            self._path,
            group,
            topics,
            policy,
            self._signal,
            self._poll_interval_s,
            self._session_timeout_s,
            step,
        )
