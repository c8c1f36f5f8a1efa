"""Applying the other changes: holds, recommendations, requests, copies, the records
checkpoint last acknowledged, and what follows a receipt after it was issued (its records
checkpoint bound in, the log positions of its events, the completion statement of its epoch)."""

import json
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.privacy.adapters.case_writes import Write
from services.privacy.adapters.tables import (
    checkpoint,
    completions,
    copies,
    erasure_positions,
    holds,
    receipt_states,
    recommendations,
    requests,
)
from services.privacy.domain.holds import Hold
from services.privacy.domain.requests import PrivacyRequest
from services.privacy.service_layer import changes
from shared.crypto.tables import insert_unless_present
from shared.sql_types import as_utc


async def recommendation_made(
    connection: AsyncConnection, change: changes.RecommendationMade
) -> None:
    found = change.recommendation
    await insert_unless_present(
        connection,
        recommendations,
        {"recommendation_id": found.recommendation_id, "document": found.model_dump_json()},
    )


async def hold_saved(connection: AsyncConnection, change: changes.HoldSaved) -> None:
    hold = change.hold
    row = {"hold_id": hold.hold_id, "active": hold.active, "document": hold.model_dump_json()}
    await insert_unless_present(connection, holds, row)
    if hold.recommendation_id is not None:
        await connection.execute(
            update(recommendations)
            .where(recommendations.c.recommendation_id == hold.recommendation_id)
            .values(hold_id=hold.hold_id)
        )


async def hold_release_requested(
    connection: AsyncConnection, change: changes.HoldReleaseRequested
) -> None:
    await _update_active_hold(
        connection,
        change.hold_id,
        {"release_requested_by": change.requested_by, "release_requested_at": change.requested_at},
        active=True,
    )


async def hold_ended(connection: AsyncConnection, change: changes.HoldEnded) -> None:
    released = {
        "released_by": change.released_by,
        "released_at": change.released_at,
        "release_note": change.note,
    }
    await _update_active_hold(connection, change.hold_id, released, active=False)


async def _update_active_hold(
    connection: AsyncConnection, hold_id: str, values: dict[str, Any], *, active: bool
) -> None:
    query = select(holds.c.document).where(holds.c.hold_id == hold_id, holds.c.active)
    document = await connection.scalar(query)
    if document is None:
        return  # released already (or placed by an event not read yet)
    changed = Hold.model_validate_json(document).model_copy(update=values)
    await connection.execute(
        update(holds)
        .where(holds.c.hold_id == hold_id)
        .values(active=active, document=changed.model_dump_json())
    )


async def request_saved(connection: AsyncConnection, change: changes.RequestSaved) -> None:
    """A new request, or the new state of a known one (registration details are kept)."""
    request = change.request
    query = select(requests.c.document).where(requests.c.request_id == request.request_id)
    known = await connection.scalar(query)
    if known is None:
        row = {"request_id": request.request_id, "kind": request.kind.value}
        await insert_unless_present(
            connection, requests, {**row, "document": request.model_dump_json()}
        )
        return
    updated = PrivacyRequest.model_validate_json(known).model_copy(
        update={"status": request.status, "fulfilled_at": request.fulfilled_at}
    )
    await connection.execute(
        update(requests)
        .where(requests.c.request_id == request.request_id)
        .values(document=updated.model_dump_json())
    )


async def receipt_saved(connection: AsyncConnection, change: changes.ReceiptSaved) -> None:
    await connection.execute(
        update(requests)
        .where(requests.c.request_id == change.request_id)
        .values(receipt=change.receipt.model_dump_json())
    )


async def copy_stored(connection: AsyncConnection, change: changes.CopyStored) -> None:
    """The copy's row, or its new version (a correction) in place of the old one."""
    copy = change.copy
    version = {
        "version": copy.version,
        "key_slot": copy.key_slot,
        "sha256": copy.sha256,
        "sealed": copy.sealed,
    }
    replaced = await connection.execute(
        update(copies).where(copies.c.copy_id == copy.copy_id).values(**version)
    )
    if replaced.rowcount:
        return
    row = {
        "copy_id": copy.copy_id,
        "case_id": change.case_id,
        "closed_at": as_utc(change.closed_at),
        "closure_reason": change.closure_reason,
    }
    await insert_unless_present(connection, copies, {**row, **version})


async def copy_removed(connection: AsyncConnection, change: changes.CopyRemoved) -> None:
    await connection.execute(delete(copies).where(copies.c.copy_id == change.copy_id))


async def copies_expired(connection: AsyncConnection, change: changes.CopiesExpired) -> None:
    await connection.execute(delete(copies).where(copies.c.copy_id.in_(change.copy_ids)))


async def checkpoint_seen(connection: AsyncConnection, change: changes.CheckpointSeen) -> None:
    seen = change.checkpoint
    size, document = seen.tree_size or 0, seen.model_dump_json()
    # Acknowledgements of several partitions arrive in any order: keep the largest log. The
    # log grows, so the update nearly always finds its row: one statement.
    grown = await connection.execute(
        update(checkpoint)
        .where(checkpoint.c.slot == 1, checkpoint.c.tree_size < size)
        .values(tree_size=size, document=document)
    )
    if grown.rowcount == 0:  # no row yet, or a smaller log than the one kept
        row = {"slot": 1, "tree_size": size, "document": document}
        await insert_unless_present(connection, checkpoint, row)


async def receipt_tracked(connection: AsyncConnection, change: changes.ReceiptTracked) -> None:
    row = {
        "request_id": change.request_id,
        "epoch": change.epoch,
        "event_ids": json.dumps(list(change.event_ids)),
        "bound": change.bound,
        "completed_epoch": None,
    }
    await insert_unless_present(connection, receipt_states, row)


async def receipt_bound(connection: AsyncConnection, change: changes.ReceiptBound) -> None:
    state = receipt_states.c
    bound = await connection.execute(
        update(receipt_states)
        .where(state.request_id == change.request_id, state.bound.is_(False))
        .values(bound=True)
    )
    if bound.rowcount == 1:  # bound once: a second instance binding it too changes nothing
        await connection.execute(
            update(requests)
            .where(requests.c.request_id == change.request_id)
            .values(receipt=change.receipt.model_dump_json())
        )


async def erasure_acknowledged(
    connection: AsyncConnection, change: changes.ErasureAcknowledged
) -> None:
    row = {"event_id": change.event_id, "position": change.position}
    await insert_unless_present(connection, erasure_positions, row)


async def completion_issued(connection: AsyncConnection, change: changes.CompletionIssued) -> None:
    row = {"closed_epoch": change.closed_epoch, "document": change.completion.model_dump_json()}
    if not await insert_unless_present(connection, completions, row):
        return  # this epoch's statement was issued already
    state = receipt_states.c
    await connection.execute(
        update(receipt_states)
        .where(state.request_id.in_(list(change.request_ids)), state.completed_epoch.is_(None))
        .values(completed_epoch=change.closed_epoch)
    )


WRITES: dict[type[Any], Write] = {
    changes.RecommendationMade: recommendation_made,
    changes.HoldSaved: hold_saved,
    changes.HoldReleaseRequested: hold_release_requested,
    changes.HoldEnded: hold_ended,
    changes.RequestSaved: request_saved,
    changes.ReceiptSaved: receipt_saved,
    changes.CopiesExpired: copies_expired,
    changes.CopyStored: copy_stored,
    changes.CopyRemoved: copy_removed,
    changes.CheckpointSeen: checkpoint_seen,
    changes.ReceiptTracked: receipt_tracked,
    changes.ReceiptBound: receipt_bound,
    changes.ErasureAcknowledged: erasure_acknowledged,
    changes.CompletionIssued: completion_issued,
}
"""Each other change, by type, and the function that writes it."""
