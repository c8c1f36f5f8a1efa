"""The console's case search against the embedded system over HTTP (records' `GET /v1/cases`
with the signed-in user's token): found by ticket and by outcome, sortable, a bad field named
on the page without the value, and no personal data on the page."""

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.console.entrypoints.http import create_app as console_app
from services.console.settings import ConsoleSettings
from services.intake.entrypoints.examples import ENGLISH
from services.runtime.embedded import embedded_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.settings import load_settings
from tests.integration.serving import serving

REPO_ROOT = Path(__file__).resolve().parents[2]
TICKETS = ("search-1", "search-2", "search-3")
SERVICES = ("intake", "policy", "records", "privacy")
THREAT = "If you do not refund me today I will come to your office and kill you."


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A console signed in as legal, over services holding three decided cases; and the case
    id of each ticket."""
    settings = load_settings(
        service_name="caselog",
        demo_seed=False,
        embedded_bus_path=tmp_path / "data" / "bus.sqlite3",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
        auth_dev_keys_dir=tmp_path / "auth",
    )
    issuer = development_issuer(settings.auth_dev_keys_dir)
    platform = {"Authorization": f"Bearer {issuer.token('t', [Role.PLATFORM], 'caselog')}"}
    legal = {"Authorization": f"Bearer {issuer.token('t', [Role.LEGAL], 'caselog')}"}
    async with serving(embedded_app(settings, tmp_path / "data")) as services:
        cases: dict[str, str] = {}
        async with httpx.AsyncClient(base_url=services, headers=platform) as client:
            for ticket in TICKETS:
                body: dict[str, Any] = {**ENGLISH, "source": {"external_id": ticket}}
                if ticket == "search-3":
                    body["body"] = THREAT
                accepted = await client.post("/intake/v1/consultations", json=body)
                assert accepted.status_code == 202, accepted.text
                cases[ticket] = accepted.json()["case_id"]
            for case_id in cases.values():
                await _decided(client, case_id, legal)
        urls = {f"{name}_url": f"{services}/{name}" for name in SERVICES}
        app = console_app(
            load_settings(**{**settings.model_dump(), "service_name": "console"}),
            ConsoleSettings(**urls),
        )
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as browser:
            page = await browser.get("/signin")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf is not None
            await browser.post("/signin/development", data={"csrf": csrf[1], "role": "legal"})
            yield browser, cases


async def _decided(client: httpx.AsyncClient, case_id: str, legal: dict[str, str]) -> None:
    for _attempt in range(300):
        found = await client.get(f"/records/v1/cases/{case_id}", headers=legal)
        if found.status_code == 200 and found.json()["decisions"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case_id} was not decided")


def listed(page: str) -> list[str]:
    return re.findall(r'<a href="/cases/([^"]+)"><code>', page)


async def test_legal_finds_a_case_by_its_ticket_and_the_threat_by_its_outcome(
    console: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    browser, cases = console

    by_ticket = await browser.get("/search", params={"ticket": "search-2"})
    by_outcome = await browser.get("/search", params={"outcome": "escalate"})
    everything = await browser.get("/search", params={"sort": "ticket"})
    reversed_ = await browser.get("/search", params={"sort": "-ticket"})

    assert by_ticket.status_code == 200, by_ticket.text
    assert listed(by_ticket.text) == [cases["search-2"]]
    assert listed(by_outcome.text) == [cases["search-3"]]
    assert listed(everything.text) == [cases[t] for t in TICKETS]
    assert listed(reversed_.text) == [cases[t] for t in reversed(TICKETS)]
    assert 'aria-sort="ascending"' in everything.text
    for page in (by_ticket, by_outcome, everything):
        assert page.headers["cache-control"] == "no-store"
        assert "kill" not in page.text
        assert ENGLISH["customer"]["email"] not in page.text


async def test_a_bad_field_is_named_on_the_page_without_its_value(
    console: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    browser, _cases = console

    answer = await browser.get("/search", params={"opened_from": "2026-02-31<script>"})

    assert answer.status_code == 422
    assert "opened_from" in answer.text
    assert "<script>" not in answer.text


async def test_search_in_japanese(console: tuple[httpx.AsyncClient, dict[str, str]]) -> None:
    browser, cases = console

    answer = await browser.get(
        "/search", params={"outcome": "escalate"}, headers={"Accept-Language": "ja"}
    )

    assert "案件検索" in answer.text
    assert "エスカレーション" in answer.text
    assert listed(answer.text) == [cases["search-3"]]
