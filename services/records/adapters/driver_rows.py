"""PostgreSQL reads on asyncpg itself, under the SQLAlchemy connection a statement runs on: the
rows as the driver decodes them (binary protocol, statements prepared once per connection),
with none of SQLAlchemy's per-row result handling, which cost the log's long reads (an audit,
a case's replay, a proof's nodes) three to five times the database's own work. Called inside
`AsyncConnection.run_sync`, as every statement of the store is; off PostgreSQL, None."""

from collections.abc import Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.util import await_


def driver_of(connection: Connection) -> Any | None:
    """The asyncpg connection under `connection` on PostgreSQL, else None."""
    if connection.dialect.name != "postgresql":
        return None
    return connection.connection.driver_connection


def fetch(connection: Connection, query: str, *args: Any) -> Sequence[Any]:
    """The rows of `query` (PostgreSQL's $n parameters) as asyncpg Records, which unpack and
    index like tuples. In the connection's transaction if one is open; reads of the log need
    none (it is append-only: what one statement saw stays true)."""
    driver = driver_of(connection)
    if driver is None:
        raise DBAPIError(query, None, ValueError("asyncpg reads are PostgreSQL's only"))
    try:
        rows: Sequence[Any] = await_(driver.fetch(query, *args))
        return rows
    except asyncpg.PostgresError as error:
        # As SQLAlchemy raises them, so callers catch one family. `from None`: the driver's
        # detail may quote a row.
        raise DBAPIError(query, None, error) from None
