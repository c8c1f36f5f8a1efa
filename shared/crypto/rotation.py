"""Closing a key epoch: a fresh KEK, every live DEK re-wrapped under it in batches, then the old
KEK destroyed in its keyring. No event is read or written; it runs beside live traffic.

Crash-safe by order: the new epoch is recorded (and the old one marked closing) before any
key moves; the old KEK is destroyed only once no live key needs it; the epoch is marked
closed only after that. A crash at any point leaves every live key readable, and the next
close (any process) resumes the one left closing.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.crypto.epoch_rows import (
    CLOSE_LEASE,
    CLOSING,
    OPEN,
    epoch_in_state,
    held_lease,
    mark_closed,
    open_first_epoch,
    switch_epochs,
)
from shared.crypto.epochs import Epoch, EpochClosure
from shared.crypto.kek import EpochKeyring
from shared.crypto.tables import CryptoTables

Unwrap = Callable[[str, bytes], Awaitable[bytes]]
BATCH_SIZE = 500


async def close_epoch(
    engine: AsyncEngine,
    tables: CryptoTables,
    keyring: EpochKeyring,
    unwrap: Unwrap,
    *,
    length: timedelta,
    holder: str,
    if_open: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> EpochClosure | None:
    """Close the open epoch (or finish the close a crash interrupted) and open the next.

    `if_open`: close only if that epoch is still the open one (a scheduler that saw it due);
    None comes back if another process closed it meanwhile. `unwrap` opens a key under any
    KEK the store holds, the fixed ones of keys stored before key epochs included.
    MUST NOT destroy a KEK that a live key still needs; MUST NOT re-wrap a destroyed key.
    """
    epochs = tables.epochs
    # Unique per run, so two closes by the same caller are still two holders.
    holder = f"{holder[:90]}#{uuid4().hex}"
    async with held_lease(engine, tables.leases, CLOSE_LEASE, holder) as renew:
        async with engine.begin() as connection:
            closing = await epoch_in_state(connection, epochs, CLOSING)
            opened = await epoch_in_state(connection, epochs, OPEN)
            if opened is None:
                opened = await open_first_epoch(connection, epochs, keyring, length)
        if closing is None:
            if if_open is not None and opened.number != if_open:
                return None
            kek_id = await keyring.create()
            async with engine.begin() as connection:
                closing, opened = await switch_epochs(connection, epochs, opened, kek_id, length)
        rewrapped = await _rewrap_into(
            engine, tables, opened, closing, keyring, unwrap, renew, batch_size
        )
        await keyring.destroy(closing.kek_id)
        closed_at = datetime.now(UTC)
        async with engine.begin() as connection:
            await mark_closed(connection, epochs, closing.number, closed_at)
    return EpochClosure(closing, opened, rewrapped, closed_at)


async def _rewrap_into(
    engine: AsyncEngine,
    tables: CryptoTables,
    opened: Epoch,
    closing: Epoch,
    keyring: EpochKeyring,
    unwrap: Unwrap,
    renew: Callable[[], Awaitable[None]],
    batch_size: int,
) -> int:
    """Move every live key not under `opened` to it; the total moved by every run of this
    close (a resumed one counts what the crashed one moved)."""
    table, epochs = tables.data_keys, tables.epochs
    # Tombstones have no kek_id (NULL never compares unequal), and `destroyed_at` says so too.
    stale = (table.c.destroyed_at.is_(None), table.c.kek_id != opened.kek_id)
    moved = (
        update(table)
        .where(
            table.c.case_id == bindparam("c_id"),
            table.c.kek_id == bindparam("old_kek"),
            table.c.destroyed_at.is_(None),
        )
        .values(kek_id=opened.kek_id, epoch=opened.number, wrapped=bindparam("new_wrapped"))
    )
    while True:
        after = ""
        while True:
            async with engine.connect() as connection:
                rows = (
                    await connection.execute(
                        select(table.c.case_id, table.c.kek_id, table.c.wrapped)
                        .where(*stale, table.c.case_id > after)
                        .order_by(table.c.case_id)
                        .limit(batch_size)
                    )
                ).all()
            if not rows:
                break
            updates = [
                {
                    "c_id": row.case_id,
                    "old_kek": row.kek_id,
                    "new_wrapped": await keyring.wrap(
                        opened.kek_id, await unwrap(row.kek_id, row.wrapped)
                    ),
                }
                for row in rows
            ]
            batch = [row.case_id for row in rows]
            async with engine.begin() as connection:
                await connection.execute(moved, updates)
                # Counted, not taken from rowcount (drivers differ for executemany): a key
                # destroyed meanwhile was not moved.
                count = await connection.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.case_id.in_(batch), table.c.kek_id == opened.kek_id)
                )
                await connection.execute(
                    update(epochs)
                    .where(epochs.c.number == closing.number)
                    .values(rewrapped_keys=epochs.c.rewrapped_keys + int(count or 0))
                )
            await renew()
            after = rows[-1].case_id
        async with engine.connect() as connection:
            left = await connection.scalar(select(func.count()).select_from(table).where(*stale))
            total = await connection.scalar(
                select(epochs.c.rewrapped_keys).where(epochs.c.number == closing.number)
            )
        if not left:
            return int(total or 0)
