"""Each service's app, built through its bootstrap on the in-memory bus and SQLite, starts and
probes."""

import importlib
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from services.runtime.cli import main
from services.runtime.embedded import SERVICES
from shared.bus.errors import BusError
from shared.bus.memory import MemoryBus
from shared.database import create_engine
from shared.infrastructure import Infrastructure
from shared.settings import CaselogSettings, load_settings

TOPICS_FILE = Path(__file__).resolve().parents[2] / "deploy" / "kafka" / "topics.toml"


def service_settings(name: str) -> CaselogSettings:
    return load_settings(
        service_name=name,
        database_url="sqlite+aiosqlite:///:memory:",
        keystore_url="sqlite+aiosqlite:///:memory:",
        topics_file=TOPICS_FILE,
    )


def service_app(name: str, bus: MemoryBus) -> FastAPI:
    settings = service_settings(name)
    module = importlib.import_module(f"services.{name}.entrypoints.http")
    infrastructure = Infrastructure(settings, bus, create_engine(settings))
    app: FastAPI = module.create_app(settings, infrastructure)
    return app


@pytest.mark.parametrize("name", SERVICES)
async def test_service_starts_declares_topics_and_is_ready(name: str) -> None:
    bus = MemoryBus()
    app = service_app(name, bus)

    async with app.router.lifespan_context(app):
        await bus.ping()  # started by the app
        async with AsyncClient(transport=ASGITransport(app), base_url="http://t") as http:
            response = await http.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"bus": "ok", "database": "ok"}
    assert "caselog.intake" in bus.broker.topics
    assert "caselog.intake.dlq" in bus.broker.topics
    with pytest.raises(BusError):
        await bus.ping()  # closed by the app on its way out
    assert app.title == f"caselog {name}"


@pytest.mark.parametrize("name", SERVICES)
async def test_service_is_not_ready_without_its_bus(name: str) -> None:
    bus = MemoryBus()
    app = service_app(name, bus)

    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app), base_url="http://t") as http,
    ):
        bus.broker.available = False
        response = await http.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["bus"]


def test_entry_point_refuses_unknown_services() -> None:
    with pytest.raises(SystemExit):
        main(["serve", "billing"])
