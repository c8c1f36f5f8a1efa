"""The key store and subject index tables, and the conflict-ignoring insert both rely on."""

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.crypto.errors import CryptoError


@dataclass(frozen=True, slots=True)
class CryptoTables:
    """One set of tables; the prefix lets tests (and several stores) share one database."""

    metadata: MetaData
    data_keys: Table
    subjects: Table
    subject_links: Table


def crypto_tables(prefix: str = "caselog_") -> CryptoTables:
    metadata = MetaData()
    # One row per case, for ever: destroying the key blanks `kek_id` and `wrapped` and
    # fills the `destroyed_*` columns, so the row itself is the tombstone, and no later
    # insert for the case can bring a key back.
    data_keys = Table(
        f"{prefix}data_keys",
        metadata,
        Column("case_id", String(128), primary_key=True),
        Column("kid", String(64), nullable=False, unique=True),
        Column("kek_id", String(128), nullable=True),
        Column("wrapped", LargeBinary, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("destroyed_at", DateTime(timezone=True), nullable=True),
        Column("destroyed_by", String(128), nullable=True),
        Column("destroy_reason", String(512), nullable=True),
    )
    # Keyed by the HMAC of the normalized identity; the identity itself is never stored.
    subjects = Table(
        f"{prefix}subjects",
        metadata,
        Column("digest", LargeBinary(32), primary_key=True),
        Column("subject_id", String(64), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Index(f"{prefix}subjects_subject_id", "subject_id"),
    )
    # A subject found to be the same person as another (a consultation gave identities of
    # both) is linked to the one kept: every identity row then names the kept subject, and
    # this row remembers the other one, whose earlier events still carry its id.
    subject_links = Table(
        f"{prefix}subject_links",
        metadata,
        Column("subject_id", String(64), primary_key=True),
        Column("linked_to", String(64), nullable=False),
        Column("linked_at", DateTime(timezone=True), nullable=False),
        Index(f"{prefix}subject_links_linked_to", "linked_to"),
    )
    return CryptoTables(metadata, data_keys, subjects, subject_links)


async def create_tables(engine: AsyncEngine, tables: CryptoTables) -> None:
    """Create the tables that are missing (at start-up; existing ones are left alone)."""
    async with engine.begin() as connection:
        await connection.run_sync(tables.metadata.create_all)


async def insert_unless_present(
    connection: AsyncConnection, table: Table, row: Mapping[str, Any]
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on the primary key; True if this row went in.

    The database settles races between processes: callers re-select afterwards and
    all of them see the one row that won.
    """
    statement = _insert_unless_present(connection.dialect.name, table)
    result = await connection.execute(statement, dict(row))
    return bool(result.rowcount == 1)


async def insert_all_unless_present(
    connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]
) -> set[Any]:
    """`insert_unless_present` for several rows in one statement; the primary keys (of a
    one-column key) of the rows that went in."""
    [key] = table.primary_key.columns
    statement = _insert_unless_present(connection.dialect.name, table).returning(key)
    result = await connection.execute(statement, rows)
    return set(result.scalars())


@functools.lru_cache(maxsize=256)
def _insert_unless_present(dialect: str, table: Table) -> Any:
    # Built once, values bound per call: SQLAlchemy then reuses its compiled form instead
    # of building a cache key from every value of every insert.
    key = [column.name for column in table.primary_key.columns]
    match dialect:
        case "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing(index_elements=key)
        case "sqlite":
            return sqlite.insert(table).on_conflict_do_nothing(index_elements=key)
        case other:
            raise CryptoError(f"the key store does not support the {other} dialect")
