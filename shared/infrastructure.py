"""The bus and the database a service runs on: built from settings, started and closed together."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bus.factory import build_bus
from shared.bus.interface import Bus
from shared.bus.topics import load_topic_specs
from shared.database import create_engine, ping
from shared.settings import CaselogSettings


@dataclass(frozen=True, slots=True)
class Infrastructure:
    """One service's connections; tests build it from fakes instead of from settings."""

    settings: CaselogSettings
    bus: Bus
    engine: AsyncEngine

    def readiness_checks(self) -> dict[str, Callable[[], Awaitable[None]]]:
        """The checks behind /readyz, by the name it reports."""
        return {"bus": self.bus.ping, "database": partial(ping, self.engine)}

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Start the bus and declare the topics; on exit close the bus and the engine."""
        await self.bus.start()
        try:
            await self.bus.ensure_topics(load_topic_specs(self.settings.topics_file))
            yield
        finally:
            try:
                await self.bus.close()
            finally:
                await self.engine.dispose()


def build_infrastructure(settings: CaselogSettings) -> Infrastructure:
    """The bus chosen by `settings.bus` and the engine for `settings.database_url`."""
    return Infrastructure(settings, build_bus(settings), create_engine(settings))
