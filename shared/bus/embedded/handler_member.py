"""An embedded group member that feeds a handler: at-least-once, commit after each batch."""

from collections.abc import Sequence
from pathlib import Path

from shared.bus.batches import Step
from shared.bus.embedded import groups, log
from shared.bus.embedded.member import EmbeddedMember
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.policy import DeliveryPolicy


class HandlerMember(EmbeddedMember):
    """Runs its step on each batch, appends the dead letters, then commits the batch."""

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
        if handled.to_publish:
            await self._publish(handled.to_publish)
        positions = handled.next_offsets()
        self.positions.update(positions)
        lost = await self.db.write(lambda conn: groups.commit_offsets(conn, self.member, positions))
        self.forget_lost(lost)

    async def _publish(self, messages: Sequence[OutgoingMessage]) -> None:
        await self.db.write(lambda conn: log.append(conn, messages, log.now_ms()))
        self.signal.notify({message.topic for message in messages})
