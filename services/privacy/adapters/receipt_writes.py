"""Applying the changes that follow a receipt after it was issued: its records checkpoint bound
in, the log positions of its events, and the completion statement of its epoch."""

import json

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.privacy.adapters.tables import (
    completions,
    erasure_positions,
    receipt_states,
    requests,
)
from services.privacy.service_layer import changes as c
from shared.crypto.tables import insert_unless_present


async def receipt_tracked(connection: AsyncConnection, change: c.ReceiptTracked) -> None:
    row = {
        "request_id": change.request_id,
        "epoch": change.epoch,
        "event_ids": json.dumps(list(change.event_ids)),
        "bound": change.bound,
        "completed_epoch": None,
    }
    await insert_unless_present(connection, receipt_states, row)


async def receipt_bound(connection: AsyncConnection, change: c.ReceiptBound) -> None:
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


async def erasure_acknowledged(connection: AsyncConnection, change: c.ErasureAcknowledged) -> None:
    row = {"event_id": change.event_id, "position": change.position}
    await insert_unless_present(connection, erasure_positions, row)


async def completion_issued(connection: AsyncConnection, change: c.CompletionIssued) -> None:
    row = {"closed_epoch": change.closed_epoch, "document": change.completion.model_dump_json()}
    if not await insert_unless_present(connection, completions, row):
        return  # this epoch's statement was issued already
    state = receipt_states.c
    await connection.execute(
        update(receipt_states)
        .where(state.request_id.in_(list(change.request_ids)), state.completed_epoch.is_(None))
        .values(completed_epoch=change.closed_epoch)
    )
