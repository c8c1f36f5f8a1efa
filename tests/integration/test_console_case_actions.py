"""Agents' actions on the case page against the embedded services over HTTP: a final answer
recorded, then a close request that policy accepts, its decision shown on the page; legal
sees no forms and is refused; a post without its CSRF token is refused; a refused form keeps
what was typed."""

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import httpx

from services.intake.entrypoints.examples import ENGLISH
from shared.auth.roles import Role
from tests.integration.console_serving import (
    Services,
    csrf_of,
    embedded_services,
    signed_in_console,
)

DECISION = 'data-testid="decision"'


def key_of(page: str, action: str) -> str:
    form = page[page.index('action="/cases/') :]
    form = form[form.index(f'/{action}"') :]
    match = re.search(r'name="idempotency_key" value="([^"]+)"', form)
    assert match, action
    return match[1]


async def closure_decided(services: Services, case_id: str) -> list[dict[str, Any]]:
    """Policy's decisions on the case's close requests, once there is one (it decides
    asynchronously)."""
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(base_url=services.url) as client:
        while True:
            timeline = await client.get(
                f"/records/v1/cases/{case_id}/timeline", headers=services.headers(Role.LEGAL)
            )
            found = [e for e in timeline.json()["events"] if e["type"] == "closure.decided"]
            if found or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.3)


async def decisions_recorded(services: Services, case_id: str) -> int:
    """How many decisions records holds on the case now."""
    async with httpx.AsyncClient(base_url=services.url) as client:
        timeline = await client.get(
            f"/records/v1/cases/{case_id}/timeline", headers=services.headers(Role.LEGAL)
        )
    return sum(1 for e in timeline.json()["events"] if e["type"].endswith(".decided"))


async def handler_on_record(console: httpx.AsyncClient, case_id: str) -> str:
    """The case page once records has the agent's response (it follows asynchronously)."""
    deadline = time.monotonic() + 30
    while True:
        page = (await console.get(f"/cases/{case_id}")).text
        if 'data-item="handler" class="present"' in page or time.monotonic() > deadline:
            return page
        await asyncio.sleep(0.3)


async def test_an_agent_records_a_final_answer_then_a_close_that_policy_accepts(
    tmp_path: Path,
) -> None:
    async with embedded_services(tmp_path) as services:
        async with httpx.AsyncClient(
            base_url=services.url, headers=services.headers(Role.PLATFORM)
        ) as client:
            body = {**ENGLISH, "source": {"external_id": "act-1"}}
            case_id = (await client.post("/intake/v1/consultations", json=body)).json()["case_id"]
        async with signed_in_console(services, "agent") as console:
            page = (await console.get(f"/cases/{case_id}")).text
            before_checks = page[page.index('data-testid="record-checks"') :]
            answered = await console.post(
                f"/cases/{case_id}/contacts",
                data={
                    "csrf": csrf_of(page),
                    "idempotency_key": key_of(page, "contacts"),
                    "decisions": "1",
                    "kind": "agent_response",
                    "channel": "email",
                    "body": "We have shipped a replacement today. This is our final answer.",
                    "final_answer": "on",
                },
                follow_redirects=True,
            )
            page = await handler_on_record(console, case_id)
            after_checks = page[page.index('data-testid="record-checks"') :]
            refused = await console.post(
                f"/cases/{case_id}/close",
                data={
                    "csrf": csrf_of(page),
                    "idempotency_key": key_of(page, "close"),
                    "reason": "not-a-reason",
                    "note": "typed before the mistake",
                },
            )
            closed = await console.post(
                f"/cases/{case_id}/close",
                data={
                    "csrf": csrf_of(page),
                    "idempotency_key": key_of(page, "close"),
                    "decisions": "2",
                    "reason": "satisfied",
                    "confirm": "on",
                },
                follow_redirects=True,
            )
            closure = await closure_decided(services, case_id)
            shown = (await console.get(f"/cases/{case_id}")).text
            decided_in_records = await decisions_recorded(services, case_id)
            no_csrf = await console.post(
                f"/cases/{case_id}/close",
                data={"idempotency_key": key_of(page, "close"), "reason": "satisfied"},
            )
        async with signed_in_console(services, "legal") as legal:
            legal_page = (await legal.get(f"/cases/{case_id}")).text
            legal_post = await legal.post(
                f"/cases/{case_id}/close",
                data={
                    "csrf": csrf_of(legal_page),
                    "idempotency_key": "k" * 20,
                    "reason": "satisfied",
                },
            )

    assert "missing" in before_checks.split("</ul>")[0]
    assert answered.status_code == 200, answered.text  # followed the redirect to the page
    assert "The contact was recorded." in answered.text
    assert "missing" not in after_checks.split("</ul>")[0], "the handler is now on record"
    assert refused.status_code == 422
    assert "<code>reason</code>" in refused.text
    assert "typed before the mistake" in refused.text, "what was typed is kept"
    assert closed.status_code == 200, closed.text
    assert "The close request was recorded." in closed.text
    [decided] = closure
    assert decided["payload"]["outcome"] == "accept"
    # Every decision records holds is on the page, the closure's among them (the decision on
    # the agent's response may have come after `page` was read, so that count is no measure).
    assert shown.count(DECISION) == decided_in_records > page.count(DECISION)
    assert no_csrf.status_code == 403
    assert 'data-testid="actions"' not in legal_page
    assert legal_post.status_code == 403
