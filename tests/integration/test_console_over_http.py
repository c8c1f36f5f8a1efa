"""The console as `caselog serve console` runs it: a process of its own that reaches the
services at configured URLs (here the embedded system's, on another loopback port), with
the signed-in user's token."""

import asyncio
import re
from pathlib import Path

import httpx

from services.console.entrypoints.http import create_app as console_app
from services.console.settings import ConsoleSettings
from services.intake.entrypoints.examples import ENGLISH
from services.runtime.embedded import embedded_app
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.settings import load_settings
from tests.integration.serving import serving

REPO_ROOT = Path(__file__).resolve().parents[2]


async def test_the_console_reads_a_case_from_services_at_configured_urls(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        service_name="caselog",
        demo_seed=False,
        embedded_bus_path=tmp_path / "data" / "bus.sqlite3",
        topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
        auth_dev_keys_dir=tmp_path / "auth",
    )
    issuer = development_issuer(settings.auth_dev_keys_dir)
    platform = {"Authorization": f"Bearer {issuer.token('t', [Role.PLATFORM], 'caselog')}"}
    async with serving(embedded_app(settings, tmp_path / "data")) as services:
        async with httpx.AsyncClient(base_url=services, headers=platform) as client:
            accepted = await client.post(
                "/intake/v1/consultations",
                json={**ENGLISH, "source": {"platform": "rest", "external_id": "console-1"}},
            )
            assert accepted.status_code == 202, accepted.text
            case_id = accepted.json()["case_id"]
            legal = issuer.token("t", [Role.LEGAL], "caselog")
            client.headers["Authorization"] = f"Bearer {legal}"
            for _attempt in range(300):
                found = await client.get(f"/records/v1/cases/{case_id}")
                if found.status_code == 200 and found.json()["decisions"]:
                    break
                await asyncio.sleep(0.05)
            outcome = found.json()["decisions"][0]["outcome"]

        console = ConsoleSettings(
            intake_url=f"{services}/intake",
            policy_url=f"{services}/policy",
            records_url=f"{services}/records",
            privacy_url=f"{services}/privacy",
        )
        app = console_app(
            load_settings(**{**settings.model_dump(), "service_name": "console"}), console
        )
        async with serving(app) as url, httpx.AsyncClient(base_url=url) as browser:
            page = await browser.get("/signin")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert csrf is not None
            await browser.post("/signin/development", data={"csrf": csrf[1], "role": "legal"})
            case_page = await browser.get(f"/cases/{case_id}")

    assert case_page.status_code == 200, case_page.text
    assert f'class="decision outcome-{outcome}"' in case_page.text
    assert "consultation.received" in case_page.text
