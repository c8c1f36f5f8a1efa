"""The retention chart on /privacy over HTTP: closed cases under a two-month retention fall due
in the month two months ahead, a held one is counted as held, and the page's table gives the
same numbers as privacy's own dry run."""

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from services.console.domain.retention_chart import month_starts, window_end
from services.intake.entrypoints.examples import ENGLISH
from shared.auth.roles import Role
from tests.integration.console_serving import (
    Services,
    csrf_of,
    embedded_services,
    signed_in_console,
)

RULES = '[retention.case_record]\ndefault = "P2M"\n'


async def _closed_case(services: Services, external_id: str) -> str:
    async with httpx.AsyncClient(base_url=f"{services.url}/intake") as intake:
        platform, agent = services.headers(Role.PLATFORM), services.headers(Role.AGENT)
        body = {**ENGLISH, "source": {"external_id": external_id}}
        opened = await intake.post("/v1/consultations", json=body, headers=platform)
        assert opened.status_code == 202, opened.text
        case_id: str = opened.json()["case_id"]
        reply = {
            "channel": "email",
            "occurred_at": datetime.now(UTC).isoformat(),
            "kind": "agent_response",
            "body": "We sent a new kettle.",
        }
        answered = await intake.post(f"/v1/cases/{case_id}/contacts", json=reply, headers=agent)
        assert answered.status_code == 202, answered.text
        await asyncio.sleep(1)  # the response is decided on before the close is asked
        close = {"reason": "satisfied", "requested_at": datetime.now(UTC).isoformat()}
        closed = await intake.post(f"/v1/cases/{case_id}/close", json=close, headers=agent)
        assert closed.status_code == 202, closed.text
    return case_id


async def _until_closed_in_privacy(services: Services, case_id: str) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=f"{services.url}/privacy") as privacy:
        while time.monotonic() < deadline:
            found = await privacy.get(
                f"/v1/cases/{case_id}", headers=services.headers(Role.PRIVACY_OFFICER)
            )
            if found.status_code == 200 and found.json()["case"]["closed_at"]:
                return
            await asyncio.sleep(0.3)
    raise AssertionError(f"privacy never saw {case_id} closed")


def _row(page: str, month: str) -> tuple[int, int]:
    match = re.search(rf"<th scope=\"row\">{month}</th><td>(\d+)</td><td>(\d+)</td>", page)
    assert match, page
    return int(match[1]), int(match[2])


async def test_the_chart_counts_cases_by_the_month_they_fall_due_and_those_held(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "privacy-rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    async with embedded_services(tmp_path, privacy_rules_file=rules) as services:
        due_case = await _closed_case(services, "chart-due")
        held_case = await _closed_case(services, "chart-held")
        for case_id in (due_case, held_case):
            await _until_closed_in_privacy(services, case_id)
        async with signed_in_console(services, "legal") as console:
            page = await console.get("/privacy")
            held = await console.post(
                "/holds",
                data={
                    "csrf": csrf_of(page.text),
                    "case_id": held_case,
                    "matter": "L-9",
                    "reason": "pending litigation",
                },
            )
            assert held.status_code == 200, held.text
        now = datetime.now(UTC)
        async with httpx.AsyncClient(base_url=services.url) as client:
            report = (
                await client.post(
                    "/privacy/v1/retention/sweep",
                    json={"dry_run": True, "as_of": window_end(now).isoformat()},
                    headers=services.headers(Role.PRIVACY_OFFICER),
                )
            ).json()
        async with signed_in_console(services, "privacy_officer") as console:
            english = await console.get("/privacy")
            japanese = await console.get("/privacy", headers={"Accept-Language": "ja"})

    ends = datetime.fromisoformat(report["due"][0]["retention_ends_at"])
    month = next(s for s in reversed(month_starts(now)) if s <= ends).strftime("%Y-%m")
    assert [item["case_id"] for item in report["due"]] == [due_case]
    assert [item["case_id"] for item in report["held"]] == [held_case]
    assert english.status_code == 200, english.text
    assert _row(english.text, month) == (1, 1)
    assert ends - now < timedelta(days=70)
    others = [m.strftime("%Y-%m") for m in month_starts(now)[:-1] if m.strftime("%Y-%m") != month]
    assert all(_row(english.text, other) == (0, 0) for other in others)
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in english.text
    assert '<title id="chart-title">Case records falling due' in english.text
    assert "月別の保存期間満了件数" in japanese.text
    assert english.headers["cache-control"] == "no-store"
