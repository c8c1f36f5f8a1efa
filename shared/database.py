"""The async SQLAlchemy engine of a service (SQLite or PostgreSQL) and its readiness ping."""

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.errors import CaselogError
from shared.settings import CaselogSettings


class DatabaseUnavailableError(CaselogError):
    """The database did not answer; the message names the error type, never the URL."""


def create_engine(settings: CaselogSettings) -> AsyncEngine:
    """An engine for the service's own database, `settings.database_url`."""
    return engine_for_url(settings.database_url)


def engine_for_url(database_url: str) -> AsyncEngine:
    """An engine for `database_url` (`sqlite+aiosqlite` or `postgresql+asyncpg`).

    Connects lazily: building the engine never fails because the database is down.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, hide_parameters=True)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    return engine


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
