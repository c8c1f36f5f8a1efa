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

from services.intake.entrypoints.examples import ENGLISH
from shared.auth.roles import Role
from tests.integration.console_serving import embedded_services, signed_in_console

TICKETS = ("search-1", "search-2", "search-3")
THREAT = "If you do not refund me today I will come to your office and kill you."


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A console signed in as legal, over services holding three decided cases; and the case
    id of each ticket."""
    async with embedded_services(tmp_path) as services:
        cases: dict[str, str] = {}
        platform = services.headers(Role.PLATFORM)
        async with httpx.AsyncClient(base_url=services.url, headers=platform) as client:
            for ticket in TICKETS:
                body: dict[str, Any] = {**ENGLISH, "source": {"external_id": ticket}}
                if ticket == "search-3":
                    body["body"] = THREAT
                accepted = await client.post("/intake/v1/consultations", json=body)
                assert accepted.status_code == 202, accepted.text
                cases[ticket] = accepted.json()["case_id"]
            for case_id in cases.values():
                await _decided(client, case_id, services.headers(Role.LEGAL))
        async with signed_in_console(services, "legal") as browser:
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


async def test_the_case_page_names_each_cited_article_and_says_what_to_do_in_the_viewers_language(
    console: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    browser, cases = console
    path = f"/cases/{cases['search-3']}"

    english = await browser.get(path, headers={"Accept-Language": "en"})
    japanese = await browser.get(path, headers={"Accept-Language": "ja"})

    assert english.status_code == 200, english.text
    assert "Consultations refused" in english.text  # art. 4's title, from the policy file
    assert "お断りするご相談" in japanese.text
    assert 'class="instructions"' in english.text
    [note] = re.findall(r'<span class="note">([^<]+)</span>', japanese.text)[:1]
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", note), "the note is the Japanese one"
