"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser),
and the embedded system with its demo cases served on loopback for the block."""

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from services.runtime.embedded import data_dir_settings, embedded_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.settings import load_settings
from tests.integration.serving import serving
from tests.unavailable import missing_infrastructure

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CASELOG_CHROMIUM", "/usr/bin/chromium")
# Playwright must never fetch a browser of its own: tests run where there is no network.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
DECIDED_WITHIN_S = 30.0
ESCALATED_DEMO = 3  # services/runtime/demo.py: the threat, decided `escalate`


@dataclass(frozen=True)
class ServedSystem:
    url: str
    demo_case_ids: list[str]
    escalated_case_id: str
    legal_token: str


def chromium_executable() -> str | None:
    return shutil.which(CHROMIUM)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_executable()
    if executable is None:
        missing_infrastructure(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, headless=True)
        yield launched
        await launched.close()


@pytest.fixture(scope="module")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ServedSystem]:
    """`caselog run`'s app, demo cases included, once records has decided them all."""
    data = tmp_path_factory.mktemp("console") / "data"
    settings = data_dir_settings(
        load_settings(
            service_name="caselog",
            topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
            http_host="127.0.0.1",
        ),
        data,
    )
    app = embedded_app(settings, data)
    async with serving(app) as url:
        ids: list[str] = app.state.demo_case_ids
        token = development_issuer(settings.auth_dev_keys_dir).token(
            "browser-test", [Role.LEGAL], settings.auth_audience
        )
        await until_decided(url, token, ids)
        yield ServedSystem(url, ids, ids[ESCALATED_DEMO], token)


async def until_decided(url: str, token: str, case_ids: list[str]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers) as client:
        pending = set(case_ids)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DECIDED_WITHIN_S
        while pending and loop.time() < deadline:
            for case_id in list(pending):
                answer = await client.get(f"/records/v1/cases/{case_id}")
                if answer.status_code == 200 and answer.json()["decisions"]:
                    pending.discard(case_id)
            await asyncio.sleep(0.1)
        assert not pending, f"records never decided {sorted(pending)}"
