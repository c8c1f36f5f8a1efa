"""Auditing the whole store: recompute chains and the Merkle tree from the rows, and check every
signed checkpoint against them. Catches what the database's guards cannot: a superuser's edits.
Streams through the log page by page, keeping the tree's right edge, one chain link per case and
the checkpoints still to reach; the checks themselves are pure.

Each row's bytes are hashed as they are stored, and its columns checked against the envelope's
header read from those bytes (`leaf_header`); only a row whose header is not in canonical form
is decoded in full, to name what is wrong with it. So the audit costs a few hashes a row, not
an envelope decode and re-encode: the payload is proven by the leaf hash, the chain and the
signed roots, and its form is the writer's (validated and canonically encoded on append).
"""

import asyncio
import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import LeafRow, StoredEvent
from services.records.domain.leaf_header import read_header
from services.records.service_layer.ports import EventStore
from shared.bundle.case_chain import ChainLink, link_after, link_mismatch
from shared.envelope import InvalidEnvelopeError, decode_envelope, encode_envelope
from shared.merkle.checkpoint import open_checkpoint
from shared.merkle.errors import MerkleError
from shared.merkle.keys import NoteVerifier
from shared.merkle.tree import RightEdge

ProblemKind = Literal["missing", "row", "leaf", "chain", "checkpoint"]


@dataclass(frozen=True)
class Problem:
    """One finding. `missing`: no event at a position; `row`: columns disagree with the stored
    bytes; `leaf`: the bytes do not hash to the Merkle tree's leaf; `chain`: the case chain
    breaks; `checkpoint`: a signed checkpoint does not verify or does not match the events."""

    kind: ProblemKind
    reason: str
    position: int | None = None
    event_id: str | None = None
    checkpoint_size: int | None = None

    def __str__(self) -> str:
        if self.checkpoint_size is not None:
            return f"checkpoint at size {self.checkpoint_size}: {self.reason}"
        subject = f"event {self.event_id} at position" if self.event_id else "position"
        return f"{subject} {self.position}: {self.reason}"


@dataclass(frozen=True)
class AuditReport:
    """Problems in log order: events by position first, then checkpoints by size."""

    events: int
    checkpoints: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        """The first bad event, or if every event is sound, the first bad checkpoint."""
        return self.problems[0] if self.problems else None


class StoreAudit:
    """Checks rows against their bytes and leaves, case chains, and each checkpoint as soon as
    the recomputed tree reaches its size. Rows must come in increasing position order."""

    def __init__(
        self,
        checkpoints: Iterable[StoredCheckpoint],
        verifiers: Sequence[NoteVerifier],
        origin: str,
    ) -> None:
        self._kept = sorted(checkpoints, key=lambda checkpoint: checkpoint.size)
        self._due = deque(self._kept)
        self._verifiers, self._origin = verifiers, origin
        self._tree = RightEdge()
        self._links: dict[str, ChainLink] = {}
        self._broken: set[str] = set()
        self._next = self._rows = 0
        self._problems: list[Problem] = []
        self._checkpoint_problems: list[Problem] = []
        self._check_due()

    def add(self, rows: Iterable[StoredEvent], stored_leaves: Mapping[int, bytes]) -> None:
        """`add_rows` for events read apart from the tree's leaves (`stored_leaves`)."""
        self.add_rows(LeafRow.of(event, stored_leaves.get(event.position)) for event in rows)

    def add_rows(self, rows: Iterable[LeafRow]) -> None:
        digests: list[bytes] = []
        sha256 = hashlib.sha256
        for row in rows:
            # Hashed once (RFC 9162 leaf_hash, inlined): the same digest is checked against
            # the stored leaf, extends the case's chain and becomes the tree's leaf.
            digest = sha256(b"\x00" + row.leaf).digest()
            if row.position != self._next:
                self._missing_until(row.position)
            if row.committed != digest or not _header_agrees(row):
                self._problems += _event_problems(row, digest)
            self._chain(row, digest)
            digests.append(digest)
            self._next = row.position + 1
        self._rows += len(digests)
        self._grow(digests)

    def finish(self, size: int) -> AuditReport:
        """The report for a log that should hold `size` events."""
        self._missing_until(size)
        while self._due:
            self._check(self._due.popleft())
        problems = (*self._problems, *self._checkpoint_problems)
        return AuditReport(self._rows, len(self._kept), problems)

    def _missing_until(self, position: int) -> None:
        reason = "no event is stored at this position"
        self._problems += [Problem("missing", reason, p) for p in range(self._next, position)]
        self._next = max(self._next, position)

    def _chain(self, row: LeafRow, digest: bytes) -> None:
        if row.case_id in self._broken:
            return  # one break per case: what follows it cannot be judged
        expected = link_after(self._links.get(row.case_id), digest)
        if (expected.case_position, expected.prev_hash, expected.chain_hash) == (
            row.case_position,
            row.prev_hash,
            row.chain_hash,
        ):
            self._links[row.case_id] = expected
            return
        reason = link_mismatch(expected, row.case_position, row.prev_hash, row.chain_hash)
        self._problems.append(Problem("chain", reason, row.position, row.event_id))
        self._broken.add(row.case_id)

    def _grow(self, digests: Sequence[bytes]) -> None:
        """Extends the tree, stopping at each checkpoint's size to check it against the root."""
        done = 0
        while done < len(digests):
            step = len(digests) - done
            if self._due:  # _check_due has left only sizes beyond the tree's
                step = min(step, self._due[0].size - self._tree.size)
            self._tree.extend_hashed(digests[done : done + step])
            done += step
            self._check_due()

    def _check_due(self) -> None:
        while self._due and self._due[0].size <= self._tree.size:
            self._check(self._due.popleft())

    def _check(self, stored: StoredCheckpoint) -> None:
        if reason := self._checkpoint_problem(stored):
            problem = Problem("checkpoint", reason, checkpoint_size=stored.size)
            self._checkpoint_problems.append(problem)

    def _checkpoint_problem(self, stored: StoredCheckpoint) -> str:
        try:
            signed = open_checkpoint(stored.note, self._verifiers, origin=self._origin)
        except MerkleError as error:
            return f"its note does not verify: {error}"
        if (signed.size, signed.root_hash) != (stored.size, stored.root_hash):
            return "its columns disagree with its signed note"
        if signed.size > self._tree.size:
            return f"it covers {signed.size} events, but {self._tree.size} are stored"
        if self._tree.root() != signed.root_hash:
            return (
                f"its root is not the root of the stored events: one of the first {signed.size} "
                "was changed, removed or moved"
            )
        return ""


def _header_agrees(row: LeafRow) -> bool:
    """The fast check: the bytes open and close as a canonical envelope whose header is the
    row's columns. False sends the row to the full check, which says what is wrong."""
    header = read_header(row.leaf)
    return header is not None and header == (
        row.event_id,
        row.case_id,
        row.event_type,
        row.occurred_at,
        row.recorded_at,
    )


def _event_problems(row: LeafRow, digest: bytes) -> list[Problem]:
    problems: list[Problem] = []
    if reason := _row_problem(row):
        problems.append(Problem("row", reason, row.position, row.event_id))
    if row.committed is None:
        problems.append(Problem("leaf", "the Merkle tree has no leaf here", row.position))
    elif row.committed != digest:
        reason = "its bytes do not hash to the Merkle tree's leaf: changed or moved"
        problems.append(Problem("leaf", reason, row.position, row.event_id))
    return problems


def _row_problem(row: LeafRow) -> str:
    """The full check, for rows the fast one did not pass: decoded and encoded again."""
    try:
        envelope = decode_envelope(row.leaf)
    except InvalidEnvelopeError:
        return "its stored bytes are not a valid envelope"
    if encode_envelope(envelope) != row.leaf:
        return "its stored bytes are not the canonical encoding of an envelope"
    claimed = (row.event_id, row.case_id, row.event_type, row.occurred_at)
    actual = (str(envelope.event_id), envelope.case_id, envelope.type, envelope.occurred_at)
    if claimed != actual or row.recorded_at != envelope.recorded_at:
        return "its columns disagree with its stored envelope"
    return ""


AUDIT_PAGE = 10_000
"""Rows per read: about 12 MB of 1 KiB events; fewer, larger reads let the audit keep hashing."""
Progress = Callable[[int], None]
"""Told how many positions of the log have been checked so far."""


async def audit_store(
    store: EventStore,
    verifiers: Sequence[NoteVerifier],
    *,
    origin: str,
    progress: Progress | None = None,
    page: int = AUDIT_PAGE,
) -> AuditReport:
    """Reads the store page by page and verifies it; events appended meanwhile are left out.

    Checkpoints are read before the size, so each of them must be covered by the events.
    Memory holds two pages (the next one is read while this one is checked: the database
    works on it meanwhile), the tree's right edge and one chain link per case.
    """
    checkpoints = await store.checkpoints()
    size = await store.size()
    audit = StoreAudit(checkpoints, verifiers, origin)
    pages = [(start, min(start + page, size)) for start in range(0, size, page)]
    ahead: asyncio.Future[list[LeafRow]] | None = None
    try:
        for number, (start, end) in enumerate(pages):
            rows = await ahead if ahead is not None else await store.leaf_rows(start, end)
            following = pages[number + 1 : number + 2]
            ahead = asyncio.ensure_future(store.leaf_rows(*following[0])) if following else None
            audit.add_rows(rows)
            if progress is not None:
                progress(end)
    finally:
        if ahead is not None:
            ahead.cancel()
    return audit.finish(size)


def verify_store(
    events: Iterable[StoredEvent],
    stored_leaves: Mapping[int, bytes],
    checkpoints: Iterable[StoredCheckpoint],
    verifiers: Sequence[NoteVerifier],
    *,
    origin: str,
    size: int | None = None,
) -> AuditReport:
    """Checks rows, leaf hashes, case chains and checkpoints in one go; pure, no I/O.

    `stored_leaves` is level 0 of the stored Merkle tree; `size` (default: what the rows and
    leaves reach) is how many events the log should hold.
    """
    rows = sorted(events, key=lambda event: event.position)
    if size is None:
        size = max([e.position + 1 for e in rows] + [i + 1 for i in stored_leaves], default=0)
    audit = StoreAudit(checkpoints, verifiers, origin)
    audit.add(rows, stored_leaves)
    return audit.finish(size)
