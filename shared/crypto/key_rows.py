"""The key store's data-key rows: a new case's wrapped key, reads by case, and unwrapping."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.crypto.data_key import DataKey
from shared.crypto.epochs import Epoch
from shared.crypto.errors import KeyDestroyedError, KeyNotFoundError
from shared.crypto.kek import EpochKeyring

# Cases per statement of a batch: under even an old SQLite's 999 bound parameters.
_CHUNK = 100


async def new_key_row(
    keyring: EpochKeyring, epoch: Epoch, case_id: str, kid: str, material: bytes
) -> dict[str, Any]:
    """The row that stores the case's new key, wrapped by the KEK of `epoch`."""
    return {
        "case_id": case_id,
        "kid": kid,
        "kek_id": epoch.kek_id,
        "epoch": epoch.number,
        "wrapped": await keyring.wrap(epoch.kek_id, material),
        "created_at": datetime.now(UTC),
    }


async def key_row(connection: AsyncConnection, table: Table, case_id: str) -> Any:
    """The case's row (key or tombstone), or None if it never had one."""
    statement = select(table).where(table.c.case_id == case_id)
    return (await connection.execute(statement)).one_or_none()


async def key_rows(
    connection: AsyncConnection, table: Table, case_ids: Sequence[str]
) -> dict[str, Any]:
    """The rows of those cases that have one, by case id."""
    statement = select(table).where(table.c.case_id.in_(case_ids))
    return {row.case_id: row for row in await connection.execute(statement)}


def in_chunks(case_ids: list[str]) -> list[list[str]]:
    # Bounded statements: SQLite caps the bound parameters of one statement.
    return [case_ids[i : i + _CHUNK] for i in range(0, len(case_ids), _CHUNK)]


async def unwrapped_key(
    unwrap: Callable[[str, bytes], Awaitable[bytes]], case_id: str, row: Any
) -> DataKey:
    """The key of the case's row; KeyDestroyedError for a tombstone, KeyNotFoundError
    for no row."""
    if row is None:
        raise KeyNotFoundError(f"no data key for case {case_id}")
    if row.destroyed_at is not None:
        raise KeyDestroyedError(f"data key {row.kid} of case {case_id} was destroyed")
    return DataKey(row.kid, await unwrap(row.kek_id, row.wrapped))
