"""Policy's unit of work: one transaction on its database, with the decision store on it;
committed by the handler that means it, rolled back on leaving otherwise."""

from collections.abc import Callable
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.policy.service_layer.ports import DecisionStore
from shared.handling import SqlUnitOfWork


class PolicyUnitOfWork(SqlUnitOfWork):
    """`decisions`: processed inputs, subject states and erasure markers, in this transaction."""

    decisions: DecisionStore

    def __init__(
        self, engine: AsyncEngine, decisions_on: Callable[[AsyncConnection], DecisionStore]
    ) -> None:
        super().__init__(engine)
        self._engine = engine
        self._decisions_on = decisions_on

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.decisions = self._decisions_on(self.connection(self._engine))
        return self
