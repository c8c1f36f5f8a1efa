"""The engine factory, the readiness ping and insert-or-ignore, on SQLite files and an
unreachable server (insert-or-ignore on PostgreSQL: the key store contract suite)."""

from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, select, text

from shared.database import (
    DatabaseUnavailableError,
    UnsupportedDatabaseError,
    create_engine,
    engine_for_url,
    insert_or_ignore,
    ping,
)
from shared.settings import load_settings


async def test_sqlite_file_engine_creates_its_directory_and_answers(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "intake.sqlite3"
    engine = create_engine(
        load_settings(service_name="intake", database_url=f"sqlite+aiosqlite:///{path}")
    )
    try:
        await ping(engine)
        async with engine.connect() as connection:
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
    finally:
        await engine.dispose()

    assert path.exists()
    assert foreign_keys == 1


async def test_unreachable_server_fails_the_ping_without_credentials() -> None:
    # Port 1 on the loopback interface: refused at once, no network involved.
    url = "postgresql+asyncpg://caselog:hunter2@127.0.0.1:1/caselog"
    engine = create_engine(load_settings(service_name="intake", database_url=url))
    try:
        with pytest.raises(DatabaseUnavailableError) as raised:
            await ping(engine)
    finally:
        await engine.dispose()

    assert "hunter2" not in str(raised.value)
    assert raised.value.__cause__ is None


async def test_insert_or_ignore_keeps_the_first_row_of_a_key_and_refuses_other_databases(
    tmp_path: Path,
) -> None:
    metadata = MetaData()
    table = Table("pairs", metadata, Column("name", String, primary_key=True), Column("v", String))
    engine = engine_for_url(f"sqlite+aiosqlite:///{tmp_path / 'pairs.sqlite3'}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            statement = insert_or_ignore(connection.dialect.name, table, ("name",))
            first = await connection.execute(statement, {"name": "a", "v": "first"})
            second = await connection.execute(statement, {"name": "a", "v": "second"})
            rows = (await connection.execute(select(table.c.v))).scalars().all()
    finally:
        await engine.dispose()

    assert (first.rowcount, second.rowcount) == (1, 0)
    assert rows == ["first"]
    with pytest.raises(UnsupportedDatabaseError, match="mysql"):
        insert_or_ignore("mysql", table)
