"""The audit reads the store page by page: whatever the page size, it finds the same. The batched
reads and writes (COPY and array parameters on PostgreSQL) keep the log's chains and proofs, stay
inside the append's transaction and refuse a clash as any insert would."""

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.adapters.event_store import SqlEventStore
from services.records.adapters.rows import SqlNodeStore, insert_rows
from services.records.adapters.tables import RecordsTables
from services.records.domain.errors import RecordsError
from services.records.domain.events import verify_chain
from services.records.service_layer.audit import audit_store
from services.records.service_layer.checkpoints import CheckpointIssuer
from shared.merkle.hashing import leaf_hash
from shared.merkle.keys import NoteSigner
from shared.merkle.verify import verify_consistency, verify_inclusion
from tests.contract.records.sample_events import ORIGIN, interleaved
from tests.contract.records.superuser import Bypass

PAGES = (1, 2, 5, 7, 13, 5000)


@pytest.fixture
async def filled(store: SqlEventStore, issuer: CheckpointIssuer) -> SqlEventStore:
    """23 events of 4 cases in batches of 1, 5 and 17; checkpoints after each batch."""
    received = interleaved(cases=4, per_case=6)[:23]
    for start, end in ((0, 1), (1, 6), (6, 23)):
        await store.append_batch(received[start:end])
        await issuer.issue()
    return store


async def test_every_page_size_gives_the_same_clean_report(
    filled: SqlEventStore, signer: NoteSigner
) -> None:
    for page in PAGES:
        report = await audit_store(filled, [signer.verifier], origin=ORIGIN, page=page)
        assert report.ok, (page, [str(problem) for problem in report.problems])
        assert (report.events, report.checkpoints) == (23, 3)


async def test_every_page_size_finds_the_same_damage(
    filled: SqlEventStore, signer: NoteSigner, log_tables: RecordsTables, bypass_guards: Bypass
) -> None:
    victim = (await filled.events())[9]
    changed = victim.leaf.replace(b'"note":"contact', b'"note":"contbct', 1)
    await bypass_guards(
        text(f"UPDATE {log_tables.prefix}events SET leaf = :leaf WHERE position = 9").bindparams(
            leaf=changed
        )
    )

    reports = [
        await audit_store(filled, [signer.verifier], origin=ORIGIN, page=page) for page in PAGES
    ]

    assert all(report.problems == reports[0].problems for report in reports)
    first = reports[0].first
    assert first is not None
    assert (first.position, first.event_id) == (9, victim.event_id)
    bad = [p.checkpoint_size for p in reports[0].problems if p.kind == "checkpoint"]
    assert bad == [23]


async def test_batched_appends_keep_chains_and_proofs(filled: SqlEventStore) -> None:
    events = await filled.events()
    size = await filled.size()
    root = await filled.root(size)

    assert [event.position for event in events] == list(range(23))
    for case in ("case-0", "case-1", "case-2", "case-3"):
        assert verify_chain(await filled.case_events(case)) is None
    for event in events:
        proof = await filled.inclusion_proof(event.event_id, size)
        verify_inclusion(leaf_hash(event.leaf), event.position, size, proof.hashes, root)
    for old in (1, 6):
        proof = await filled.consistency_proof(old, size)
        verify_consistency(old, size, await filled.root(old), root, proof.hashes)


async def test_rows_are_copied_only_inside_the_append_transaction(
    backend: str, log_engine: AsyncEngine, log_tables: RecordsTables
) -> None:
    """COPY goes around SQLAlchemy's lazy BEGIN: it must never run (and commit) on its own."""
    node = (0, 0, leaf_hash(b"x"))

    def insert_first(connection: Connection) -> None:
        insert_rows(connection, log_tables.merkle_nodes, [node])

    async with log_engine.connect() as connection:
        if backend == "postgres":
            with pytest.raises(RecordsError, match="inside an open transaction"):
                await connection.run_sync(insert_first)
        else:
            await connection.run_sync(insert_first)
        await connection.rollback()
    async with log_engine.connect() as connection:
        assert await connection.run_sync(lambda c: SqlNodeStore(c, log_tables).leaf_count()) == 0


async def test_a_copied_row_that_clashes_raises_integrity_error(
    log_engine: AsyncEngine, log_tables: RecordsTables
) -> None:
    node = (0, 0, leaf_hash(b"x"))

    def insert_twice(connection: Connection) -> None:
        insert_rows(connection, log_tables.merkle_nodes, [node])
        insert_rows(connection, log_tables.merkle_nodes, [node])

    async with log_engine.begin() as connection:
        await connection.execute(text("SELECT 1"))  # opens the transaction
        with pytest.raises(IntegrityError):
            await connection.run_sync(insert_twice)
        await connection.rollback()
    async with log_engine.connect() as connection:
        assert await connection.run_sync(lambda c: SqlNodeStore(c, log_tables).leaf_count()) == 0


async def test_two_writers_taking_turns_read_past_what_they_kept(
    log_engine: AsyncEngine,
    log_tables: RecordsTables,
    issuer: CheckpointIssuer,
    signer: NoteSigner,
) -> None:
    """Each store keeps its last append's right edge and case links; the other's appends in
    between must void them, or chains and tree would fork."""
    first, second = SqlEventStore(log_engine, log_tables), SqlEventStore(log_engine, log_tables)
    received = interleaved(cases=2, per_case=9)
    for turn, start in enumerate(range(0, len(received), 3)):
        store = (first, first, second)[turn % 3]
        await store.append_batch(received[start : start + 3])
    await issuer.issue()

    report = await audit_store(first, [signer.verifier], origin=ORIGIN, page=4)
    assert report.ok, [str(problem) for problem in report.problems]
    assert report.events == 18
    for case in ("case-0", "case-1"):
        events = await second.case_events(case)
        assert [event.case_position for event in events] == list(range(9))
        assert verify_chain(events) is None
