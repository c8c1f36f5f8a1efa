"""After a shred: make the database drop its own freed copies of the wrapped keys at once.

SQLite keeps old versions of a page in the WAL until a checkpoint, and `secure_delete` does not
reach them: a TRUNCATE checkpoint copies the zeroed pages into the database file and empties
the WAL. PostgreSQL keeps the old row version (a dead tuple) in the table until VACUUM: run it
now, not when autovacuum gets round to it. Neither reaches pg_wal, backups or replicas; the
key epoch's close makes those copies useless (docs/decisions/0009-key-epochs.md).
"""

import structlog
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

log = structlog.get_logger(__name__)


async def flush_freed_copies(engine: AsyncEngine, table: Table) -> None:
    """Best effort, after the shred committed: a failure is logged, never raised (the keys
    are destroyed either way; the epoch close is the guarantee)."""
    try:
        if engine.dialect.name == "sqlite":
            async with engine.connect() as connection:
                await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif engine.dialect.name == "postgresql":
            # VACUUM cannot run inside a transaction block.
            autocommit = await engine.connect()
            try:
                connection = await autocommit.execution_options(isolation_level="AUTOCOMMIT")
                await connection.exec_driver_sql(f'VACUUM "{table.name}"')
            finally:
                await autocommit.close()
    except DBAPIError as error:
        log.warning("flushing freed key copies failed", error=type(error).__name__)
