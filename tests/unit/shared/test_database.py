"""The engine factory and the readiness ping, on SQLite files and an unreachable server."""

from pathlib import Path

import pytest
from sqlalchemy import text

from shared.database import DatabaseUnavailableError, create_engine, ping
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
