"""The engine's pool on the real PostgreSQL server: an idle connection the server dropped is
replaced on checkout (the idle ping), so the caller never sees it."""

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

import shared.database
from shared.database import engine_for_url
from tests.integration.databases import fresh_database


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def terminate(database_url: str, pid: int) -> None:
    url = make_url(database_url).set(drivername="postgresql")
    admin = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_an_idle_connection_the_server_dropped_is_replaced_on_checkout(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with fresh_database(postgres_url) as url:
        engine = engine_for_url(url)
        try:
            dropped = await backend_pid(engine)
            await terminate(url, dropped)
            monkeypatch.setattr(shared.database, "PING_AFTER_IDLE_S", 0.0)  # idle long enough
            assert await backend_pid(engine) != dropped
        finally:
            await engine.dispose()
