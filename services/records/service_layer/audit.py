"""Auditing the whole store: recompute chains and the Merkle tree from the rows, and check every
signed checkpoint against them. Catches what the database's guards cannot: a superuser's edits."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from services.records.domain.chain import verify_chain
from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import StoredEvent
from services.records.service_layer.audit_report import AuditReport, Problem
from services.records.service_layer.ports import EventStore
from shared.envelope import InvalidEnvelopeError, decode_envelope, encode_envelope
from shared.merkle.checkpoint import open_checkpoint
from shared.merkle.errors import MerkleError
from shared.merkle.hashing import leaf_hash
from shared.merkle.keys import NoteVerifier
from shared.merkle.store import InMemoryNodeStore
from shared.merkle.tree import MerkleTree


async def audit_store(
    store: EventStore, verifiers: Sequence[NoteVerifier], *, origin: str
) -> AuditReport:
    """Reads the store and verifies it; events appended while it reads are left out.

    Checkpoints are read before the size, so each of them must be covered by the events.
    Holds the whole log in memory: fine for now, to be streamed when logs grow.
    """
    checkpoints = await store.checkpoints()
    size = await store.size()
    events = [event for event in await store.events() if event.position < size]
    leaves = {
        index: digest for index, digest in (await store.leaf_hashes()).items() if index < size
    }
    return verify_store(events, leaves, checkpoints, verifiers, origin=origin, size=size)


def verify_store(
    events: Iterable[StoredEvent],
    stored_leaves: Mapping[int, bytes],
    checkpoints: Iterable[StoredCheckpoint],
    verifiers: Sequence[NoteVerifier],
    *,
    origin: str,
    size: int | None = None,
) -> AuditReport:
    """Checks rows, leaf hashes, case chains and checkpoints; pure, no I/O.

    `stored_leaves` is level 0 of the stored Merkle tree; `size` (default: what the rows and
    leaves reach) is how many events the log should hold.
    """
    rows = sorted(events, key=lambda event: event.position)
    if size is None:
        size = max([e.position + 1 for e in rows] + [i + 1 for i in stored_leaves], default=0)
    found = {event.position for event in rows}
    problems = [
        Problem("missing", "no event is stored at this position", position)
        for position in range(size)
        if position not in found
    ]
    for event in rows:
        problems += _event_problems(event, stored_leaves)
    by_case: defaultdict[str, list[StoredEvent]] = defaultdict(list)
    for event in rows:
        by_case[event.case_id].append(event)
    for case_events in by_case.values():
        if broken := verify_chain(case_events):
            problems.append(Problem("chain", broken.reason, broken.position, broken.event_id))
    problems.sort(key=lambda problem: problem.position or 0)
    tree = MerkleTree(InMemoryNodeStore())
    tree.extend(event.leaf for event in rows)
    kept = sorted(checkpoints, key=lambda checkpoint: checkpoint.size)
    for checkpoint in kept:
        if reason := _checkpoint_problem(checkpoint, tree, verifiers, origin):
            problems.append(Problem("checkpoint", reason, checkpoint_size=checkpoint.size))
    return AuditReport(len(rows), len(kept), tuple(problems))


def _event_problems(event: StoredEvent, stored_leaves: Mapping[int, bytes]) -> list[Problem]:
    problems: list[Problem] = []
    if reason := _row_problem(event):
        problems.append(Problem("row", reason, event.position, event.event_id))
    committed = stored_leaves.get(event.position)
    if committed is None:
        problems.append(Problem("leaf", "the Merkle tree has no leaf here", event.position))
    elif committed != leaf_hash(event.leaf):
        reason = "its bytes do not hash to the Merkle tree's leaf: changed or moved"
        problems.append(Problem("leaf", reason, event.position, event.event_id))
    return problems


def _row_problem(event: StoredEvent) -> str:
    try:
        envelope = decode_envelope(event.leaf)
    except InvalidEnvelopeError:
        return "its stored bytes are not a valid envelope"
    if encode_envelope(envelope) != event.leaf:
        return "its stored bytes are not the canonical encoding of an envelope"
    claimed = (event.event_id, event.case_id, event.event_type, event.occurred_at)
    actual = (str(envelope.event_id), envelope.case_id, envelope.type, envelope.occurred_at)
    if claimed != actual or event.recorded_at != envelope.recorded_at:
        return "its columns disagree with its stored envelope"
    return ""


def _checkpoint_problem(
    stored: StoredCheckpoint, tree: MerkleTree, verifiers: Sequence[NoteVerifier], origin: str
) -> str:
    try:
        signed = open_checkpoint(stored.note, verifiers, origin=origin)
    except MerkleError as error:
        return f"its note does not verify: {error}"
    if (signed.size, signed.root_hash) != (stored.size, stored.root_hash):
        return "its columns disagree with its signed note"
    if signed.size > tree.size:
        return f"it covers {signed.size} events, but {tree.size} are stored"
    if tree.root(signed.size) != signed.root_hash:
        return (
            f"its root is not the root of the stored events: one of the first {signed.size} "
            "was changed, removed or moved"
        )
    return ""
