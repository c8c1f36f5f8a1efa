"""Erasure receipts after they are signed: bound to the records log once records has
acknowledged every `subject.erased` event of a receipt in a signed checkpoint (re-signed then;
pending until), completed by the signed statement of their key epoch's close, and served with
where each erasure stands."""

from collections.abc import Mapping, Sequence

from services.privacy.domain.events import EpochClosed
from services.privacy.domain.receipt import (
    CompletedReceipt,
    CompletionStatement,
    ErasureReceipt,
    ErasureState,
    RecordsCheckpoint,
    SignedReceipt,
    SubjectErasure,
)
from services.privacy.domain.requests import RequestKind
from services.privacy.service_layer.changes import Change, CompletionIssued, ReceiptBound
from services.privacy.service_layer.messages import ReceiptFile, SubjectErasures
from services.privacy.service_layer.ports import (
    Clock,
    PrivacyDependencies,
    PrivacyStore,
    ReceiptSigner,
)


def pending_checkpoint(latest: RecordsCheckpoint | None, events: int) -> RecordsCheckpoint:
    """What a receipt says before records has signed a checkpoint that includes its events."""
    waiting = (
        f"pending: no records checkpoint that includes this erasure's {events} subject.erased"
        " events had been acknowledged yet; the receipt is re-signed with one when it is"
        " (GET /privacy/v1/requests/{request_id}/receipt)"
    )
    if latest is None:
        return RecordsCheckpoint(available=False, detail=waiting)
    # The latest acknowledged sizes, for orientation; the note is left out: it does not
    # include this erasure, and a receipt must not look bound to it.
    return latest.model_copy(update={"note": None, "bound": False, "detail": waiting})


def covering(
    latest: RecordsCheckpoint | None, event_ids: Sequence[str], positions: Mapping[str, int]
) -> RecordsCheckpoint | None:
    """`latest` as bound into a receipt, if it is a signed checkpoint whose tree includes
    every one of `event_ids` (a tree of size n holds the leaves 0..n-1), else None."""
    if not event_ids or any(event_id not in positions for event_id in event_ids):
        return None
    if latest is None or latest.note is None or latest.checkpoint_size is None:
        return None
    ordered = tuple(positions[event_id] for event_id in event_ids)
    if latest.checkpoint_size <= max(ordered):
        return None
    detail = (
        f"the signed checkpoint of size {latest.checkpoint_size} includes this erasure's"
        f" {len(ordered)} subject.erased events (log positions {', '.join(map(str, ordered))})"
    )
    return latest.model_copy(update={"bound": True, "event_positions": ordered, "detail": detail})


async def bind_receipts(store: PrivacyStore, signer: ReceiptSigner) -> list[Change]:
    """Re-signed receipts for every unbound receipt the latest checkpoint now covers."""
    pending = await store.unbound_receipts()
    if not pending:
        return []
    latest = await store.checkpoint()
    found: list[Change] = []
    for request_id, event_ids in pending:
        bound = covering(latest, event_ids, await store.erasure_positions(event_ids))
        signed = await store.receipt(request_id) if bound is not None else None
        if bound is None or signed is None:
            continue
        receipt = ErasureReceipt.model_validate(signed.receipt)
        found.append(
            ReceiptBound(
                request_id, signer.sign(receipt.model_copy(update={"records_checkpoint": bound}))
            )
        )
    return found


async def complete_epoch(
    store: PrivacyStore, signer: ReceiptSigner, clock: Clock, event_id: str, closed: EpochClosed
) -> list[Change]:
    """A `keys.epoch_closed` event's completion statement: one, naming every receipt of that
    epoch (or an earlier one) not completed yet; nothing if the epoch has one already. From
    then on, no residual copy of their destroyed keys can be unwrapped.

    A receipt tracked while the statement is being made is not named by it; the next close
    names it (its epoch is then older than the one closed), so none stays pending for ever.
    """
    if await store.completion(closed.closed_epoch) is not None:
        return []
    receipts = await store.incomplete_receipts(closed.closed_epoch)
    statement = CompletionStatement(
        closed_epoch=closed.closed_epoch,
        destroyed_kek_id=closed.destroyed_kek_id,
        closed_at=closed.closed_at,
        epoch_event_id=event_id,
        completes=tuple(CompletedReceipt(request_id=r, epoch=e) for r, e in receipts),
        issued_at=clock(),
    )
    return [
        CompletionIssued(
            closed.closed_epoch,
            signer.sign_completion(statement),
            [request_id for request_id, _ in receipts],
        )
    ]


async def receipt_file(query: ReceiptFile, deps: PrivacyDependencies) -> SignedReceipt | None:
    """The receipt as stored, with the completion statement that names it, if any."""
    signed = await deps.store.receipt(query.request_id)
    if signed is None:
        return None
    completion = await deps.store.completion_of(query.request_id)
    return signed.model_copy(update={"completion": completion}) if completion else signed


async def subject_erasures(
    query: SubjectErasures, deps: PrivacyDependencies
) -> list[SubjectErasure]:
    """Every erasure of these subjects, oldest request first, with its state."""
    wanted = set(query.subject_ids)
    found = []
    for request in await deps.store.requests(RequestKind.ERASURE):
        covered = [s for s in request.subject_ids if s in wanted]
        signed = await deps.store.receipt(request.request_id) if covered else None
        if signed is None:
            continue
        receipt = ErasureReceipt.model_validate(signed.receipt)
        residual = receipt.residual_copies
        completion = await deps.store.completion_of(request.request_id)
        done = completion is not None or (residual is None and not receipt.keys_destroyed)
        found += [
            SubjectErasure(
                subject_id=subject,
                request_id=request.request_id,
                status=request.status,
                state=ErasureState.COMPLETE if done else ErasureState.PENDING,
                epoch=residual.epoch if residual else None,
                unreadable_by=residual.unreadable_by if residual else None,
                completed_by_epoch=(
                    int(completion.statement["closed_epoch"]) if completion else None
                ),
            )
            for subject in covered
        ]
    return found
