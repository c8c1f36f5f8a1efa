"""KEK rotation: re-wrap every stored DEK under the current KEK; no event is read or written."""

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.crypto.kek import KeyEncryptionKey
from shared.crypto.tables import CryptoTables


@dataclass(frozen=True, slots=True)
class RewrapReport:
    """How many DEKs moved to `kek_id`, and how many were already under it."""

    kek_id: str
    rewrapped: int
    already_current: int


async def rewrap_data_keys(
    engine: AsyncEngine, tables: CryptoTables, kek: KeyEncryptionKey, *, batch_size: int = 500
) -> RewrapReport:
    """Move every live DEK to `kek.kek_id`. Safe to re-run and to run beside live traffic.

    When it reports, no DEK needs a previous KEK any more, so those can be retired.
    A DEK destroyed meanwhile stays destroyed: each update re-checks the row.
    """
    table = tables.data_keys
    live = table.c.destroyed_at.is_(None)
    rewrapped, after = 0, ""
    while True:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(table.c.case_id, table.c.kek_id, table.c.wrapped)
                    .where(live, table.c.kek_id != kek.kek_id, table.c.case_id > after)
                    .order_by(table.c.case_id)
                    .limit(batch_size)
                )
            ).all()
        if not rows:
            break
        for row in rows:
            wrapped = await kek.wrap(await kek.unwrap(row.kek_id, row.wrapped))
            async with engine.begin() as connection:
                result = await connection.execute(
                    update(table)
                    .where(table.c.case_id == row.case_id, table.c.kek_id == row.kek_id, live)
                    .values(kek_id=kek.kek_id, wrapped=wrapped)
                )
            rewrapped += result.rowcount
        after = rows[-1].case_id
    async with engine.connect() as connection:
        current = await connection.scalar(
            select(func.count()).select_from(table).where(live, table.c.kek_id == kek.kek_id)
        )
    return RewrapReport(kek.kek_id, rewrapped, int(current or 0) - rewrapped)
