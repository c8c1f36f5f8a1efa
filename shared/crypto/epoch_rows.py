"""Key epochs in the key store's database: the open epoch, the first one, switching epochs,
inserting a key only under the open epoch, and the lease that lets one close run at a time."""

import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.crypto.epochs import Epoch, EpochClosure
from shared.crypto.errors import CryptoError
from shared.crypto.kek import EpochKeyring
from shared.crypto.tables import CryptoTables, insert_unless_present
from shared.database import insert_or_ignore
from shared.sql_types import as_utc

OPEN, CLOSING, CLOSED = "open", "closing", "closed"
CLOSE_LEASE = "close-epoch"
# A close renews its lease after every batch; one that crashed frees it after this long.
LEASE_S = 60.0


class EpochCloseInProgressError(CryptoError):
    """Another close of the key epoch holds the lease (in this process or another)."""


def epoch_from_row(row: Any) -> Epoch:
    return Epoch(row.number, row.kek_id, as_utc(row.opened_at), as_utc(row.closes_by))


async def epoch_in_state(connection: AsyncConnection, epochs: Table, state: str) -> Epoch | None:
    """The epoch in `state` (the open one, or one closing); None if there is none."""
    statement = select(epochs).where(epochs.c.state == state).order_by(epochs.c.number.desc())
    row = (await connection.execute(statement.limit(1))).one_or_none()
    return None if row is None else epoch_from_row(row)


async def open_first_epoch(
    connection: AsyncConnection, epochs: Table, keyring: EpochKeyring, length: timedelta
) -> Epoch:
    """Epoch 1, opened with a new KEK unless another process opened it first (its KEK wins;
    ours is destroyed). Keys stored before key epochs stay under their fixed KEK until the
    first close re-wraps them."""
    kek_id = await keyring.create()
    now = datetime.now(UTC)
    row = _epoch_row(1, kek_id, now, length)
    if not await insert_unless_present(connection, epochs, row):
        await keyring.destroy(kek_id)
    epoch = await epoch_in_state(connection, epochs, OPEN)
    if epoch is None:
        raise CryptoError("the key store has epochs but none is open")
    return epoch


async def switch_epochs(
    connection: AsyncConnection, epochs: Table, current: Epoch, kek_id: str, length: timedelta
) -> tuple[Epoch, Epoch]:
    """Mark `current` closing and open the next epoch under `kek_id`, in the caller's
    transaction; (closing, opened).

    The row lock (FOR UPDATE on PostgreSQL; SQLite's single writer) waits for every key
    insert still in flight under `current` (each holds a share lock on its epoch's row), so
    once this commits, every key of `current` is visible to the re-wrap and no new one can
    be stored under it.
    """
    locked = select(epochs.c.number).where(epochs.c.number == current.number)
    await connection.execute(locked.with_for_update())
    result = await connection.execute(
        update(epochs)
        .where(epochs.c.number == current.number, epochs.c.state == OPEN)
        .values(state=CLOSING)
    )
    if result.rowcount != 1:
        raise CryptoError(f"key epoch {current.number} is no longer open")
    opened = _epoch_row(current.number + 1, kek_id, datetime.now(UTC), length)
    await connection.execute(epochs.insert().values(**opened))
    return current, Epoch(opened["number"], kek_id, opened["opened_at"], opened["closes_by"])


async def mark_closed(
    connection: AsyncConnection, epochs: Table, number: int, closed_at: datetime
) -> None:
    await connection.execute(
        update(epochs)
        .where(epochs.c.number == number, epochs.c.state == CLOSING)
        .values(state=CLOSED, closed_at=closed_at)
    )


async def unannounced_closures(engine: AsyncEngine, epochs: Table) -> list[EpochClosure]:
    """Closed epochs whose `keys.epoch_closed` has not gone out yet, oldest first."""
    async with engine.connect() as connection:
        rows = {row.number: row for row in await connection.execute(select(epochs))}
    return [
        EpochClosure(
            closed=epoch_from_row(row),
            opened=epoch_from_row(rows[number + 1]),
            rewrapped_keys=row.rewrapped_keys,
            closed_at=as_utc(row.closed_at),
        )
        for number, row in sorted(rows.items())
        if row.state == CLOSED and row.announced_at is None and number + 1 in rows
    ]


async def mark_announced(engine: AsyncEngine, epochs: Table, number: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            update(epochs).where(epochs.c.number == number).values(announced_at=datetime.now(UTC))
        )


async def insert_under_open_epoch(
    connection: AsyncConnection, tables: CryptoTables, row: dict[str, Any]
) -> bool:
    """INSERT the key row unless the case has one or `row["epoch"]` is no longer open; True
    if it went in. One statement, so a close cannot slip between the check and the insert:
    the check takes a share lock on the epoch's row (PostgreSQL) or runs under SQLite's
    write lock."""
    statement = _insert_under_open_epoch(connection.dialect.name, tables)
    result = await connection.execute(statement, row)
    return bool(result.rowcount == 1)


@functools.lru_cache(maxsize=64)
def _insert_under_open_epoch(dialect: str, tables: CryptoTables) -> Any:
    keys, epochs = tables.data_keys, tables.epochs
    columns = ["case_id", "kid", "kek_id", "epoch", "wrapped", "created_at"]
    epoch_open = (
        select(epochs.c.number)
        .where(epochs.c.number == bindparam("epoch"), epochs.c.state == OPEN)
        .with_for_update(read=True, key_share=True)
    )
    values = select(*(bindparam(name, type_=keys.c[name].type) for name in columns)).where(
        exists(epoch_open)
    )
    return insert_or_ignore(dialect, keys, ("case_id",)).from_select(columns, values)


@asynccontextmanager
async def held_lease(
    engine: AsyncEngine, leases: Table, name: str, holder: str
) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Hold lease `name` for the block (EpochCloseInProgressError if anyone holds it);
    yields `renew`, to call at least every LEASE_S seconds. A compare-and-set on one row, the
    same on both databases: unlike a session lock it can span many transactions without
    blocking anyone else's writes, and a holder that crashed frees it by expiring."""

    async def claim(condition: Any) -> bool:
        async with engine.begin() as connection:
            result = await connection.execute(
                update(leases)
                .where(leases.c.name == name, condition)
                .values(holder=holder, expires_at_s=time.time() + LEASE_S)
            )
        return bool(result.rowcount == 1)

    async with engine.begin() as connection:
        await insert_unless_present(
            connection, leases, {"name": name, "holder": "", "expires_at_s": 0.0}
        )
    if not await claim(leases.c.expires_at_s < time.time()):
        raise EpochCloseInProgressError("another close of the key epoch is running")

    async def renew() -> None:
        if not await claim(leases.c.holder == holder):
            raise EpochCloseInProgressError("the close lost its lease (it ran too long)")

    try:
        yield renew
    finally:
        async with engine.begin() as connection:
            await connection.execute(
                update(leases)
                .where(leases.c.name == name, leases.c.holder == holder)
                .values(holder="", expires_at_s=0.0)
            )


def _epoch_row(number: int, kek_id: str, now: datetime, length: timedelta) -> dict[str, Any]:
    return {
        "number": number,
        "kek_id": kek_id,
        "state": OPEN,
        "opened_at": now,
        "closes_by": now + length,
        "rewrapped_keys": 0,
    }
