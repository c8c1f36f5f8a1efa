"""The embedded services on a loopback port, and the console as `caselog serve console` runs
it beside them (its own server, the services at configured URLs), signed in with a role."""

import contextlib
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from services.console.entrypoints.http import create_app as console_app
from services.console.settings import ConsoleSettings
from services.intake.entrypoints.examples import ENGLISH
from services.runtime.embedded import embedded_app
from shared.auth.development import DevelopmentIssuer, development_issuer
from shared.auth.roles import Role
from shared.settings import CaselogSettings, load_settings
from tests.integration.serving import serving

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "policy", "records", "privacy")
Instrument = Callable[[FastAPI], None]
"""Told each app before it serves (the benchmarks time requests with a middleware)."""


def _unchanged(_app: FastAPI) -> None:
    pass


@dataclass(frozen=True)
class Services:
    url: str
    settings: CaselogSettings
    issuer: DevelopmentIssuer
    app: FastAPI

    def headers(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.token('t', [role], 'caselog')}"}


@contextlib.asynccontextmanager
async def embedded_services(
    tmp_path: Path, *, instrument: Instrument = _unchanged, **overrides: object
) -> AsyncIterator[Services]:
    """`overrides`: settings of the test beyond the defaults (e.g. a privacy rules file);
    they win over the ones set here."""
    defaults: dict[str, object] = {
        "service_name": "caselog",
        "demo_seed": False,
        "embedded_bus_path": tmp_path / "data" / "bus.sqlite3",
        "topics_file": REPO_ROOT / "deploy" / "kafka" / "topics.toml",
        "auth_dev_keys_dir": tmp_path / "auth",
    }
    settings = load_settings(**{**defaults, **overrides})
    issuer = development_issuer(settings.auth_dev_keys_dir)
    app = embedded_app(settings, tmp_path / "data")
    instrument(app)
    async with serving(app) as url:
        yield Services(url, settings, issuer, app)


async def new_case(services: Services, external_id: str) -> str:
    """A case of its own for a test: the English example consultation under a ticket id of
    its own, sent as the platform sends it; its case id."""
    async with httpx.AsyncClient(
        base_url=services.url, headers=services.headers(Role.PLATFORM)
    ) as client:
        body = {**ENGLISH, "source": {"external_id": external_id}}
        answer = await client.post("/intake/v1/consultations", json=body)
        assert answer.status_code in {200, 201, 202}, answer.text
        case_id: str = answer.json()["case_id"]
        return case_id


@contextlib.asynccontextmanager
async def signed_in_console(
    services: Services,
    role: str,
    log_verifier_key: str | None = None,
    instrument: Instrument = _unchanged,
) -> AsyncIterator[httpx.AsyncClient]:
    urls = {f"{name}_url": f"{services.url}/{name}" for name in SERVICES}
    app = console_app(
        load_settings(**{**services.settings.model_dump(), "service_name": "console"}),
        ConsoleSettings(**urls, log_verifier_key=log_verifier_key),
    )
    instrument(app)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as browser:
        page = await browser.get("/signin")
        signed = await browser.post(
            "/signin/development", data={"csrf": csrf_of(page.text), "role": role}
        )
        assert signed.status_code == 303, signed.text
        yield browser


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page
    return match[1]
