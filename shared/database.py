"""The async SQLAlchemy engine of a service (SQLite or PostgreSQL) and its readiness ping."""

import functools
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from shared.errors import CaselogError
from shared.secret_files import private_data_file
from shared.settings import CaselogSettings

POOL_SIZE, POOL_OVERFLOW = 16, 8
PING_AFTER_IDLE_S = 5.0
_CHECKED_IN = "caselog_checked_in"


class DatabaseUnavailableError(CaselogError):
    """The database did not answer; the message names the error type, never the URL."""


class UnsupportedDatabaseError(CaselogError):
    """A statement was asked for a database caselog does not run on (only SQLite, PostgreSQL)."""


InsertOrIgnore = postgresql.Insert | sqlite.Insert


@functools.lru_cache(maxsize=256)
def insert_or_ignore(
    dialect_name: str, table: Table, conflict_columns: tuple[str, ...] | None = None
) -> InsertOrIgnore:
    """INSERT ... ON CONFLICT DO NOTHING into `table` in the dialect named (`connection.dialect
    .name`): on `conflict_columns`' unique index if given, else on any conflict.

    The database settles races between writers, where a select-then-insert would let two in.
    Built once per table, values bound per call: SQLAlchemy then reuses its compiled form.
    Call `.from_select(...)` on it to insert rows a query finds."""
    insert: InsertOrIgnore
    match dialect_name:
        case "postgresql":
            insert = postgresql.insert(table)
        case "sqlite":
            insert = sqlite.insert(table)
        case other:
            raise UnsupportedDatabaseError(f"caselog does not support the {other} database")
    return insert.on_conflict_do_nothing(index_elements=conflict_columns)


def create_engine(settings: CaselogSettings) -> AsyncEngine:
    """An engine for the service's own database, `settings.database_url`."""
    return engine_for_url(settings.database_url)


def engine_for_url(database_url: str) -> AsyncEngine:
    """An engine for `database_url` (`sqlite+aiosqlite` or `postgresql+asyncpg`).

    Connects lazily: building the engine never fails because the database is down.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        engine = create_async_engine(
            url,
            hide_parameters=True,
            # Above `pool_size`, each connection is closed on return and a new one opened
            # on the next checkout (seconds of CPU a minute under steady load): sized for
            # the concurrency a service meets (B3 drives 16 requests at once).
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
        )
        event.listen(engine.sync_engine.pool, "checkin", _note_checkin)
        event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle)
        return engine
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        private_data_file(Path(database))
    engine = create_async_engine(url, hide_parameters=True)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    return engine


def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _ping_if_idle(
    dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
) -> None:
    """`pool_pre_ping`, but only for a connection that sat idle: one in steady use just
    answered (a ping per checkout costs a round trip and ~10% of a small request's CPU).
    A connection lost while busy fails its statement, and SQLAlchemy then replaces every
    pooled connection older than the failure, as it does after a failed pre-ping."""
    checked_in = record.info.get(_CHECKED_IN)
    if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_S:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
    except Exception as error:  # noqa: BLE001 - any failure: reconnect (the pool retries)
        message = f"idle connection failed its ping: {type(error).__name__}"
        raise DisconnectionError(message) from None


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite leaves foreign keys off by default; WAL lets readers run beside a writer.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


async def ping(engine: AsyncEngine) -> None:
    """Raise DatabaseUnavailableError unless a trivial query succeeds (used by /readyz)."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any driver failure means "not ready"
        # Driver messages can contain the host, user or password of the URL.
        raise DatabaseUnavailableError(f"database ping failed: {type(error).__name__}") from None
