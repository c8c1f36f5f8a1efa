"""The key store and subject index tables, and the conflict-ignoring insert both rely on."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    inspect,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.database import InsertOrIgnore, insert_or_ignore


@dataclass(frozen=True, slots=True)
class CryptoTables:
    """One set of tables; the prefix lets tests (and several stores) share one database."""

    metadata: MetaData
    data_keys: Table
    subjects: Table
    subject_links: Table
    epochs: Table
    leases: Table


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
        # The key epoch whose KEK wraps the key; NULL: stored before key epochs, under a
        # configured fixed KEK (re-wrapped into an epoch at the first close).
        Column("epoch", Integer, nullable=True),
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
    # One row per key epoch: `open` (the one that wraps new keys; exactly one), `closing` (its
    # keys being re-wrapped, its KEK still kept), `closed` (its KEK destroyed).
    epochs = Table(
        f"{prefix}key_epochs",
        metadata,
        Column("number", Integer, primary_key=True, autoincrement=False),
        Column("kek_id", String(128), nullable=False, unique=True),
        Column("state", String(16), nullable=False),
        Column("opened_at", DateTime(timezone=True), nullable=False),
        Column("closes_by", DateTime(timezone=True), nullable=False),
        Column("closed_at", DateTime(timezone=True), nullable=True),
        Column("rewrapped_keys", Integer, nullable=False, default=0),
        # When `keys.epoch_closed` went out for this epoch: a close whose event was lost in a
        # crash is announced by the next run.
        Column("announced_at", DateTime(timezone=True), nullable=True),
    )
    # Named leases (one: "close-epoch"), so two closes never run at once in any process.
    leases = Table(
        f"{prefix}key_leases",
        metadata,
        Column("name", String(64), primary_key=True),
        Column("holder", String(128), nullable=False),
        Column("expires_at_s", Float, nullable=False),
    )
    return CryptoTables(metadata, data_keys, subjects, subject_links, epochs, leases)


async def create_tables(engine: AsyncEngine, tables: CryptoTables) -> None:
    """Create the tables that are missing (at start-up; existing ones are left alone)."""
    async with engine.begin() as connection:
        await connection.run_sync(tables.metadata.create_all)
        await connection.run_sync(_add_epoch_column, tables.data_keys.name)


def _add_epoch_column(connection: Any, table_name: str) -> None:
    # A key store made before key epochs: its rows keep NULL (the fixed KEK that wraps them).
    columns = {column["name"] for column in inspect(connection).get_columns(table_name)}
    if "epoch" not in columns:
        connection.exec_driver_sql(f"ALTER TABLE {table_name} ADD COLUMN epoch INTEGER")


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


def _insert_unless_present(dialect: str, table: Table) -> InsertOrIgnore:
    return insert_or_ignore(dialect, table, tuple(c.name for c in table.primary_key.columns))
