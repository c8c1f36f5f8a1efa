"""Binding erasure receipts to the records log: once records has acknowledged every
`subject.erased` event of a receipt and signed a checkpoint whose tree includes them, the
receipt is re-signed carrying that checkpoint; until then it says the binding is pending."""

from collections.abc import Mapping, Sequence

from services.privacy.domain.receipt import ErasureReceipt, RecordsCheckpoint
from services.privacy.service_layer.changes import Change, ReceiptBound
from services.privacy.service_layer.ports import PrivacyStore, ReceiptSigner


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
