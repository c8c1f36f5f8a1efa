"""Auditing the whole store: recompute chains and the Merkle tree from the rows, and check every
signed checkpoint against them. Catches what the database's guards cannot: a superuser's edits."""

from collections.abc import Callable, Iterable, Mapping, Sequence

from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import StoredEvent
from services.records.service_layer.audit_report import AuditReport
from services.records.service_layer.ports import EventStore
from services.records.service_layer.store_audit import StoreAudit
from shared.merkle.keys import NoteVerifier

AUDIT_PAGE = 5000
"""Rows per read: about 7 MB of 1 KiB events; fewer, larger reads let the audit keep hashing."""
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
    Memory holds one page, the tree's right edge and one chain link per case.
    """
    checkpoints = await store.checkpoints()
    size = await store.size()
    audit = StoreAudit(checkpoints, verifiers, origin)
    position = 0
    while position < size:
        rows = [event for event in await store.events_from(position, page) if event.position < size]
        if not rows:
            break
        end = rows[-1].position + 1
        audit.add(rows, await store.leaf_hashes_between(position, end))
        position = end
        if progress is not None:
            progress(position)
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
