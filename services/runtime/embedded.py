"""All four services in one process and one HTTP server, on the embedded bus and SQLite."""

import importlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from shared.settings import CaselogSettings, load_settings

SERVICES = ("intake", "policy", "records", "privacy")


def service_app(name: str, settings: CaselogSettings) -> FastAPI:
    """The app of service `name`, imported by name so a process loads only what it runs."""
    module = importlib.import_module(f"services.{name}.entrypoints.http")
    app: FastAPI = module.create_app(settings)
    return app


def embedded_app(base: CaselogSettings) -> FastAPI:
    """One app mounting every service under /<name>, each with settings of its own."""
    apps = {
        name: service_app(name, load_settings(**{**_shared_fields(base), "service_name": name}))
        for name in SERVICES
    }

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Starlette does not run the lifespan of mounted apps; the parent runs them all.
        async with AsyncExitStack() as stack:
            for app in apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            if base.demo_seed:
                # Imported here: processes serving one service never load the demo data.
                from services.runtime.demo import seed_demo

                await seed_demo(apps["intake"].state.intake)
            yield

    root = FastAPI(title="caselog (embedded)", lifespan=lifespan)

    @root.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        links = "".join(
            f'<li><b>{name}</b>: <a href="/{name}/docs">API</a> · '
            f'<a href="/{name}/readyz">ready?</a> · <a href="/{name}/metrics">metrics</a></li>'
            for name in SERVICES
        )
        return f"<!doctype html><title>caselog</title><h1>caselog</h1><ul>{links}</ul>"

    @root.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for name, app in apps.items():
        root.mount(f"/{name}", app)
    return root


def _shared_fields(base: CaselogSettings) -> dict[str, object]:
    """The settings every embedded service shares; per-service ones (name, database) are derived."""
    fields = base.model_dump(exclude={"service_name", "database_url", "kafka_client_id"})
    fields["bus"] = "embedded"
    return fields
