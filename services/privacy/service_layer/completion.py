"""Completing erasures when a key epoch closes: a `keys.epoch_closed` event makes privacy sign
one completion statement naming every receipt of that epoch (or an earlier one) not completed
yet. From then on, no residual copy of their destroyed keys can be unwrapped."""

from services.privacy.domain.events import EpochClosed
from services.privacy.domain.receipt import CompletedReceipt, CompletionStatement
from services.privacy.service_layer.changes import Change, CompletionIssued
from services.privacy.service_layer.ports import Clock, PrivacyStore, ReceiptSigner


async def complete_epoch(
    store: PrivacyStore, signer: ReceiptSigner, clock: Clock, event_id: str, closed: EpochClosed
) -> list[Change]:
    """The statement for this close (nothing if one was issued for the epoch already).

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
