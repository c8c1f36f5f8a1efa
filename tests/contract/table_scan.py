"""Reads back every value of every table with a prefix, to look for what must not be stored."""

import base64
from typing import Any

from sqlalchemy import MetaData, Table, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


def text_forms(secret: bytes) -> list[str]:
    """The ways bytes can end up in text: repr, hex, base64, Latin-1."""
    return [
        repr(secret),
        secret.hex(),
        base64.b64encode(secret).decode(),
        base64.urlsafe_b64encode(secret).decode(),
        secret.decode("latin-1"),
    ]


async def stored_values(engine: AsyncEngine, prefix: str) -> list[Any]:
    """Every column value of every row of every table whose name starts with `prefix`."""

    def read(connection: Connection) -> list[Any]:
        values: list[Any] = []
        for name in inspect(connection).get_table_names():
            if name.startswith(prefix):
                table = Table(name, MetaData(), autoload_with=connection)
                for row in connection.execute(select(table)):
                    values.extend(row)
        assert values, f"no rows in tables named {prefix}*"
        return values

    async with engine.connect() as connection:
        return await connection.run_sync(read)


def found_in(values: list[Any], secret: bytes) -> list[Any]:
    """The stored values that contain `secret` as bytes or in any of its text forms."""
    forms = text_forms(secret)
    return [
        value
        for value in values
        if (isinstance(value, bytes | memoryview) and secret in bytes(value))
        or (isinstance(value, str) and any(form in value for form in forms))
    ]
