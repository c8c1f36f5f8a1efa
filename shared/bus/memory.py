"""MemoryBus: the Bus contract kept in one process's memory, for unit tests and bootstraps that
must touch neither a disk nor a broker. Proven by tests/conformance like KafkaBus and EmbeddedBus.

Several MemoryBus instances over one MemoryBroker behave like several processes on one cluster
(a restart, a second group member). What was published can be read back with
`MemoryBroker.published`, and `MemoryBroker.available = False` makes the broker unreachable.
"""

import asyncio
import contextlib
import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from shared.bus.batches import Step
from shared.bus.embedded.assignment import GroupView, Member, plan
from shared.bus.embedded.log import partition_for
from shared.bus.errors import BusError, UnknownTopicError
from shared.bus.interface import Bus, Consumer, TopicPartition
from shared.bus.messages import ConsumedMessage, OutgoingMessage
from shared.bus.owning import OwningMember
from shared.bus.policy import DLQ_SUFFIX, DeliveryPolicy
from shared.bus.topics import TopicSpec, with_dead_letter_topics

# In one process a member that stops is known at once (it leaves or is dropped on a crash),
# so no member ever expires for a missed heartbeat.
_NEVER_EXPIRES_MS = 2**62


@dataclass
class _Group:
    """One consumer group: who subscribes to what, who owns which partition, what is committed."""

    subscriptions: dict[str, frozenset[str]] = field(default_factory=dict)
    claims: dict[TopicPartition, str] = field(default_factory=dict)
    committed: dict[TopicPartition, int] = field(default_factory=dict)


class MemoryBroker:
    """What a cluster holds: declared topics, each partition's records, groups and offsets.

    Every method runs without awaiting, so each one is atomic within the event loop: that is
    how a transform's outputs and its input offsets commit together.
    """

    def __init__(self) -> None:
        self.available = True
        """False makes publish, ping and every consumer's reads fail with BusError."""
        self._partitions: dict[str, int] = {}
        self._records: dict[TopicPartition, list[ConsumedMessage]] = {}
        self._ends: dict[TopicPartition, int] = {}
        self._groups: dict[str, _Group] = {}
        self._history: list[ConsumedMessage] = []
        self._wakers: set[asyncio.Event] = set()

    @property
    def topics(self) -> Mapping[str, int]:
        """Every declared topic (dead-letter topics included) with its partition count."""
        return dict(self._partitions)

    def published(self, topic: str | None = None) -> list[ConsumedMessage]:
        """Every record published (to `topic`, or to any), in the order they were appended,
        with the partition and offset each got; records deleted since are included."""
        return [record for record in self._history if topic is None or record.topic == topic]

    def check_available(self) -> None:
        if not self.available:
            raise BusError("the in-memory broker is unavailable")

    def declare(self, specs: Sequence[TopicSpec]) -> None:
        """Declare topics not declared yet; existing ones keep their partition count."""
        for spec in specs:
            self._partitions.setdefault(spec.name, spec.partitions)

    def append(self, messages: Sequence[OutgoingMessage]) -> None:
        """Append `messages` at the end of their key's partitions, all or none."""
        self.check_available()
        placed = [(message, self._place(message)) for message in messages]
        stamp = time.time_ns() // 1_000_000
        for message, place in placed:
            offset = self._ends.get(place, 0)
            self._ends[place] = offset + 1
            record = ConsumedMessage(
                message.topic, place[1], offset, message.key, message.value, message.headers, stamp
            )
            self._records.setdefault(place, []).append(record)
            self._history.append(record)
        self.notify()

    def read(self, place: TopicPartition, start: int, limit: int) -> list[ConsumedMessage]:
        """Up to `limit` records of `place` from offset `start` on (or its earliest kept)."""
        self.check_available()
        kept = self._records.get(place, [])
        first = kept[0].offset if kept else 0
        begin = max(start - first, 0)
        return kept[begin : begin + limit]

    def delete_consumed(self, group: str, topic: str) -> dict[TopicPartition, int]:
        """Drop the records of `topic` below `group`'s committed offsets; the new starts."""
        committed = self._groups.get(group, _Group()).committed
        starts: dict[TopicPartition, int] = {}
        for place, next_offset in committed.items():
            if place[0] == topic and next_offset > 0:
                kept = self._records.get(place, [])
                self._records[place] = [record for record in kept if record.offset >= next_offset]
                starts[place] = next_offset
        return starts

    def settle(
        self, member: Member, handled: Mapping[TopicPartition, int]
    ) -> tuple[frozenset[TopicPartition], dict[TopicPartition, int]]:
        """Join `member` to its group and carry out its share of the assignment (the plan the
        embedded bus computes); returns what it owns and the committed offset of each.

        Handled offsets of released partitions are committed before their claims go, so the
        next owner starts exactly where this member stopped."""
        group = self._groups.setdefault(member.group, _Group())
        view = GroupView(
            subscriptions=dict(group.subscriptions),
            heartbeats=dict.fromkeys(group.subscriptions, 0),
            claims=dict(group.claims),
            partitions=dict(self._partitions),
        )
        decided = plan(view, member, 0)
        group.subscriptions[member.member_id] = member.topics
        for place in decided.release:
            if place in handled:
                group.committed[place] = handled[place]
            del group.claims[place]
        for place in decided.claim:
            group.claims[place] = member.member_id
        if not decided.changes_nothing:
            self.notify()  # others may now claim what was released or deal again
        return decided.owned, {place: group.committed.get(place, 0) for place in decided.owned}

    def commit(
        self,
        member: Member,
        next_offsets: Mapping[TopicPartition, int],
        outputs: Sequence[OutgoingMessage] = (),
    ) -> frozenset[TopicPartition]:
        """Append `outputs` and commit `next_offsets` together, or do neither if `member` no
        longer owns one of the partitions (it is fenced); returns the partitions it lost."""
        group = self._groups.setdefault(member.group, _Group())
        lost = frozenset(p for p in next_offsets if group.claims.get(p) != member.member_id)
        if not lost:
            if outputs:
                self.append(outputs)
            group.committed.update(next_offsets)
        return lost

    def leave(self, member: Member) -> None:
        """Remove `member` and its claims: the others take its partitions over at once."""
        group = self._groups.setdefault(member.group, _Group())
        group.subscriptions.pop(member.member_id, None)
        for place in [p for p, owner in group.claims.items() if owner == member.member_id]:
            del group.claims[place]
        self.notify()

    def watch(self, waker: asyncio.Event) -> None:
        self._wakers.add(waker)

    def forget(self, waker: asyncio.Event) -> None:
        self._wakers.discard(waker)

    def notify(self) -> None:
        """Wake every idle consumer: something was appended or the groups changed."""
        for waker in self._wakers:
            waker.set()

    def _place(self, message: OutgoingMessage) -> TopicPartition:
        count = self._partitions.get(message.topic)
        if count is None and message.topic.endswith(DLQ_SUFFIX):
            # A dead letter must not be lost because its origin was declared without a DLQ.
            origin = self._partitions.get(message.topic.removesuffix(DLQ_SUFFIX))
            if origin is not None:
                count = self._partitions[message.topic] = origin
        if count is None:
            raise UnknownTopicError(
                f"topic {message.topic!r} is not declared; declare it with ensure_topics"
            )
        return (message.topic, partition_for(message.key, count))


class MemoryBus(Bus):
    """A Bus over a MemoryBroker (a new one unless given): nothing survives the process."""

    def __init__(self, broker: MemoryBroker | None = None, *, poll_interval_s: float = 0.05):
        self.broker = broker if broker is not None else MemoryBroker()
        self._poll_interval_s = poll_interval_s
        self._started = False

    async def start(self) -> None:
        self._started = True

    async def close(self) -> None:
        self._started = False

    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        self.broker.declare(with_dead_letter_topics(list(specs), dlq_retention_ms=-1))

    async def publish(self, message: OutgoingMessage) -> None:
        self._check_started()
        self.broker.append([message])

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> None:
        self._check_started()
        self.broker.append(messages)

    async def ping(self) -> None:
        self._check_started()
        self.broker.check_available()

    async def delete_consumed(self, group: str, topic: str) -> dict[TopicPartition, int]:
        return self.broker.delete_consumed(group, topic)

    def handler_member(
        self, group: str, topics: Sequence[str], step: Step, policy: DeliveryPolicy
    ) -> Consumer:
        return _HandlerMember(self.broker, group, topics, policy, self._poll_interval_s, step)

    def transform_member(
        self, group: str, topics: Sequence[str], step: Step, policy: DeliveryPolicy
    ) -> Consumer:
        return _TransformMember(self.broker, group, topics, policy, self._poll_interval_s, step)

    def _check_started(self) -> None:
        if not self._started:
            raise BusError("the in-memory bus is not started")


_member_ids = itertools.count()


class _MemoryMember(OwningMember):
    """The consume loop both kinds share: join, read owned partitions, commit, leave."""

    def __init__(
        self,
        broker: MemoryBroker,
        group: str,
        topics: Sequence[str],
        policy: DeliveryPolicy,
        poll_interval_s: float,
    ) -> None:
        super().__init__(group)
        self.broker = broker
        self.policy = policy
        self.member = Member(
            group, f"{group}-{next(_member_ids)}", frozenset(topics), _NEVER_EXPIRES_MS
        )
        self._poll_s = poll_interval_s

    async def run(self) -> None:
        clean = False
        self.broker.watch(self._wake)
        try:
            while not self._stop.is_set():
                self._wake.clear()
                self._rebalance()
                batch = self._fetch()
                if batch:
                    await self.process(await self.lingered(batch, self._fetched, self.policy))
                elif not self._stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._poll_s)
            clean = True
        except Exception:
            clean = True  # a failure is not a crash: keep what was handled
            raise
        finally:
            self.broker.forget(self._wake)
            if clean:
                self.broker.commit(self.member, self.positions)
            # A crash looks like a killed process: nothing committed, its partitions freed.
            self._assign({})
            self.broker.leave(self.member)

    def _rebalance(self) -> None:
        owned, committed = self.broker.settle(self.member, self.positions)
        self._assign({tp: self.positions.get(tp, committed[tp]) for tp in owned})

    async def _fetched(self) -> list[ConsumedMessage]:
        return self._fetch()

    def _fetch(self) -> list[ConsumedMessage]:
        found: list[ConsumedMessage] = []
        for place, start in self._read_order():
            found.extend(self.broker.read(place, start, self.policy.batch_size - len(found)))
            if len(found) >= self.policy.batch_size:
                break
        return found


class _HandlerMember(_MemoryMember):
    """Runs its step on each batch, appends the dead letters, then commits the batch."""

    def __init__(
        self,
        broker: MemoryBroker,
        group: str,
        topics: Sequence[str],
        policy: DeliveryPolicy,
        poll_interval_s: float,
        step: Step,
    ) -> None:
        super().__init__(broker, group, topics, policy, poll_interval_s)
        self._step = step

    async def process(self, batch: Sequence[ConsumedMessage]) -> None:
        handled = await self._step(batch, lambda: self.stopping)
        if handled.to_publish:
            self.broker.append(handled.to_publish)
        positions = handled.next_offsets()
        self.positions.update(positions)
        self.forget_lost(self.broker.commit(self.member, positions))


class _TransformMember(_MemoryMember):
    """Consume-transform-produce: a batch's outputs are appended only with its input offsets."""

    def __init__(
        self,
        broker: MemoryBroker,
        group: str,
        topics: Sequence[str],
        policy: DeliveryPolicy,
        poll_interval_s: float,
        step: Step,
    ) -> None:
        super().__init__(broker, group, topics, policy, poll_interval_s)
        self._step = step

    async def process(self, batch: Sequence[ConsumedMessage]) -> None:
        handled = await self._step(batch, lambda: self.stopping)
        next_offsets = handled.next_offsets()
        lost = self.broker.commit(self.member, next_offsets, handled.to_publish)
        if lost:
            self.forget_lost(lost)  # positions stay put, so the partitions kept are read again
            return
        self.positions.update(next_offsets)
