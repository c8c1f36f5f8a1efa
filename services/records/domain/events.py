"""Events as the records log receives and keeps them: their origin on the bus, their rows, the
per-case hash chain that links them (`shared.bundle.case_chain`, which a bundle's verifier
shares), and how a batch joins the log (idempotency by event id, dense positions); pure, no I/O.

The chain: `prev_hash` is the RFC 9162 leaf hash of the previous event of the case (32 zero
bytes for the first), the value the Merkle tree holds, so one hash function serves chain and
proofs. `chain_hash` = SHA-256(0x02 || previous chain_hash || own leaf hash), so the newest
event's chain hash commits to the whole case. The 0x02 prefix keeps it apart from RFC 9162's
0x00/0x01.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from services.records.domain.errors import EventConflictError, InvalidEventError
from shared.bundle.case_chain import ChainLink, link_mismatch, next_link
from shared.envelope import Envelope, encode_envelope


@dataclass(frozen=True, slots=True)
class Origin:
    """Where on the bus an event was read: kept so any stored event can be traced to a message."""

    topic: str
    partition: int
    offset: int

    def __post_init__(self) -> None:
        if not self.topic or len(self.topic) > 249:
            raise InvalidEventError("an origin topic has 1 to 249 characters")
        if self.partition < 0 or self.offset < 0:
            raise InvalidEventError(f"origin {self.topic}: partition and offset cannot be negative")


@dataclass(frozen=True)
class ReceivedEvent:
    """An envelope to append; `origin` is None for events the records service writes itself."""

    envelope: Envelope
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One row of the log (slots: replays and audits build one per row, and build them faster).

    `leaf` holds the exact bytes that were hashed: the canonical envelope (`encode_envelope`),
    which is the RFC 9162 leaf at index `position`. The other columns repeat fields of the
    envelope so they can be queried; `verify_store` checks that they agree with `leaf`.
    """

    position: int
    event_id: str
    case_id: str
    case_position: int
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    stored_at: datetime
    origin: Origin | None
    leaf: bytes
    prev_hash: bytes
    chain_hash: bytes


class LeafRow(NamedTuple):
    """What an audit checks of one position, as one read returns it: the row's columns that
    repeat the envelope or carry its chain, its bytes, and `committed`, the leaf hash the
    Merkle tree holds there (None if it holds none). A plain tuple: an audit reads millions."""

    position: int
    event_id: str
    case_id: str
    case_position: int
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    leaf: bytes
    prev_hash: bytes
    chain_hash: bytes
    committed: bytes | None

    @classmethod
    def of(cls, event: StoredEvent, committed: bytes | None) -> "LeafRow":
        return cls(
            event.position,
            event.event_id,
            event.case_id,
            event.case_position,
            event.event_type,
            event.occurred_at,
            event.recorded_at,
            event.leaf,
            event.prev_hash,
            event.chain_hash,
            committed,
        )


@dataclass(frozen=True, slots=True)
class Appended:
    """Where an appended event is; `is_new` is False when it had been stored before."""

    event_id: str
    position: int
    case_position: int
    is_new: bool


@dataclass(frozen=True)
class ChainBreak:
    """The first event of a case whose chain fields disagree with the events before it."""

    event_id: str
    position: int
    reason: str


def verify_chain(events: Iterable[StoredEvent]) -> ChainBreak | None:
    """Recomputes one case's chain from the stored bytes; None if every event links up.

    Events are taken in the order of their stored case positions, whatever order they come in.
    """
    previous: ChainLink | None = None
    case_id: str | None = None
    for event in sorted(events, key=lambda e: e.case_position):
        case_id = case_id or event.case_id
        expected = next_link(previous, event.leaf)
        reason = _mismatch(event, expected, case_id)
        if reason:
            return ChainBreak(event.event_id, event.position, reason)
        previous = expected
    return None


def _mismatch(event: StoredEvent, expected: ChainLink, case_id: str) -> str:
    if event.case_id != case_id:
        return f"belongs to case {event.case_id}, not {case_id}"
    return link_mismatch(expected, event.case_position, event.prev_hash, event.chain_hash)


MAX_BATCH_EVENTS = 1000
"""Keeps every statement of an append under the drivers' bound-parameter limits."""


@dataclass(frozen=True)
class BatchPlan:
    """What appending a batch means: one result per event given, the rows to insert and, for the
    Merkle tree, their leaf hashes (the chain computed them already)."""

    appended: tuple[Appended, ...]
    new_events: tuple[StoredEvent, ...]
    leaf_hashes: tuple[bytes, ...]


def plan_batch(
    events: Sequence[ReceivedEvent],
    *,
    known: Mapping[str, StoredEvent],
    heads: Mapping[str, ChainLink],
    size: int,
    stored_at: datetime,
) -> BatchPlan:
    """Plans the append of `events` to a log of `size` events.

    `known` holds the stored events whose ids occur in the batch, `heads` the last link of
    each case of the batch. An event already stored (or earlier in the batch) keeps its
    position; one stored with other bytes refuses the whole batch.
    """
    if len(events) > MAX_BATCH_EVENTS:
        raise InvalidEventError(f"a batch holds at most {MAX_BATCH_EVENTS} events")
    seen, links = dict(known), dict(heads)
    appended: list[Appended] = []
    new_events: list[StoredEvent] = []
    leaf_hashes: list[bytes] = []
    for received in events:
        envelope = received.envelope
        event_id, leaf = str(envelope.event_id), encode_envelope(envelope)
        stored = seen.get(event_id)
        if stored is not None:
            if stored.leaf != leaf:
                raise EventConflictError(f"event {event_id} is already stored with other content")
            appended.append(Appended(event_id, stored.position, stored.case_position, False))
            continue
        link = next_link(links.get(envelope.case_id), leaf)
        event = StoredEvent(
            position=size + len(new_events),
            event_id=event_id,
            case_id=envelope.case_id,
            case_position=link.case_position,
            event_type=envelope.type,
            occurred_at=envelope.occurred_at,
            recorded_at=envelope.recorded_at,
            stored_at=stored_at,
            origin=received.origin,
            leaf=leaf,
            prev_hash=link.prev_hash,
            chain_hash=link.chain_hash,
        )
        seen[event_id], links[envelope.case_id] = event, link
        new_events.append(event)
        leaf_hashes.append(link.leaf_hash)
        appended.append(Appended(event_id, event.position, event.case_position, True))
    return BatchPlan(tuple(appended), tuple(new_events), tuple(leaf_hashes))
