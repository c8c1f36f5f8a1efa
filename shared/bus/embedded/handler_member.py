"""An embedded group member that feeds a handler: at-least-once, commit after each batch."""

import functools
from collections.abc import Sequence
from pathlib import Path

from shared.bus.delivery import attempt
from shared.bus.embedded import groups, log
from shared.bus.embedded.member import EmbeddedMember
from shared.bus.interface import Handler, TopicPartition
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.policy import DeliveryPolicy


class HandlerMember(EmbeddedMember):
    """Handles messages one by one; dead-letters after bounded retries; commits per batch."""

    def __init__(
        self,
        path: Path,
        group: str,
        topics: Sequence[str],
        policy: DeliveryPolicy,
        signal: log.AppendSignal,
        poll_interval_s: float,
        session_timeout_s: float,
        handler: Handler,
    ) -> None:
        super().__init__(path, group, topics, policy, signal, poll_interval_s, session_timeout_s)
        self._handler = handler

    async def process(self, batch: Sequence[ConsumedMessage]) -> None:
        touched: set[TopicPartition] = set()
        for message in batch:
            call = functools.partial(self._handler, message)
            dead = await attempt(message, call, self.policy, self.group)
            if dead is not None:
                await self._publish(dead)
            tp = (message.topic, message.partition)
            self.positions[tp] = message.offset + 1
            touched.add(tp)
            if self.stopping:
                break  # finish the current message only; the rest is read again later
        handled = {tp: self.positions[tp] for tp in touched}
        lost = await self.db.write(lambda conn: groups.commit_offsets(conn, self.member, handled))
        self.forget_lost(lost)

    async def _publish(self, message: OutgoingMessage) -> None:
        await self.db.write(lambda conn: log.append(conn, [message], log.now_ms()))
        self.signal.notify([message.topic])
