"""Policy's decision store on SQLite (a file per test) and on the real PostgreSQL server (a
database per test, dropped after it), through the unit of work its handlers use."""

from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.policy.adapters.decision_store import SqlDecisionStore
from services.policy.adapters.tables import create_tables
from services.policy.service_layer.unit_of_work import PolicyUnitOfWork
from shared.database import engine_for_url
from tests.integration.databases import fresh_database


@pytest.fixture(params=["sqlite", "postgres"])
async def policy_engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        engine = engine_for_url(f"sqlite+aiosqlite:///{tmp_path / 'policy.sqlite3'}")
        await create_tables(engine)
        yield engine
        await engine.dispose()
        return
    async with fresh_database(request.getfixturevalue("postgres_url")) as url:
        engine = engine_for_url(url)
        await create_tables(engine)
        yield engine
        await engine.dispose()


@pytest.fixture
def work(policy_engine: AsyncEngine) -> Callable[[], PolicyUnitOfWork]:
    """A new unit of work on the store, as `bootstrap` wires it."""
    return partial(PolicyUnitOfWork, policy_engine, SqlDecisionStore)
