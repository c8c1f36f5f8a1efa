"""Each service's app, built through its bootstrap on fake infrastructure, starts and probes."""

import asyncio
import importlib
from collections.abc import Sequence
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from services.runtime.cli import main
from services.runtime.embedded import SERVICES
from shared.bus.errors import BusError
from shared.bus.interface import Bus, Consumer, Handler, Transform
from shared.bus.messages import OutgoingMessage
from shared.bus.policy import DeliveryPolicy
from shared.bus.topics import TopicSpec
from shared.database import create_engine
from shared.infrastructure import Infrastructure
from shared.settings import CaselogSettings, load_settings

TOPICS_FILE = Path(__file__).resolve().parents[2] / "deploy" / "kafka" / "topics.toml"


class IdleConsumer(Consumer):
    """A consumer that receives nothing and stops when asked."""

    def __init__(self) -> None:
        self._stop = asyncio.Event()

    async def run(self) -> None:
        await self._stop.wait()

    def request_stop(self) -> None:
        self._stop.set()

    @property
    def assignment(self) -> frozenset[tuple[str, int]]:
        return frozenset()

    async def wait_assigned(self, timeout_s: float) -> frozenset[tuple[str, int]]:
        return frozenset()


class FakeBus(Bus):
    """Records lifecycle calls; `healthy` decides what ping says."""

    def __init__(self, *, healthy: bool = True) -> None:
        self.healthy = healthy
        self.calls: list[str] = []
        self.topics: list[str] = []

    async def start(self) -> None:
        self.calls.append("start")

    async def close(self) -> None:
        self.calls.append("close")

    async def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        self.topics = [spec.name for spec in specs]

    async def publish(self, message: OutgoingMessage) -> None:
        raise NotImplementedError

    async def ping(self) -> None:
        if not self.healthy:
            raise BusError("broker unavailable")

    async def delete_consumed(self, group: str, topic: str) -> dict[tuple[str, int], int]:
        self.calls.append(f"delete consumed {topic}")
        return {}

    def subscribe(
        self,
        group: str,
        topics: Sequence[str],
        handler: Handler,
        policy: DeliveryPolicy | None = None,
    ) -> Consumer:
        self.calls.append(f"subscribe {','.join(topics)}")
        return IdleConsumer()

    def transform(
        self,
        group: str,
        topics: Sequence[str],
        transform: Transform,
        policy: DeliveryPolicy | None = None,
    ) -> Consumer:
        self.calls.append(f"transform {','.join(topics)}")
        return IdleConsumer()


def service_settings(name: str) -> CaselogSettings:
    return load_settings(
        service_name=name,
        database_url="sqlite+aiosqlite:///:memory:",
        keystore_url="sqlite+aiosqlite:///:memory:",
        topics_file=TOPICS_FILE,
    )


def service_app(name: str, bus: FakeBus) -> FastAPI:
    settings = service_settings(name)
    module = importlib.import_module(f"services.{name}.entrypoints.http")
    infrastructure = Infrastructure(settings, bus, create_engine(settings))
    app: FastAPI = module.create_app(settings, infrastructure)
    return app


@pytest.mark.parametrize("name", SERVICES)
async def test_service_starts_declares_topics_and_is_ready(name: str) -> None:
    bus = FakeBus()
    app = service_app(name, bus)

    async with app.router.lifespan_context(app):
        assert bus.calls[0] == "start"
        async with AsyncClient(transport=ASGITransport(app), base_url="http://t") as http:
            response = await http.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"bus": "ok", "database": "ok"}
    assert "caselog.intake" in bus.topics
    assert "caselog.intake.dlq" in bus.topics
    assert bus.calls[0] == "start"
    assert bus.calls[-1] == "close"
    assert app.title == f"caselog {name}"


@pytest.mark.parametrize("name", SERVICES)
async def test_service_is_not_ready_without_its_bus(name: str) -> None:
    app = service_app(name, FakeBus(healthy=False))

    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app), base_url="http://t") as http,
    ):
        response = await http.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["bus"]


def test_entry_point_refuses_unknown_services() -> None:
    with pytest.raises(SystemExit):
        main(["serve", "billing"])
