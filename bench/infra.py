"""The real Kafka broker and PostgreSQL server a run measures on, found as the tests find them:
an address in the environment, else testcontainers, else the project's local scripts."""

import asyncio
from collections.abc import Callable

from sqlalchemy.engine import make_url

from tests.integration.databases import fresh_database
from tests.support.infra import KAFKA_IMAGE, Endpoint, find_kafka, find_postgres

__all__ = ["Infrastructure", "asyncpg_url", "fresh_database"]


class Infrastructure:
    """Finds (or starts) each service on first use, once per run; `close` stops what it started."""

    def __init__(self) -> None:
        self._found: dict[str, Endpoint] = {}
        self._lock = asyncio.Lock()

    async def kafka(self) -> str:
        return (await self._endpoint("kafka", find_kafka)).address

    async def postgres(self) -> str:
        """A postgresql+asyncpg:// URL of a database the run may create databases from."""
        return (await self._endpoint("postgres", find_postgres)).address

    def origins(self) -> dict[str, str]:
        return {name: endpoint.origin for name, endpoint in self._found.items()}

    def kafka_image(self) -> str:
        return KAFKA_IMAGE

    def close(self) -> None:
        for endpoint in self._found.values():
            endpoint.close()

    async def _endpoint(self, name: str, finder: Callable[[], Endpoint]) -> Endpoint:
        async with self._lock:
            if name not in self._found:
                # The finders may run a start script for minutes: keep the loop free meanwhile.
                self._found[name] = await asyncio.to_thread(finder)
            return self._found[name]


def asyncpg_url(url: str) -> str:
    """asyncpg wants postgresql://; SQLAlchemy's URL names the driver."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
