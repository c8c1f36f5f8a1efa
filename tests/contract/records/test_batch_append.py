"""The store's batch append (`append_batch`, what records' bus consumer hands a batch of messages
to), on every backend: one result per event, duplicates inside a batch stored once, chains
that continue across batches, a refused event that takes the whole batch back with it (also
when the batch is larger than one chunk of statements), and proofs of what was appended."""

import pytest

from services.records.adapters.event_store import SqlEventStore
from services.records.domain.errors import EventConflictError
from services.records.domain.events import MAX_BATCH_EVENTS, verify_chain
from services.records.service_layer.audit import audit_store
from services.records.service_layer.checkpoints import CheckpointIssuer
from shared.merkle.keys import NoteSigner
from shared.merkle.store import InMemoryNodeStore
from shared.merkle.tree import MerkleTree
from tests.contract.records.sample_events import ORIGIN, envelope, interleaved, received


async def test_an_event_twice_in_one_batch_is_stored_once(store: SqlEventStore) -> None:
    first, second = received(envelope("case-a", 0)), received(envelope("case-a", 1))

    appended = await store.append_batch([first, second, first])

    assert [(a.position, a.case_position, a.is_new) for a in appended] == [
        (0, 0, True),
        (1, 1, True),
        (0, 0, False),
    ]
    assert await store.size() == 2


async def test_a_duplicate_across_chunks_of_a_large_batch_is_stored_once(
    store: SqlEventStore,
) -> None:
    events = interleaved(cases=3, per_case=MAX_BATCH_EVENTS // 3 + 1)
    repeated = events[0]

    appended = await store.append_batch([*events, repeated])

    assert len(events) > MAX_BATCH_EVENTS
    assert (appended[-1].position, appended[-1].is_new) == (0, False)
    assert await store.size() == len(events)


async def test_chains_continue_across_batches(
    store: SqlEventStore, issuer: CheckpointIssuer, signer: NoteSigner
) -> None:
    events = interleaved(cases=3, per_case=6)
    for start in range(0, len(events), 4):
        await store.append_batch(events[start : start + 4])
        await issuer.issue()

    for case in ("case-0", "case-1", "case-2"):
        stored = await store.case_events(case)
        assert [event.case_position for event in stored] == list(range(6))
        assert verify_chain(stored) is None
    report = await audit_store(store, [signer.verifier], origin=ORIGIN)
    assert report.ok, [str(problem) for problem in report.problems]


@pytest.mark.parametrize("conflict_at", [1, MAX_BATCH_EVENTS + 5], ids=["small", "two chunks"])
async def test_a_refused_event_rolls_the_whole_batch_back(
    store: SqlEventStore, conflict_at: int
) -> None:
    stored = received(envelope("case-z", 0))
    await store.append_batch([stored])
    clash = received(stored.envelope.model_copy(update={"payload": {"note": "other bytes"}}))
    batch = interleaved(cases=2, per_case=conflict_at)[:conflict_at]

    with pytest.raises(EventConflictError):
        await store.append_batch([*batch, clash])

    assert await store.size() == 1
    assert await store.case_events("case-0") == []
    # The writer's kept tail was not moved by the refused batch: the next one lands at 1.
    appended = await store.append_batch(batch[:1])
    assert (appended[0].position, appended[0].is_new) == (1, True)


async def test_every_leafs_proof_at_every_size_is_the_reference_trees(
    store: SqlEventStore,
) -> None:
    """PostgreSQL reads a proof's nodes in the query that finds the event: every shape of path
    (sizes 1 to 33, each leaf) must be the one an in-memory tree gives."""
    events = interleaved(cases=3, per_case=11)
    await store.append_batch(events)
    stored = await store.events()
    reference = MerkleTree(InMemoryNodeStore())
    reference.extend(event.leaf for event in stored)

    for size in range(1, len(stored) + 1):
        for event in stored[:size]:
            proof = await store.inclusion_proof(event.event_id, size)
            assert list(proof.hashes) == reference.inclusion_proof(event.position, size)
