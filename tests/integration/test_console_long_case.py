"""A long case over HTTP (embedded services, the console beside them): reading roles see its
latest events, told how many there are in all, while an agent's page reads every event for its
forms; records' timeline serves the last events asked for and counts them all."""

import asyncio
import re
from pathlib import Path

import httpx

from bench.console.seeding import lengthen
from bench.console.stack import mounted
from services.console.entrypoints.pages import PAGE_EVENTS
from services.intake.entrypoints.examples import ENGLISH
from shared.auth.roles import Role
from tests.integration.console_serving import Services, embedded_services, signed_in_console

EVENTS = PAGE_EVENTS + 40
TIMELINE_ROW = re.compile(r"<tr><td>\d+</td><td><code>")


async def _long_case(services: Services) -> str:
    """A real case (intake, policy's decision) lengthened with copies of its events."""
    async with httpx.AsyncClient(base_url=services.url) as client:
        opened = await client.post(
            "/intake/v1/consultations",
            json={**ENGLISH, "source": {"external_id": "long-1"}},
            headers=services.headers(Role.PLATFORM),
        )
        case_id: str = opened.json()["case_id"]
        for _attempt in range(300):
            found = await client.get(
                f"/records/v1/cases/{case_id}", headers=services.headers(Role.LEGAL)
            )
            if found.status_code == 200 and found.json()["decisions"]:
                break
            await asyncio.sleep(0.05)
    records = mounted(services.app, "records").state.records
    await lengthen(records, case_id, case_id, EVENTS)
    return case_id


async def test_reading_roles_see_the_latest_events_of_a_long_case_and_agents_every_event(
    tmp_path: Path,
) -> None:
    async with embedded_services(tmp_path) as services:
        case_id = await _long_case(services)
        async with signed_in_console(services, "legal") as legal:
            read = await legal.get(f"/cases/{case_id}")
            japanese = await legal.get(f"/cases/{case_id}", headers={"Accept-Language": "ja"})
        async with signed_in_console(services, "agent") as agent:
            acted = await agent.get(f"/cases/{case_id}")
        async with httpx.AsyncClient(base_url=services.url) as client:
            whole = await client.get(
                f"/records/v1/cases/{case_id}/timeline", headers=services.headers(Role.LEGAL)
            )
            last = await client.get(
                f"/records/v1/cases/{case_id}/timeline",
                params={"latest": 3},
                headers=services.headers(Role.LEGAL),
            )

    assert read.status_code == 200, read.text
    assert len(TIMELINE_ROW.findall(read.text)) == PAGE_EVENTS
    assert f"{PAGE_EVENTS} / {EVENTS}" in read.text
    assert 'data-testid="latest-events"' in read.text
    assert "最新のイベントのみ" in japanese.text
    assert acted.status_code == 200, acted.text
    assert len(TIMELINE_ROW.findall(acted.text)) == EVENTS
    assert 'data-testid="latest-events"' not in acted.text
    assert whole.json()["total_events"] == EVENTS
    assert last.json()["total_events"] == EVENTS
    assert [e["event_id"] for e in last.json()["events"]] == [
        e["event_id"] for e in whole.json()["events"][-3:]
    ]
