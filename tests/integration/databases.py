"""Test support: a fresh PostgreSQL database per test on the real server, dropped afterwards."""

import contextlib
import uuid
from collections.abc import AsyncIterator

import asyncpg
from sqlalchemy.engine import make_url
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_fixed

# FORCE may not end a backend it does not own, e.g. an autovacuum worker still busy after a
# large insert ("must be a member of the role whose process is being terminated"): it goes
# away by itself, so the drop is tried again (for up to a minute: a worker on a shared, loaded
# machine can take that long over the million rows of B14).
_TRANSIENT = (asyncpg.exceptions.InsufficientPrivilegeError, asyncpg.exceptions.ObjectInUseError)


@contextlib.asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    """The SQLAlchemy URL of a new, empty database on the server of `server_url`."""
    url = make_url(server_url)
    name = f"caselog_test_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await drop_database(url.set(database=name).render_as_string(hide_password=False))


async def drop_database(database_url: str) -> None:
    """Drop the database of `database_url`, closing its connections (WITH FORCE)."""
    url = make_url(database_url)
    # From the maintenance database: a database cannot be dropped from inside itself.
    admin = url.set(drivername="postgresql", database="postgres")
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(_TRANSIENT),
        stop=stop_after_attempt(120),
        wait=wait_fixed(0.5),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
            try:
                await connection.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            finally:
                await connection.close()
