"""Issuing checkpoints against an in-memory log: signed, kept once per size, issued when due."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from services.records.domain.checkpoints import CheckpointPolicy, StoredCheckpoint
from services.records.service_layer.checkpoints import CheckpointIssuer, issue_when_due
from shared.merkle.checkpoint import open_checkpoint
from shared.merkle.keys import NoteSigner
from shared.merkle.store import InMemoryNodeStore
from shared.merkle.tree import MerkleTree

ORIGIN = "caselog.example/records"
T0 = datetime(2025, 4, 1, tzinfo=UTC)


class FakeCheckpointStore:
    """The CheckpointStore port over an in-memory tree and a dict of checkpoints."""

    def __init__(self) -> None:
        self.tree = MerkleTree(InMemoryNodeStore())
        self.kept: dict[int, StoredCheckpoint] = {}

    async def size(self) -> int:
        return self.tree.size

    async def root(self, size: int) -> bytes:
        return self.tree.root(size)

    async def add_checkpoint(self, checkpoint: StoredCheckpoint) -> StoredCheckpoint:
        assert checkpoint.root_hash == self.tree.root(checkpoint.size)
        return self.kept.setdefault(checkpoint.size, checkpoint)

    async def checkpoint(self, size: int) -> StoredCheckpoint | None:
        return self.kept.get(size)

    async def latest_checkpoint(self) -> StoredCheckpoint | None:
        return self.kept[max(self.kept)] if self.kept else None

    async def checkpoints(self) -> list[StoredCheckpoint]:
        return [self.kept[size] for size in sorted(self.kept)]


@pytest.fixture
def store() -> FakeCheckpointStore:
    return FakeCheckpointStore()


@pytest.fixture
def clock() -> list[datetime]:
    return [T0]


@pytest.fixture
def issuer(
    store: FakeCheckpointStore, signer: NoteSigner, clock: list[datetime]
) -> CheckpointIssuer:
    policy = CheckpointPolicy(every_events=10, every_seconds=60)
    return CheckpointIssuer(store, signer, origin=ORIGIN, policy=policy, clock=lambda: clock[0])


async def test_an_issued_checkpoint_is_a_signed_note_of_the_current_tree_head(
    store: FakeCheckpointStore, issuer: CheckpointIssuer, signer: NoteSigner
) -> None:
    store.tree.extend([b"a", b"b", b"c"])

    kept = await issuer.issue()

    checkpoint = open_checkpoint(kept.note, [signer.verifier], origin=ORIGIN)
    assert (checkpoint.size, checkpoint.root_hash) == (3, store.tree.root())
    assert (kept.size, kept.root_hash, kept.issued_at) == (3, store.tree.root(), T0)


async def test_the_empty_log_can_be_signed_on_demand(issuer: CheckpointIssuer) -> None:
    assert (await issuer.issue()).size == 0


async def test_a_size_is_signed_once(
    store: FakeCheckpointStore, issuer: CheckpointIssuer, clock: list[datetime]
) -> None:
    store.tree.extend([b"a"])
    first = await issuer.issue()
    clock[0] += timedelta(hours=1)
    assert await issuer.issue() == first
    assert await issuer.issue_if_due() is None


async def test_checkpoints_follow_the_policy(
    store: FakeCheckpointStore, issuer: CheckpointIssuer, clock: list[datetime]
) -> None:
    store.tree.extend([b"first"])
    assert (await issuer.issue_if_due()) is not None  # the first events at once
    store.tree.extend([b"x"] * 9)
    assert await issuer.issue_if_due() is None
    store.tree.extend([b"y"])
    due = await issuer.issue_if_due()
    assert due is not None
    assert due.size == 11
    store.tree.extend([b"z"])
    clock[0] += timedelta(seconds=60)
    due = await issuer.issue_if_due()
    assert due is not None
    assert (due.size, due.issued_at) == (12, clock[0])


async def test_the_timer_signs_a_quiet_log_and_stops_when_asked(
    store: FakeCheckpointStore, issuer: CheckpointIssuer, clock: list[datetime]
) -> None:
    store.tree.extend([b"first"])
    await issuer.issue()
    store.tree.extend([b"late"])  # too few for the event rule: only time will sign it
    clock[0] += timedelta(seconds=60)
    stop = asyncio.Event()
    timer = asyncio.create_task(issue_when_due(issuer, 0.01, stop))

    async with asyncio.timeout(5):
        while (await store.latest_checkpoint()).size != 2:  # type: ignore[union-attr]  # noqa: ASYNC110 - the timer has no event to wait on
            await asyncio.sleep(0.01)
        stop.set()
        await timer
