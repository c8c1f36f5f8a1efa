"""The handler table dispatches by exact type; a unit of work keeps only what it commits."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.handling import HandlerTable, HandlerTableError, SqlUnitOfWork


@dataclass(frozen=True)
class Greet:
    name: str


@dataclass(frozen=True)
class LoudGreet(Greet):
    pass


@dataclass(frozen=True)
class Deps:
    prefix: str


async def test_a_message_goes_to_the_handler_of_its_exact_type() -> None:
    table: HandlerTable[Deps, str] = HandlerTable("test")

    @table.handles(Greet)
    async def greet(message: Greet, deps: Deps) -> str:
        return f"{deps.prefix} {message.name}"

    assert await table.handle(Greet("Ann"), Deps("hello")) == "hello Ann"
    assert table.message_types == {Greet}
    with pytest.raises(HandlerTableError, match="no handler for LoudGreet"):
        await table.handle(LoudGreet("Ann"), Deps("hello"))


def test_a_type_has_one_handler() -> None:
    table: HandlerTable[Deps, str] = HandlerTable("test")

    @table.handles(Greet)
    async def first(message: Greet, deps: Deps) -> str:
        return "first"

    with pytest.raises(HandlerTableError, match="already has a handler"):

        @table.handles(Greet)
        async def second(message: Greet, deps: Deps) -> str:
            return "second"


@pytest.fixture
async def engines(tmp_path: Path) -> AsyncIterator[list[AsyncEngine]]:
    made = [create_async_engine(f"sqlite+aiosqlite:///{tmp_path / name}") for name in ("a", "b")]
    for engine in made:
        async with engine.begin() as connection:
            await connection.execute(sa.text("CREATE TABLE t (v INTEGER)"))
    yield made
    for engine in made:
        await engine.dispose()


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(sa.text("SELECT count(*) FROM t"))).scalar_one())


async def _insert(uow: SqlUnitOfWork, engine: AsyncEngine) -> None:
    await uow.connection(engine).execute(sa.text("INSERT INTO t VALUES (1)"))


async def test_a_unit_of_work_commits_every_store_or_none(engines: list[AsyncEngine]) -> None:
    first, second = engines
    async with SqlUnitOfWork(first, second) as uow:
        await _insert(uow, first)
        await _insert(uow, second)
        # no commit: a duplicate found half-way simply returns
    assert (await _count(first), await _count(second)) == (0, 0)

    async def fails_half_way() -> None:
        async with SqlUnitOfWork(first, second) as uow:
            await _insert(uow, first)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await fails_half_way()
    assert await _count(first) == 0

    async with SqlUnitOfWork(first, second) as uow:
        await _insert(uow, first)
        await _insert(uow, second)
        await uow.commit()
    assert uow.committed
    assert (await _count(first), await _count(second)) == (1, 1)


async def test_one_engine_given_twice_shares_one_transaction(engines: list[AsyncEngine]) -> None:
    first, _ = engines
    async with SqlUnitOfWork(first, first) as uow:
        await _insert(uow, first)
        # a second connection's write transaction on the same SQLite file would wait here
        await _insert(uow, first)
        await uow.commit()
    assert await _count(first) == 2
