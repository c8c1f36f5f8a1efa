"""The one shape of every service: a typed table of handlers, and units of work.

After cosmicpython's message bus and unit of work. Entry points (HTTP routes, bus consumers)
only decode what arrives into a message (a command, or an event read through the contracts)
and hand it to the service's `HandlerTable`; a handler does the work inside a unit of work,
which commits only when the handler says so and rolls back whatever else happens — an
exception, a duplicate found half-way, a cancelled task — so no control-flow exception is
needed to undo a transaction.
"""

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from shared.errors import CaselogError

DepsT = TypeVar("DepsT")
ResultT = TypeVar("ResultT")
MessageT = TypeVar("MessageT")

Handler = Callable[[MessageT, DepsT], Awaitable[ResultT]]
"""A handler: the message, the service's dependencies (what `bootstrap` wired), its answer."""


class HandlerTableError(CaselogError):
    """A message type registered twice, or handed over with no handler (a wiring mistake)."""


class HandlerTable(Generic[DepsT, ResultT]):
    """Message type -> handler, one table per service, filled where the handlers are defined.

    `handle` dispatches on the exact type of the message: a subclass is not its parent, so a
    new message type cannot be handled by accident.
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self._handlers: dict[type[Any], Handler[Any, DepsT, ResultT]] = {}

    def handles(
        self, message_type: type[MessageT]
    ) -> Callable[[Handler[MessageT, DepsT, ResultT]], Handler[MessageT, DepsT, ResultT]]:
        """Decorator: the function handles `message_type` (stack it for several types)."""

        def register(
            handler: Handler[MessageT, DepsT, ResultT],
        ) -> Handler[MessageT, DepsT, ResultT]:
            if message_type in self._handlers:
                raise HandlerTableError(
                    f"{self.service}: {message_type.__name__} already has a handler"
                )
            self._handlers[message_type] = handler
            return handler

        return register

    @property
    def message_types(self) -> frozenset[type[Any]]:
        """Every type the service handles (what its entry points may decode into)."""
        return frozenset(self._handlers)

    async def handle(self, message: object, deps: DepsT) -> ResultT:
        try:
            handler = self._handlers[type(message)]
        except KeyError:
            raise HandlerTableError(
                f"{self.service}: no handler for {type(message).__name__}"
            ) from None
        return await handler(message, deps)


class UnitOfWork(Protocol):
    """What handlers and the group commit (shared.group_commit) see of a unit of work: a block
    that commits by `commit()` and rolls back on leaving it otherwise."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class SqlUnitOfWork:
    """Transactions on one or more databases that end together: committed by `commit()` in the
    order the engines were given (the store that must never miss a row first), rolled back on
    leaving the block without a commit.

    Subclasses build their repositories on `connection(engine)` in `__aenter__`. The same
    engine given twice shares one connection: two write transactions on one SQLite file would
    wait for each other.
    """

    def __init__(self, *engines: AsyncEngine) -> None:
        if not engines:
            raise ValueError("a unit of work needs at least one engine")
        self._engines: tuple[AsyncEngine, ...] = tuple(dict.fromkeys(engines))
        self._open: dict[int, tuple[AsyncConnection, AsyncTransaction]] = {}
        self._committed = False

    async def __aenter__(self) -> Self:
        if self._open:
            raise RuntimeError("a unit of work is entered once")
        self._committed = False
        try:
            for engine in self._engines:
                connection = await engine.connect()
                self._open[id(engine)] = (connection, await connection.begin())
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._close()

    def connection(self, engine: AsyncEngine) -> AsyncConnection:
        """The open connection of `engine`'s transaction."""
        try:
            return self._open[id(engine)][0]
        except KeyError:
            raise RuntimeError("that engine is not part of this unit of work") from None

    @property
    def committed(self) -> bool:
        return self._committed

    async def commit(self) -> None:
        """Commit every transaction, in the engines' order; the block then ends without undo."""
        for engine in self._engines:
            await self._open[id(engine)][1].commit()
        self._committed = True

    async def _close(self) -> None:
        # Whatever was not committed is rolled back by closing its connection; a rollback that
        # fails must not hide the error that ended the block.
        open_now, self._open = self._open, {}
        for connection, transaction in open_now.values():
            try:
                if transaction.is_active:
                    await transaction.rollback()
            finally:
                await connection.close()
