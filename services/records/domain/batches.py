"""How a batch joins the log: idempotency by event id, dense positions, chain links; no I/O."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.records.domain.chain import ChainLink, next_link
from services.records.domain.errors import EventConflictError, InvalidEventError
from services.records.domain.events import Appended, ReceivedEvent, StoredEvent
from shared.envelope import encode_envelope

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
