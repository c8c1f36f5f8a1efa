"""A subject's cases by e-mail or phone, on the embedded system over HTTP: privacy's
`POST /v1/subjects/cases` records the search as `subject.searched` on each case found, records
keeps it in the case's timeline, and the console's subject search (legal, privacy officer)
lists the case, says the search was recorded and shows it on the access trail tab, with the
identity in no URL, redirect or page title."""

import asyncio
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.intake.entrypoints.examples import ENGLISH
from shared.auth.roles import Role
from tests.integration.console_serving import (
    Services,
    csrf_of,
    embedded_services,
    signed_in_console,
)

EMAIL = ENGLISH["customer"]["email"]
PURPOSE = "Matter 2026-(wa)-77: claimant cases"


@dataclass(frozen=True)
class System:
    services: Services
    case_id: str
    other_case_id: str


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[System]:
    """The embedded services holding two cases: one of EMAIL's subject, one of someone else;
    both known to privacy and to records."""
    async with embedded_services(tmp_path) as services:
        platform = services.headers(Role.PLATFORM)
        async with httpx.AsyncClient(base_url=services.url, headers=platform) as client:
            mine: dict[str, Any] = {**ENGLISH, "source": {"external_id": "subject-1"}}
            other_customer = {**ENGLISH["customer"], "email": "someone.else@example.com"}
            theirs = {**ENGLISH, "source": {"external_id": "subject-2"}, "customer": other_customer}
            case_ids = []
            for body in (mine, theirs):
                accepted = await client.post("/intake/v1/consultations", json=body)
                assert accepted.status_code == 202, accepted.text
                case_ids.append(accepted.json()["case_id"])
            for case_id in case_ids:
                await _known(client, f"/privacy/v1/cases/{case_id}", services)
                await _known(client, f"/records/v1/cases/{case_id}", services)
        yield System(services, *case_ids)


async def _known(client: httpx.AsyncClient, path: str, services: Services) -> None:
    for _attempt in range(300):
        if (await client.get(path, headers=services.headers(Role.LEGAL))).status_code == 200:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} never answered")


async def _timeline(system: System, case_id: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=system.services.url) as client:
        return await client.get(
            f"/records/v1/cases/{case_id}/timeline", headers=system.services.headers(Role.LEGAL)
        )


async def _searched(system: System, case_id: str, search_id: str) -> list[dict[str, Any]]:
    """The case's `subject.searched` events of this search, once records has stored them."""
    for _attempt in range(300):
        events = (await _timeline(system, case_id)).json()["events"]
        found = [
            event
            for event in events
            if event["type"] == "subject.searched" and event["payload"]["search_id"] == search_id
        ]
        if found:
            return found
        await asyncio.sleep(0.05)
    return []


async def _trail_once_recorded(browser: httpx.AsyncClient, case_id: str) -> httpx.Response:
    """The case's access trail tab, once records has stored the search (it reads privacy's
    topic as its own consumer, a moment after privacy answered)."""
    for _attempt in range(300):
        trail = await browser.get(f"/cases/{case_id}/access")
        if 'data-view="subject_search"' in trail.text:
            break
        await asyncio.sleep(0.05)
    return trail


async def test_records_keeps_the_search_in_each_found_cases_timeline_without_the_identity(
    system: System,
) -> None:
    async with httpx.AsyncClient(base_url=system.services.url) as client:
        answer = await client.post(
            "/privacy/v1/subjects/cases",
            json={"email": EMAIL, "purpose": PURPOSE},
            headers=system.services.headers(Role.LEGAL),
        )
    assert answer.status_code == 200, answer.text
    assert [case["case_id"] for case in answer.json()["cases"]] == [system.case_id]

    [recorded] = await _searched(system, system.case_id, answer.json()["search_id"])

    assert recorded["producer"] == "privacy"
    assert recorded["payload"]["purpose"] == PURPOSE
    assert recorded["payload"]["case_ids"] == [system.case_id]
    assert [recorded["event_id"]] == answer.json()["recorded_event_ids"]
    other = await _timeline(system, system.other_case_id)
    assert "subject.searched" not in other.text
    assert EMAIL not in (await _timeline(system, system.case_id)).text


async def test_legal_finds_the_case_by_e_mail_in_the_console_and_the_access_trail_shows_it(
    log_output: io.StringIO, system: System
) -> None:
    async with signed_in_console(system.services, "legal") as browser:
        search_page = await browser.get("/search")
        assert 'action="/search/subject"' in search_page.text
        answer = await browser.post(
            "/search/subject",
            data={"csrf": csrf_of(search_page.text), "subject": EMAIL, "purpose": PURPOSE},
        )
        trail = await _trail_once_recorded(browser, system.case_id)
        trail_ja = await browser.get(
            f"/cases/{system.case_id}/access", headers={"Accept-Language": "ja"}
        )

    assert answer.status_code == 200, answer.text
    assert re.findall(r'<a href="/cases/([^"]+)"><code>', answer.text) == [system.case_id]
    assert system.other_case_id not in answer.text
    assert "This search was recorded as an access (who, when, why)" in answer.text
    assert PURPOSE in answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert answer.history == []
    assert EMAIL not in str(answer.url)
    [title] = re.findall(r"<title>(.*?)</title>", answer.text, re.S)
    assert EMAIL not in title
    assert EMAIL not in answer.text  # the page lists cases; the identity is not repeated

    assert trail.status_code == 200, trail.text
    assert 'data-view="subject_search"' in trail.text
    assert "search by the subject&#39;s e-mail or phone" in trail.text
    assert PURPOSE in trail.text
    assert EMAIL not in trail.text
    assert "本人のメールアドレス・電話番号による検索" in trail_ja.text
    assert "/search/subject" in log_output.getvalue()  # the console's requests were logged
    assert EMAIL not in log_output.getvalue()


async def test_an_unknown_identity_finds_nothing_and_says_the_search_was_recorded(
    system: System,
) -> None:
    async with signed_in_console(system.services, "privacy_officer") as browser:
        csrf = csrf_of((await browser.get("/search")).text)
        answer = await browser.post(
            "/search/subject",
            data={"csrf": csrf, "subject": "nobody@example.net", "purpose": "DSAR-2026-1"},
            headers={"Accept-Language": "ja"},
        )

    assert answer.status_code == 200, answer.text
    assert "この検索は閲覧として記録されました" in answer.text
    assert "この本人の案件は見つかりませんでした" in answer.text
    assert "nobody@example.net" not in answer.text


async def test_agents_get_no_subject_search_and_a_form_needs_its_csrf_token_and_a_purpose(
    system: System,
) -> None:
    async with signed_in_console(system.services, "agent") as agent:
        agent_page = await agent.get("/search")
        refused = await agent.post(
            "/search/subject",
            data={"csrf": csrf_of(agent_page.text), "subject": EMAIL, "purpose": PURPOSE},
        )
    async with signed_in_console(system.services, "legal") as legal:
        csrf = csrf_of((await legal.get("/search")).text)
        without_csrf = await legal.post(
            "/search/subject", data={"subject": EMAIL, "purpose": PURPOSE}
        )
        without_purpose = await legal.post(
            "/search/subject", data={"csrf": csrf, "subject": EMAIL, "purpose": " "}
        )

    assert 'action="/search/subject"' not in agent_page.text
    assert refused.status_code == 403
    assert without_csrf.status_code in (400, 403)
    assert without_purpose.status_code == 422
    assert "purpose" in without_purpose.text
    for page in (refused, without_csrf, without_purpose):
        assert EMAIL not in page.text
        assert EMAIL not in str(page.url)
    assert "subject.searched" not in (await _timeline(system, system.case_id)).text
