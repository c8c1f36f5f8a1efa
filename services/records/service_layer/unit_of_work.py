"""Records' unit of work: one write transaction on the log, and one at a time per store.

A handler appends (events, their Merkle nodes and chain links), keeps a checkpoint or a
witness's cosignature inside it and calls `commit()`; leaving the block any other way — an
error, a refused batch, a cancelled task — rolls all of it back, so the log never holds an
event without its leaf or a leaf without its event.
"""

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.records.service_layer.ports import LogTransaction
from shared.handling import SqlUnitOfWork


class RecordsUnitOfWork(SqlUnitOfWork):
    """`log` is the log as this transaction sees and writes it.

    Holds `writer` from entry to exit: appends of one store follow each other (the tree's right
    edge and the next positions are read at the start of each), and across processes the
    PostgreSQL adapter adds an advisory lock in the transaction.
    """

    log: LogTransaction

    def __init__(
        self,
        engine: AsyncEngine,
        log_on: Callable[[AsyncConnection], LogTransaction],
        writer: asyncio.Lock,
    ) -> None:
        super().__init__(engine)
        self._engine, self._log_on, self._writer = engine, log_on, writer

    async def __aenter__(self) -> Self:
        await self._writer.acquire()
        try:
            await super().__aenter__()
            self.log = self._log_on(self.connection(self._engine))
        except BaseException:
            await super().__aexit__(None, None, None)
            self._writer.release()
            raise
        return self

    async def __aexit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await super().__aexit__(error_type, error, traceback)
        finally:
            self._writer.release()

    async def commit(self) -> None:
        await super().commit()
        self.log.committed()
