"""Statements over many rows at once. On PostgreSQL an append's rows go in with COPY and a lookup
takes one array parameter: a row-by-row `executemany` and an `IN` list of hundreds of
parameters cost more than the database's own work."""

from collections.abc import Collection, Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import BindParameter, ColumnElement, Table, any_, insert, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.util import await_

from services.records.domain.errors import RecordsError


def insert_rows(connection: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Inserts `rows` (values for every column of `table`, in order) in the connection's
    transaction.

    COPY is an INSERT to PostgreSQL: the append-only triggers, the grants (INSERT is all it
    needs) and every constraint apply as to any insert; a clash raises IntegrityError as ever.
    """
    if not rows:
        return
    names = [column.name for column in table.columns]
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])
        return
    driver = connection.connection.driver_connection
    # The driver's own call bypasses SQLAlchemy's lazy BEGIN: outside a transaction it would
    # commit on its own, apart from the rest of the append.
    if driver is None or not driver.is_in_transaction():
        raise RecordsError("rows are copied only inside an open transaction")
    try:
        await_(driver.copy_records_to_table(table.name, records=rows, columns=names))
    except asyncpg.PostgresError as error:
        # As SQLAlchemy would raise them, so callers catch one family of errors. `from None`,
        # no parameters: the driver's detail quotes the row it refused.
        kind = (
            IntegrityError
            if isinstance(error, asyncpg.IntegrityConstraintViolationError)
            else DBAPIError
        )
        raise kind(f"COPY {table.name}", None, error) from None


def among(
    connection: Connection, column: ColumnElement[Any], values: Collection[Any]
) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(array)`, one parameter however many."""
    if connection.dialect.name == "postgresql":
        return column == any_(as_array(column, values))
    return column.in_(values)


def as_array(column: ColumnElement[Any], values: Collection[Any]) -> BindParameter[Any]:
    """PostgreSQL: `values` as one array parameter of `column`'s type."""
    return literal(list(values), ARRAY(column.type))
