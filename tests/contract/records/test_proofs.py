"""The Merkle log on SQLite and PostgreSQL: the same roots as an in-memory tree, signed checkpoints
that verify, and inclusion and consistency proofs that verify against them."""

from datetime import UTC, datetime, timedelta

import pytest

from services.records.adapters.event_store import SqlEventStore
from services.records.domain.checkpoints import CheckpointPolicy, StoredCheckpoint
from services.records.domain.errors import (
    CheckpointMismatchError,
    SizeOutOfRangeError,
    UnknownEventError,
)
from services.records.service_layer.checkpoints import CheckpointIssuer
from shared.merkle.checkpoint import open_checkpoint
from shared.merkle.hashing import leaf_hash
from shared.merkle.keys import NoteSigner
from shared.merkle.store import InMemoryNodeStore
from shared.merkle.tree import MerkleTree
from shared.merkle.verify import verify_consistency, verify_inclusion
from tests.contract.records.sample_events import ORIGIN, interleaved

BATCHES = [3, 1, 4, 1, 5, 9, 2, 6]  # 31 events in batches of uneven sizes


async def _append_in_batches(store: SqlEventStore, issuer: CheckpointIssuer) -> list[int]:
    """Appends 31 events, checkpointing after each batch; returns the checkpoint sizes."""
    events, start = interleaved(cases=4, per_case=8)[:31], 0
    for count in BATCHES:
        await store.append_batch(events[start : start + count])
        start += count
        await issuer.issue()
    return [checkpoint.size for checkpoint in await store.checkpoints()]


async def test_roots_match_an_in_memory_tree_over_the_same_leaves(store: SqlEventStore) -> None:
    events = interleaved(cases=3, per_case=7)
    for start in range(0, len(events), 5):
        await store.append_batch(events[start : start + 5])

    stored = await store.events()
    reference = MerkleTree(InMemoryNodeStore())
    reference.extend(event.leaf for event in stored)
    assert await store.size() == reference.size == 21
    for size in range(22):
        assert await store.root(size) == reference.root(size)
    assert await store.leaf_hashes() == {e.position: leaf_hash(e.leaf) for e in stored}


async def test_a_signed_checkpoint_verifies_with_the_public_key(
    store: SqlEventStore, issuer: CheckpointIssuer, signer: NoteSigner
) -> None:
    await store.append_batch(interleaved(cases=2, per_case=3))

    kept = await issuer.issue()

    checkpoint = open_checkpoint(kept.note, [signer.verifier], origin=ORIGIN)
    assert (checkpoint.size, checkpoint.root_hash) == (6, await store.root(6))
    assert (kept.size, kept.root_hash) == (6, checkpoint.root_hash)
    assert await store.latest_checkpoint() == kept == await store.checkpoint(6)
    assert await store.checkpoint(5) is None


async def test_a_checkpoint_on_demand_for_a_signed_size_is_the_one_kept(
    store: SqlEventStore, issuer: CheckpointIssuer
) -> None:
    await store.append_batch(interleaved(cases=1, per_case=2))
    first = await issuer.issue()
    assert await issuer.issue() == first
    assert await store.checkpoints() == [first]


async def test_a_checkpoint_without_the_logs_root_is_refused(
    store: SqlEventStore, signer: NoteSigner
) -> None:
    await store.append_batch(interleaved(cases=1, per_case=2))
    forged = StoredCheckpoint(2, bytes(32), "forged\n", datetime.now(UTC))

    with pytest.raises(CheckpointMismatchError):
        await store.add_checkpoint(forged)
    with pytest.raises(SizeOutOfRangeError):
        await store.add_checkpoint(StoredCheckpoint(3, bytes(32), "ahead\n", datetime.now(UTC)))
    assert await store.checkpoints() == []


async def test_every_events_inclusion_proof_verifies_against_every_checkpoint(
    store: SqlEventStore, issuer: CheckpointIssuer, signer: NoteSigner
) -> None:
    await _append_in_batches(store, issuer)
    events = await store.events()

    for kept in await store.checkpoints():
        checkpoint = open_checkpoint(kept.note, [signer.verifier], origin=ORIGIN)
        for event in events[: checkpoint.size]:
            proof = await store.inclusion_proof(event.event_id, checkpoint.size)
            assert (proof.index, proof.size) == (event.position, checkpoint.size)
            verify_inclusion(
                leaf_hash(event.leaf), proof.index, proof.size, proof.hashes, checkpoint.root_hash
            )


async def test_an_inclusion_proof_needs_a_stored_event_inside_the_tree(
    store: SqlEventStore,
) -> None:
    await store.append_batch(interleaved(cases=1, per_case=3))
    last = (await store.events())[-1]

    with pytest.raises(SizeOutOfRangeError):
        await store.inclusion_proof(last.event_id, 2)
    with pytest.raises(SizeOutOfRangeError):
        await store.inclusion_proof(last.event_id, 4)
    with pytest.raises(UnknownEventError):
        await store.inclusion_proof("01890000-0000-7000-8000-000000000000", 3)


async def test_consistency_proofs_between_any_two_checkpoints_verify(
    store: SqlEventStore, issuer: CheckpointIssuer, signer: NoteSigner
) -> None:
    sizes = await _append_in_batches(store, issuer)
    assert sizes == [3, 4, 8, 9, 14, 23, 25, 31]
    heads = [
        open_checkpoint(kept.note, [signer.verifier], origin=ORIGIN)
        for kept in await store.checkpoints()
    ]

    for old in heads:
        for new in heads[heads.index(old) :]:
            proof = await store.consistency_proof(old.size, new.size)
            verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof.hashes)
    with pytest.raises(SizeOutOfRangeError):
        await store.consistency_proof(9, 8)
    with pytest.raises(SizeOutOfRangeError):
        await store.consistency_proof(8, 32)


async def test_checkpoints_are_issued_every_n_events_or_t_seconds(
    store: SqlEventStore, signer: NoteSigner
) -> None:
    now = [datetime(2025, 4, 1, tzinfo=UTC)]
    issuer = CheckpointIssuer(
        store,
        signer,
        origin=ORIGIN,
        policy=CheckpointPolicy(every_events=5, every_seconds=60),
        clock=lambda: now[0],
    )
    events = interleaved(cases=2, per_case=6)

    issued: list[int | None] = []
    start = 0
    for seconds, count in [(0, 2), (10, 5), (20, 1), (80, 1), (90, 1)]:
        now[0] = datetime(2025, 4, 1, tzinfo=UTC) + timedelta(seconds=seconds)
        await store.append_batch(events[start : start + count])
        checkpoint = await issuer.issue_if_due()  # as the append handler asks after each batch
        start += count
        issued.append(checkpoint.size if checkpoint else None)

    # First events at once; then 5 new events; then 70 s after the last checkpoint.
    assert issued == [2, 7, None, 9, None]
    now[0] += timedelta(seconds=49)  # 59 s after the checkpoint at 9
    assert await issuer.issue_if_due() is None
    now[0] += timedelta(seconds=1)
    due = await issuer.issue_if_due()  # the timer's call, with no append
    assert due is not None
    assert due.size == 10
    assert await issuer.issue_if_due() is None  # nothing new since
