"""Crypto-shredding in batches: blanking data keys into tombstones, and reading tombstones."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.crypto.data_key import new_key_id
from shared.crypto.errors import CryptoError
from shared.crypto.key_rows import in_chunks, key_rows
from shared.crypto.tables import insert_all_unless_present
from shared.sql_types import as_utc

# The widths of the tombstone's columns (see tables.py).
_ACTOR_CHARS, _REASON_CHARS = 128, 512


@dataclass(frozen=True, slots=True)
class Tombstone:
    """What remains of a destroyed key: which, whose, when, by whom and why."""

    kid: str
    case_id: str
    destroyed_at: datetime
    destroyed_by: str
    reason: str


def check_destroy_audit(actor: str, reason: str) -> None:
    """A destroy must say who and why, within the widths of the tombstone's columns."""
    if not 0 < len(actor) <= _ACTOR_CHARS or not 0 < len(reason) <= _REASON_CHARS:
        raise CryptoError(
            f"destroy needs an actor of 1-{_ACTOR_CHARS} and a reason of 1-{_REASON_CHARS}"
            " characters"
        )


async def shred_within(
    connection: AsyncConnection, table: Table, case_ids: list[str], *, actor: str, reason: str
) -> dict[str, Any]:
    """Blank the keys of `case_ids` (distinct) in the caller's transaction, and tombstone
    every case, one that never had a key too; the rows afterwards, by case id."""
    now = datetime.now(UTC)
    tombstone = {"destroyed_at": now, "destroyed_by": actor, "destroy_reason": reason}
    rows: dict[str, Any] = {}
    if connection.dialect.name == "sqlite":
        # Have SQLite zero the freed bytes in its file, not merely unlink them.
        await connection.exec_driver_sql("PRAGMA secure_delete=ON")
    for chunk in in_chunks(case_ids):
        await insert_all_unless_present(
            connection,
            table,
            [
                {"case_id": case_id, "kid": new_key_id(), "created_at": now, **tombstone}
                for case_id in chunk
            ],
        )
        await connection.execute(
            update(table)
            .where(table.c.case_id.in_(chunk), table.c.destroyed_at.is_(None))
            .values(kek_id=None, wrapped=None, **tombstone)
        )
        rows |= await key_rows(connection, table, chunk)
    return rows


async def read_tombstones(
    engine: AsyncEngine, table: Table, case_ids: list[str]
) -> dict[str, Tombstone | None]:
    """The tombstones of `case_ids` (distinct); None for a case not destroyed."""
    rows: dict[str, Any] = {}
    if case_ids:
        async with engine.connect() as connection:
            for chunk in in_chunks(case_ids):
                rows |= await key_rows(connection, table, chunk)
    return {
        case_id: None
        if (row := rows.get(case_id)) is None or row.destroyed_at is None
        else tombstone_from_row(row)
        for case_id in case_ids
    }


def tombstone_from_row(row: Any) -> Tombstone:
    return Tombstone(
        row.kid, row.case_id, as_utc(row.destroyed_at), row.destroyed_by, row.destroy_reason
    )
