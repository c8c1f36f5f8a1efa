"""The system B12 and B13 measure: the embedded services (`caselog run`'s app: the four
services, SQLite, the embedded bus) on a loopback port, and the console beside them as
`caselog serve console` runs it, signed in; both timed by a `ServerClock` of their own.

Served as the console's integration tests serve it (tests/integration/console_serving.py), with
every data file in the benchmark's folder instead of ./data.
"""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from starlette.routing import Mount

from bench.console.server_clock import ServerClock
from services.records.adapters.case_index import SqlCaseIndex
from services.records.bootstrap import Records
from services.runtime.embedded import data_dir_settings
from shared.auth.roles import Role
from shared.settings import load_settings
from tests.integration.console_serving import Services, embedded_services, signed_in_console

CLIENT_TIMEOUT_S = 120.0  # a slow page is a figure, not an error


@dataclass(frozen=True)
class ConsoleStack:
    services: Services
    console: httpx.AsyncClient  # a browser signed in to the console
    api: httpx.AsyncClient  # the services' APIs; each call brings its own token
    services_clock: ServerClock
    console_clock: ServerClock

    def headers(self, role: Role) -> dict[str, str]:
        return self.services.headers(role)

    @property
    def records(self) -> Records:
        """The records service inside the embedded app, for seeding through its own append
        path (never for what is measured: that goes over HTTP)."""
        records: Records = mounted(self.services.app, "records").state.records
        return records

    @property
    def case_index(self) -> SqlCaseIndex:
        """The index records' search reads, for bulk-loading B13's cases."""
        index: SqlCaseIndex = mounted(self.services.app, "records").state.case_index
        return index


@contextlib.asynccontextmanager
async def console_stack(folder: Path, role: Role) -> AsyncIterator[ConsoleStack]:
    services_clock, console_clock = ServerClock(), ServerClock()
    async with (
        embedded_services(
            folder, instrument=services_clock.instrument, **_data_files(folder / "data")
        ) as services,
        signed_in_console(services, role.value, instrument=console_clock.instrument) as console,
        httpx.AsyncClient(base_url=services.url, timeout=CLIENT_TIMEOUT_S) as api,
    ):
        console.timeout = httpx.Timeout(CLIENT_TIMEOUT_S)
        yield ConsoleStack(services, console, api, services_clock, console_clock)


def _data_files(data_dir: Path) -> dict[str, object]:
    """The settings `caselog run --data-dir` moves (key store, keyrings, signing keys), and a
    quiet log: the runner prints its table on stdout."""
    base = load_settings(service_name="caselog")
    moved = data_dir_settings(base, data_dir)
    overrides: dict[str, object] = {
        name: getattr(moved, name)
        for name in type(base).model_fields
        if getattr(moved, name) != getattr(base, name)
    }
    return {**overrides, "log_level": "WARNING"}


def mounted(app: FastAPI, name: str) -> FastAPI:
    """The app of service `name` inside the embedded app."""
    for route in app.routes:
        if isinstance(route, Mount) and route.path == f"/{name}":
            mounted: FastAPI = route.app  # type: ignore[assignment]
            return mounted
    raise LookupError(f"no app mounted at /{name}")
