"""The store audit as a pure function: sound rows pass, and each kind of damage is named."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import StoredEvent
from services.records.service_layer.audit import AuditReport, verify_store
from shared.merkle.checkpoint import Checkpoint, sign_checkpoint
from shared.merkle.hashing import leaf_hash
from shared.merkle.keys import NoteSigner
from shared.merkle.store import InMemoryNodeStore
from shared.merkle.tree import MerkleTree

ORIGIN = "caselog.example/records"


def _checkpoint(rows: list[StoredEvent], size: int, signer: NoteSigner) -> StoredCheckpoint:
    tree = MerkleTree(InMemoryNodeStore())
    tree.extend(row.leaf for row in rows[:size])
    note = sign_checkpoint(Checkpoint(ORIGIN, size, tree.root()), [signer])
    return StoredCheckpoint(size, tree.root(), note, datetime(2025, 4, 2, tzinfo=UTC))


@pytest.fixture
def checkpoints(rows: list[StoredEvent], signer: NoteSigner) -> list[StoredCheckpoint]:
    return [_checkpoint(rows, size, signer) for size in (3, 6, 9)]


def _verify(
    rows: list[StoredEvent],
    checkpoints: list[StoredCheckpoint],
    signer: NoteSigner,
    leaves: dict[int, bytes] | None = None,
) -> AuditReport:
    committed = leaves if leaves is not None else {r.position: leaf_hash(r.leaf) for r in rows}
    return verify_store(rows, committed, checkpoints, [signer.verifier], origin=ORIGIN)


def test_sound_rows_pass(
    rows: list[StoredEvent], checkpoints: list[StoredCheckpoint], signer: NoteSigner
) -> None:
    report = _verify(list(reversed(rows)), checkpoints, signer)
    assert (report.ok, report.events, report.checkpoints, report.first) == (True, 9, 3, None)


def test_changed_bytes_are_named_by_position_and_event(
    rows: list[StoredEvent], checkpoints: list[StoredCheckpoint], signer: NoteSigner
) -> None:
    committed = {r.position: leaf_hash(r.leaf) for r in rows}
    rows[4] = replace(rows[4], leaf=rows[4].leaf.replace(b'"note":"c', b'"note":"k'))

    report = _verify(rows, checkpoints, signer, committed)

    assert report.first is not None
    assert (report.first.kind, report.first.position) == ("leaf", 4)
    assert str(report.first).startswith(f"event {rows[4].event_id} at position 4:")
    assert [p.kind for p in report.problems] == ["leaf", "chain", "checkpoint", "checkpoint"]
    assert [p.checkpoint_size for p in report.problems[2:]] == [6, 9]


def test_a_missing_row_and_a_missing_leaf_are_named(
    rows: list[StoredEvent], checkpoints: list[StoredCheckpoint], signer: NoteSigner
) -> None:
    committed = {r.position: leaf_hash(r.leaf) for r in rows}
    del committed[8]
    report = _verify(rows[:2] + rows[3:], checkpoints, signer, committed)

    assert report.first is not None
    assert (report.first.kind, report.first.position) == ("missing", 2)
    assert str(report.first) == "position 2: no event is stored at this position"
    assert ("leaf", 8) in {(p.kind, p.position) for p in report.problems}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"case_id": "case-9"}, "columns disagree"),
        ({"event_type": "case.closed"}, "columns disagree"),
        ({"leaf": b"not json"}, "not a valid envelope"),
    ],
)
def test_rows_that_disagree_with_their_bytes_are_named(
    rows: list[StoredEvent],
    checkpoints: list[StoredCheckpoint],
    signer: NoteSigner,
    change: dict[str, object],
    reason: str,
) -> None:
    rows[7] = replace(rows[7], **change)  # type: ignore[arg-type]
    report = _verify(rows, checkpoints, signer)
    assert report.first is not None
    assert (report.first.kind, report.first.position) == ("row", 7)
    assert reason in report.first.reason


def test_bytes_that_are_not_canonical_are_named(
    rows: list[StoredEvent], checkpoints: list[StoredCheckpoint], signer: NoteSigner
) -> None:
    rows[1] = replace(rows[1], leaf=rows[1].leaf.replace(b'","', b'", "', 1))
    report = _verify(rows, checkpoints, signer)
    assert report.first is not None
    assert "canonical" in report.first.reason


def test_bad_checkpoints_are_named_with_their_size(
    rows: list[StoredEvent], checkpoints: list[StoredCheckpoint], signer: NoteSigner
) -> None:
    stranger = NoteSigner.generate(ORIGIN)
    other_log = NoteSigner.generate("other.example/log")
    root = checkpoints[2].root_hash
    bad = [
        _checkpoint(rows, 3, stranger),
        replace(_checkpoint(rows, 6, signer), root_hash=bytes(32)),
        _checkpoint([*rows, replace(rows[0], position=9)], 10, signer),
        replace(
            checkpoints[2],
            note=sign_checkpoint(Checkpoint("other.example/log", 9, root), [other_log]),
        ),
    ]

    report = verify_store(
        rows,
        {r.position: leaf_hash(r.leaf) for r in rows},
        bad,
        [signer.verifier, other_log.verifier],
        origin=ORIGIN,
    )

    reasons = {p.checkpoint_size: p.reason for p in report.problems}
    assert list(reasons) == [3, 6, 9, 10]
    assert "does not verify" in reasons[3]
    assert "disagree with its signed note" in reasons[6]
    assert "other.example/log" in reasons[9]
    assert "covers 10 events, but 9 are stored" in reasons[10]


def test_a_given_size_beyond_the_rows_names_the_missing_positions(
    rows: list[StoredEvent], checkpoints: list[StoredCheckpoint], signer: NoteSigner
) -> None:
    committed = {r.position: leaf_hash(r.leaf) for r in rows}
    report = verify_store(rows, committed, [], [signer.verifier], origin=ORIGIN, size=10)
    assert [(p.kind, p.position) for p in report.problems] == [("missing", 9)]
