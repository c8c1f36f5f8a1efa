"""The case page's pending decision over HTTP (issue #17, item 11): after an agent's post
the page renders the pending marker with the route its script asks, the route answers
whether policy has decided since, and it needs a signed-in user."""

import asyncio
import time
from pathlib import Path

import httpx

from shared.auth.roles import Role
from tests.integration.console_serving import (
    Services,
    embedded_services,
    new_case,
    signed_in_console,
)


async def decisions_on_record(services: Services, case_id: str) -> int:
    """The consultation's decision, once records has it (policy decides asynchronously)."""
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(base_url=services.url) as client:
        while True:
            case = await client.get(
                f"/records/v1/cases/{case_id}", headers=services.headers(Role.LEGAL)
            )
            if case.status_code == 200 and case.json()["decisions"]:
                return len(case.json()["decisions"])
            assert time.monotonic() < deadline, "policy never decided the consultation"
            await asyncio.sleep(0.3)


async def test_the_pending_marker_names_the_route_that_says_when_policy_has_decided(
    tmp_path: Path,
) -> None:
    async with embedded_services(tmp_path) as services:
        case_id = await new_case(services, "poll-1")
        decided = await decisions_on_record(services, case_id)
        async with signed_in_console(services, "agent") as console:
            pending = await console.get(f"/cases/{case_id}?recorded=facts&decisions={decided}")
            shown = await console.get(f"/cases/{case_id}?recorded=facts&decisions={decided - 1}")
            waiting = await console.get(f"/cases/{case_id}/decisions?after={decided}")
            arrived = await console.get(f"/cases/{case_id}/decisions?after={decided - 1}")
            without_count = await console.get(f"/cases/{case_id}/decisions")
            async with httpx.AsyncClient(base_url=str(console.base_url)) as stranger:
                signed_out = await stranger.get(f"/cases/{case_id}/decisions?after=0")

    assert pending.status_code == 200
    assert 'data-testid="decision-pending"' in pending.text
    assert f'data-poll="/cases/{case_id}/decisions?after={decided}"' in pending.text
    assert "this page shows the decision as soon as it is made" in pending.text
    assert "connect-src 'self'" in pending.headers["content-security-policy"]
    assert 'data-testid="decision-pending"' not in shown.text
    assert "Policy&#39;s decision on it is shown below." in shown.text
    assert waiting.status_code == 200
    assert waiting.json() == {"decisions": decided, "decided": False}
    assert waiting.headers["cache-control"] == "no-store"
    assert arrived.json() == {"decisions": decided, "decided": True}
    assert without_count.status_code == 422
    assert signed_out.status_code == 303  # to sign in: the counts are for signed-in users
    assert signed_out.headers["location"] == "/signin"
