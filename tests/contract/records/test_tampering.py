"""What the guards cannot stop, the audit finds: rows changed by someone with full control of the
database (superuser, or the SQLite file's owner) break the case chain and the Merkle tree."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.adapters.event_store import SqlEventStore
from services.records.adapters.tables import RecordsTables
from services.records.domain.events import StoredEvent, verify_chain
from services.records.service_layer.audit import AuditReport, audit_store
from services.records.service_layer.checkpoints import CheckpointIssuer
from shared.merkle.checkpoint import Checkpoint, sign_checkpoint
from shared.merkle.errors import ProofError
from shared.merkle.hashing import leaf_hash
from shared.merkle.keys import NoteSigner
from shared.merkle.verify import verify_inclusion
from tests.contract.records.sample_events import ORIGIN, interleaved
from tests.contract.records.superuser import Bypass


@pytest.fixture
async def events(store: SqlEventStore, issuer: CheckpointIssuer) -> list[StoredEvent]:
    """12 events of 3 cases (case-1 at positions 1, 4, 7, 10), checkpoints at 4, 8 and 12."""
    received = interleaved(cases=3, per_case=4)
    for start in (0, 4, 8):
        await store.append_batch(received[start : start + 4])
        await issuer.issue()
    return await store.events()


async def _audit(store: SqlEventStore, signer: NoteSigner) -> AuditReport:
    return await audit_store(store, [signer.verifier], origin=ORIGIN)


def _at(report: AuditReport, position: int) -> set[str]:
    return {problem.kind for problem in report.problems if problem.position == position}


def _bad_checkpoints(report: AuditReport) -> list[int | None]:
    return [p.checkpoint_size for p in report.problems if p.kind == "checkpoint"]


async def test_an_untouched_store_audits_clean(
    store: SqlEventStore, signer: NoteSigner, events: list[StoredEvent]
) -> None:
    report = await _audit(store, signer)

    assert report.ok, [str(problem) for problem in report.problems]
    assert (report.events, report.checkpoints, report.first) == (12, 3, None)
    for case in ("case-0", "case-1", "case-2"):
        assert verify_chain(await store.case_events(case)) is None


async def test_one_changed_byte_is_found(
    store: SqlEventStore,
    signer: NoteSigner,
    events: list[StoredEvent],
    log_tables: RecordsTables,
    bypass_guards: Bypass,
) -> None:
    victim = events[5]
    changed = victim.leaf.replace(b'"note":"contact', b'"note":"contbct', 1)
    assert sum(a != b for a, b in zip(changed, victim.leaf, strict=True)) == 1

    await bypass_guards(
        text(f"UPDATE {log_tables.prefix}events SET leaf = :leaf WHERE position = 5").bindparams(
            leaf=changed
        )
    )

    broken = verify_chain(await store.case_events(victim.case_id))
    assert broken is not None
    assert broken.event_id == victim.event_id
    report = await _audit(store, signer)
    assert report.first is not None
    assert (report.first.position, report.first.event_id) == (5, victim.event_id)
    assert _at(report, 5) == {"leaf", "chain"}
    assert _bad_checkpoints(report) == [8, 12]
    # And the proof handed to an outsider no longer holds for the bytes now stored.
    proof = await store.inclusion_proof(victim.event_id, 12)
    checkpoint = await store.checkpoint(12)
    assert checkpoint is not None
    with pytest.raises(ProofError):
        verify_inclusion(leaf_hash(changed), 5, 12, proof.hashes, checkpoint.root_hash)


async def test_a_deleted_event_is_found(
    store: SqlEventStore,
    log_engine: AsyncEngine,
    signer: NoteSigner,
    events: list[StoredEvent],
    log_tables: RecordsTables,
    bypass_guards: Bypass,
) -> None:
    await bypass_guards(text(f"DELETE FROM {log_tables.prefix}events WHERE position = 6"))

    with pytest.raises(DBAPIError, match="append-only"):  # and the guards are back
        async with log_engine.begin() as connection:
            await connection.exec_driver_sql(f"DELETE FROM {log_tables.prefix}events")
    report = await _audit(store, signer)

    assert report.first is not None
    assert (report.first.kind, report.first.position) == ("missing", 6)
    # The next event of the same case no longer links up.
    broken = verify_chain(await store.case_events(events[6].case_id))
    assert broken is not None
    assert broken.event_id == events[9].event_id
    assert "chain" in _at(report, 9)
    assert _bad_checkpoints(report) == [8, 12]


async def test_two_reordered_events_are_found(
    store: SqlEventStore,
    signer: NoteSigner,
    events: list[StoredEvent],
    log_tables: RecordsTables,
    bypass_guards: Bypass,
) -> None:
    table = f"{log_tables.prefix}events"
    swap = "UPDATE {t} SET position = {p}, case_position = {c} WHERE position = {w}"
    # Through a free position: the keys stay unique at every step.
    await bypass_guards(
        text(swap.format(t=table, p=1004, c=1001, w=4)),
        text(swap.format(t=table, p=4, c=1, w=7)),
        text(swap.format(t=table, p=7, c=2, w=1004)),
    )

    report = await _audit(store, signer)

    assert report.first is not None
    assert (report.first.position, report.first.event_id) == (4, events[7].event_id)
    assert _at(report, 4) == {"leaf", "chain"}
    assert _at(report, 7) == {"leaf"}
    assert _bad_checkpoints(report) == [8, 12]


@pytest.mark.parametrize("forger", ["outsider", "insider"])
async def test_a_replaced_checkpoint_is_found(
    store: SqlEventStore,
    signer: NoteSigner,
    events: list[StoredEvent],
    log_tables: RecordsTables,
    bypass_guards: Bypass,
    forger: str,
) -> None:
    # An outsider signs with a key of their own; an insider holds the log's key.
    key = signer if forger == "insider" else NoteSigner.generate(ORIGIN)
    forged_root = leaf_hash(b"a history that never was")
    note = sign_checkpoint(Checkpoint(ORIGIN, 8, forged_root), [key])

    await bypass_guards(
        text(
            f"UPDATE {log_tables.prefix}checkpoints SET note = :note, root_hash = :root "
            "WHERE size = 8"
        ).bindparams(note=note, root=forged_root)
    )

    report = await _audit(store, signer)

    assert report.first is not None
    assert (report.first.kind, report.first.checkpoint_size) == ("checkpoint", 8)
    expected = "does not verify" if forger == "outsider" else "not the root of the stored events"
    assert expected in report.first.reason
    assert _bad_checkpoints(report) == [8]
