"""Who should own which partition: the deterministic plan every group member computes alike."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.bus.interface import TopicPartition


@dataclass(frozen=True, slots=True)
class Member:
    """Who a consumer is in its group, and how long the group waits for its heartbeat."""

    group: str
    member_id: str
    topics: frozenset[str]
    session_ms: int


@dataclass(frozen=True, slots=True)
class GroupView:
    """A snapshot of one group: live and stale members, claims, and the partition counts."""

    subscriptions: Mapping[str, frozenset[str]]
    heartbeats: Mapping[str, int]
    claims: Mapping[TopicPartition, str]
    partitions: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Plan:
    """What one member must change so the group converges on the assignment."""

    joining: bool
    expired: frozenset[str] = field(default_factory=frozenset)
    release: frozenset[TopicPartition] = field(default_factory=frozenset)
    claim: frozenset[TopicPartition] = field(default_factory=frozenset)
    owned: frozenset[TopicPartition] = field(default_factory=frozenset)

    @property
    def changes_nothing(self) -> bool:
        return not (self.joining or self.expired or self.release or self.claim)


def round_robin(
    subscriptions: Mapping[str, frozenset[str]], partitions: Mapping[str, int]
) -> dict[str, frozenset[TopicPartition]]:
    """Kafka's round-robin assignor: sorted partitions dealt to sorted subscribed members."""
    members = sorted(subscriptions)
    dealt: dict[str, set[TopicPartition]] = {member: set() for member in members}
    cursor = 0
    for topic, partition in sorted((t, p) for t, n in partitions.items() for p in range(n)):
        for step in range(len(members)):
            member = members[(cursor + step) % len(members)]
            if topic in subscriptions[member]:
                dealt[member].add((topic, partition))
                cursor = (cursor + step + 1) % len(members)
                break
    return {member: frozenset(tps) for member, tps in dealt.items()}


def plan(view: GroupView, member: Member, now_ms: int) -> Plan:
    """What `member` (`me`) does: drop expired members, release what moved away, claim free ones.

    A partition the target gives `me` but another live member still claims is not taken:
    that member releases it (after committing) on its next poll, and `me` claims it then.
    """
    me = member.member_id
    expired = frozenset(
        other
        for other, beat in view.heartbeats.items()
        if other != me and beat < now_ms - member.session_ms
    )
    live = {m: subs for m, subs in view.subscriptions.items() if m not in expired}
    live[me] = member.topics
    target = round_robin(live, view.partitions)[me]
    claims = {tp: owner for tp, owner in view.claims.items() if owner not in expired}
    mine = frozenset(tp for tp, owner in claims.items() if owner == me)
    claim = frozenset(tp for tp in target if tp not in claims)
    return Plan(
        joining=me not in view.subscriptions,
        expired=expired,
        release=mine - target,
        claim=claim,
        owned=(mine & target) | claim,
    )
