"""Appending, on SQLite and PostgreSQL: every field kept, idempotent by event id, dense positions,
and a batch is written whole or not at all."""

import asyncio
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.adapters.event_store import SqlEventStore
from services.records.adapters.tables import RecordsTables
from services.records.domain.errors import EventConflictError, StoreIntegrityError
from services.records.domain.events import Origin, ReceivedEvent
from shared.bundle.case_chain import ZERO_HASH
from shared.envelope import encode_envelope
from shared.merkle.hashing import leaf_hash
from tests.contract.records.sample_events import envelope, interleaved, received


async def test_an_appended_event_keeps_every_field(store: SqlEventStore) -> None:
    event = envelope("case-a", 0)
    before = datetime.now(UTC)

    (appended,) = await store.append_batch([ReceivedEvent(event, Origin("caselog.intake", 3, 41))])

    stored = await store.event(str(event.event_id))
    assert (appended.position, appended.case_position, appended.is_new) == (0, 0, True)
    assert (stored.position, stored.case_position) == (0, 0)
    assert (stored.event_id, stored.case_id) == (str(event.event_id), "case-a")
    assert stored.event_type == "consultation.received"
    assert stored.occurred_at == event.occurred_at
    assert stored.recorded_at == event.recorded_at
    assert before <= stored.stored_at <= datetime.now(UTC)
    assert stored.origin == Origin("caselog.intake", 3, 41)
    assert stored.leaf == encode_envelope(event)
    assert stored.prev_hash == ZERO_HASH
    assert (await store.leaf_hashes()) == {0: leaf_hash(stored.leaf)}


async def test_an_event_without_origin_is_kept_without_one(store: SqlEventStore) -> None:
    event = envelope("case-a", 0)
    await store.append_batch([ReceivedEvent(event)])
    assert (await store.event(str(event.event_id))).origin is None


async def test_the_same_event_twice_is_stored_once_at_one_position(store: SqlEventStore) -> None:
    first, second = envelope("case-a", 0), envelope("case-b", 0)
    await store.append_batch([received(first)])

    again = await store.append_batch([received(second), received(first), received(second)])

    assert [(a.position, a.is_new) for a in again] == [(1, True), (0, False), (1, False)]
    assert [e.event_id for e in await store.events()] == [str(first.event_id), str(second.event_id)]
    assert await store.size() == 2


async def test_an_event_id_stored_with_other_content_is_refused(store: SqlEventStore) -> None:
    event = envelope("case-a", 0)
    await store.append_batch([received(event)])
    forged = event.model_copy(update={"payload": {"note": "something else"}})

    with pytest.raises(EventConflictError, match=str(event.event_id)):
        await store.append_batch([received(forged)])

    assert (await store.event(str(event.event_id))).leaf == encode_envelope(event)


async def test_positions_are_dense_globally_and_per_case(store: SqlEventStore) -> None:
    events = interleaved(cases=4, per_case=5)
    for start in range(0, len(events), 6):
        # Overlapping batches: each repeats the last event of the one before.
        await store.append_batch(events[max(start - 1, 0) : start + 6])

    stored = await store.events()
    assert [e.position for e in stored] == list(range(20))
    assert [e.event_id for e in stored] == [str(e.envelope.event_id) for e in events]
    by_case: defaultdict[str, list[int]] = defaultdict(list)
    for event in stored:
        by_case[event.case_id].append(event.case_position)
    assert by_case == {f"case-{c}": [0, 1, 2, 3, 4] for c in range(4)}
    assert [e.case_position for e in await store.case_events("case-2")] == [0, 1, 2, 3, 4]


async def test_concurrent_appends_in_one_process_take_turns(store: SqlEventStore) -> None:
    batches = [interleaved(cases=3, per_case=2) for _ in range(10)]

    results = await asyncio.gather(*(store.append_batch(batch) for batch in batches))

    positions = sorted(a.position for appended in results for a in appended)
    assert positions == list(range(60))
    assert [e.position for e in await store.events()] == positions
    assert await store.size() == 60


async def test_a_batch_with_an_invalid_event_writes_nothing(store: SqlEventStore) -> None:
    stored = envelope("case-a", 0)
    await store.append_batch([received(stored)])
    conflicting = stored.model_copy(update={"payload": {"note": "changed"}})
    batch = [
        received(envelope("case-a", 1)),
        received(envelope("case-b", 0)),
        received(conflicting),
    ]

    with pytest.raises(EventConflictError):
        await store.append_batch(batch)

    assert [e.event_id for e in await store.events()] == [str(stored.event_id)]
    assert list(await store.leaf_hashes()) == [0]
    appended = await store.append_batch(batch[:2])
    assert [(a.position, a.case_position) for a in appended] == [(1, 1), (2, 0)]


async def test_a_failure_inside_the_transaction_rolls_the_events_back(
    store: SqlEventStore, log_engine: AsyncEngine, log_tables: RecordsTables
) -> None:
    await store.append_batch(interleaved(cases=2, per_case=2))
    # A stray node where the next batch's second leaf will complete a subtree: the events
    # insert succeeds, then the node insert fails, in the same transaction.
    async with log_engine.begin() as connection:
        await connection.execute(
            insert(log_tables.merkle_nodes).values(level=1, idx=2, hash=bytes(32))
        )

    with pytest.raises(StoreIntegrityError):
        await store.append_batch([received(envelope("case-c", 0)), received(envelope("case-c", 1))])

    assert [e.position for e in await store.events()] == [0, 1, 2, 3]
    assert await store.case_events("case-c") == []


async def test_a_log_whose_events_and_tree_disagree_refuses_appends(
    store: SqlEventStore, log_engine: AsyncEngine, log_tables: RecordsTables
) -> None:
    await store.append_batch([received(envelope("case-a", 0))])
    # A leaf (and the node it completes) inserted without its event: a tree of 2 over 1 event.
    async with log_engine.begin() as connection:
        await connection.execute(
            insert(log_tables.merkle_nodes),
            [{"level": 0, "idx": 1, "hash": bytes(32)}, {"level": 1, "idx": 0, "hash": bytes(32)}],
        )

    with pytest.raises(StoreIntegrityError, match="1 events but its Merkle tree 2 leaves"):
        await store.append_batch([received(envelope("case-a", 1))])
