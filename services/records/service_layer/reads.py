"""Records' queries: a case's events and read model, checkpoints and proofs.

Read-side functions rather than handlers in the table: they change nothing and need no unit
of work (the log is append-only, so what one statement read stays true), and each answers its
own type, which a route uses as it is. Everything is rebuilt from the log on each read:
nothing to migrate, nothing to drift. A read that reveals personal data is not here: it
records an access, so it is a command (`ReplayTimeline`, `ExportBundle`).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from services.records.domain.case_view import CaseView, project_case
from services.records.domain.checkpoints import (
    ConsistencyProof,
    InclusionProof,
    LogIdentity,
    StoredCheckpoint,
)
from services.records.domain.errors import (
    CaseNotFoundError,
    CheckpointNotFoundError,
    NotAnErasureError,
)
from services.records.domain.events import StoredEvent
from services.records.domain.timeline import CaseEvent, Window, select_stored
from services.records.domain.vocabulary import SUBJECT_ERASED
from services.records.service_layer.ports import EventStore, PersonalFields
from shared.bundle.log_binding import LogBinding, ProvedLeaf
from shared.merkle import encoding


async def case_events(
    store: EventStore, case_id: str, window: Window | None = None
) -> list[CaseEvent]:
    """The case's events `window` admits, as they happened; CaseNotFoundError if the log
    holds none of the case at all (an empty list if none at the times asked for)."""
    events, _admitted = await latest_case_events(store, case_id, window or Window(), None)
    return events


async def latest_case_events(
    store: EventStore, case_id: str, window: Window, latest: int | None
) -> tuple[list[CaseEvent], int]:
    """The last `latest` (None: all) of the case's events `window` admits, as they happened,
    and how many it admits; only those returned are decoded. CaseNotFoundError as above."""
    admitted = select_stored(await _stored_case(store, case_id), window)
    kept = admitted if latest is None else admitted[-latest:]
    return [CaseEvent.of(event) for event in kept], len(admitted)


async def case_view(
    store: EventStore, personal: PersonalFields, case_id: str, window: Window
) -> tuple[CaseView, bool]:
    """The read model at `window`, and whether the case's key has been destroyed (now)."""
    facts = await store.case_facts(case_id, window)
    if not facts:
        await _stored_case(store, case_id)  # CaseNotFoundError if the log has none of it
    return project_case(case_id, facts), await personal.key_destroyed(case_id)


async def _stored_case(store: EventStore, case_id: str) -> list[StoredEvent]:
    stored = await store.case_events(case_id)
    if not stored:
        raise CaseNotFoundError(case_id)
    return stored


async def latest_checkpoint(store: EventStore) -> StoredCheckpoint:
    found = await store.latest_checkpoint()
    if found is None:
        raise CheckpointNotFoundError("no checkpoint has been issued yet")
    return found


async def checkpoint_at(store: EventStore, size: int) -> StoredCheckpoint:
    found = await store.checkpoint(size)
    if found is None:
        raise CheckpointNotFoundError("no checkpoint was issued at this size")
    return found


@dataclass(frozen=True, slots=True)
class ProvenInclusion:
    proof: InclusionProof
    checkpoint: StoredCheckpoint | None


async def inclusion(store: EventStore, event_id: str, size: int | None) -> ProvenInclusion:
    """The event's audit path in the tree of `size` events (default: the latest checkpoint's),
    with the checkpoint of that size if one was issued."""
    if size is None:
        latest = await store.latest_checkpoint()
        if latest is None:
            raise CheckpointNotFoundError("no checkpoint has been issued yet; give a size")
        size = latest.size
    proof = await store.inclusion_proof(event_id, size)
    return ProvenInclusion(proof, await store.checkpoint(size))


@dataclass(frozen=True, slots=True)
class ProvenConsistency:
    proof: ConsistencyProof
    old_checkpoint: StoredCheckpoint | None
    new_checkpoint: StoredCheckpoint | None


async def consistency(store: EventStore, old_size: int, new_size: int) -> ProvenConsistency:
    """The proof that the tree of `new_size` events extends the tree of `old_size`, with the
    checkpoints of both sizes where they were issued."""
    proof = await store.consistency_proof(old_size, new_size)
    return ProvenConsistency(
        proof, await store.checkpoint(old_size), await store.checkpoint(new_size)
    )


async def erasure_binding(
    store: EventStore, identity: LogIdentity, event_ids: Sequence[str]
) -> LogBinding:
    """Privacy's `subject.erased` events bound to the latest checkpoint (with the witnesses'
    cosignatures): each event's bytes, leaf hash and audit path. Only that type: its bytes
    carry ids and times, never personal data, so any authenticated caller may have them.
    CheckpointNotFoundError while no checkpoint includes every one of them yet."""
    latest = await store.latest_checkpoint()
    if latest is None:
        raise CheckpointNotFoundError("no checkpoint has been issued yet", field="event_id")
    leaves = []
    for event_id in dict.fromkeys(event_ids):
        stored = await store.event(event_id)  # UnknownEventError if records has not logged it
        if stored.event_type != SUBJECT_ERASED:
            raise NotAnErasureError()
        if stored.position >= latest.size:
            raise CheckpointNotFoundError(
                f"no checkpoint includes event {event_id} yet: ask again shortly",
                field="event_id",
            )
        proof = await store.inclusion_proof(event_id, latest.size)
        leaves.append(
            ProvedLeaf(
                event_id=event_id,
                leaf_index=proof.index,
                leaf=encoding.encode(stored.leaf),
                leaf_hash=encoding.encode(proof.leaf_hash),
                inclusion_proof=[encoding.encode(digest) for digest in proof.hashes],
            )
        )
    return LogBinding(
        origin=identity.origin,
        verifier_key=identity.verifier_key,
        checkpoint=latest.note,
        tree_size=latest.size,
        leaves=leaves,
    )
