"""Each user's main job once on the distributed runtime (issue 17): the four services each a
`caselog serve <name>` process on the real Kafka and PostgreSQL, and the console its own
`caselog serve console` process pointed at their URLs, as deploy/up.sh runs them. The steps
are the embedded tests' own (journeys.py); only where the cases come from differs.

The consultations come in through intake's API with a platform token, so the pipeline on
Kafka decides them. Privacy keeps a closed case zero days here (its rules file), so a case
closed through intake's API is due at once: the privacy officer sees a due case, which the
embedded runtime (the wall clock, five-year retention) cannot show. Once the module is done,
no log of the five processes holds the personal data the pages revealed."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser

from services.runtime.demo import DEMOS, JANE
from shared.auth.roles import Role
from tests.browser import journeys
from tests.browser.conftest import until_decided
from tests.browser.journeys import Console, Screenshots
from tests.e2e.distributed import console_beside, distributed_services
from tests.e2e.leak_scan import readable
from tests.e2e.scenario import PATIENCE_S, TokenFactory, development_tokens, eventually
from tests.integration.personal_forms import leaks

pytestmark = pytest.mark.infra

# services/runtime/demo.py's consultations, each sent once with a ticket id of this run.
EXCHANGE, EXCESSIVE_DEMAND, THREAT = (DEMOS[n].document for n in (0, 1, 3))
PERSONAL_VALUES = [
    value
    for demo in (EXCHANGE, EXCESSIVE_DEMAND, THREAT)
    for key, value in demo["customer"].items()
    if key in {"name", "email", "phone"}
]
ZERO_RETENTION = '[retention.case_record]\ndefault = "P0D"\n'
NO_SHOTS = Screenshots(None)  # the README's pictures are the embedded runtime's


@dataclass(frozen=True)
class Deployment:
    console: Console
    threat_ticket: str
    threat_case: str
    subject_case: str  # JANE's: exported and erased
    agent_case: str
    due_case: str  # closed, so due at once under zero retention


@pytest.fixture(scope="module")
async def deployment(
    kafka_bootstrap: str, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Deployment]:
    """One deployment for the module, its cases decided, the due one closed in privacy."""
    folder = tmp_path_factory.mktemp("distributed-console")
    auth = folder / "auth"
    token = development_tokens(auth)
    rules = folder / "privacy-rules.toml"
    rules.write_text(ZERO_RETENTION, encoding="utf-8")
    run = uuid.uuid4().hex[:8]
    async with distributed_services(
        kafka_bootstrap,
        postgres_url,
        folder,
        auth / "dev-jwks.json",
        settings={"CASELOG_PRIVACY_RULES_FILE": str(rules)},
    ) as services:
        intake = _Intake(services.urls.intake, token)
        threat_ticket = f"threat-{run}"
        cases = {
            "threat": await intake.consultation(THREAT, threat_ticket),
            "subject": await intake.consultation(EXCESSIVE_DEMAND, f"subject-{run}"),
            "agent": await intake.consultation(EXCHANGE, f"agent-{run}"),
            "due": await intake.consultation(EXCHANGE, f"due-{run}"),
        }
        legal = token(Role.LEGAL)
        await until_decided(services.urls.records, legal, list(cases.values()), PATIENCE_S)
        await intake.answer_and_close(cases["due"])
        await _until_privacy_has(services.urls.privacy, token, cases["due"], closed=True)
        await _until_privacy_has(services.urls.privacy, token, cases["subject"], closed=False)
        async with httpx.AsyncClient() as http:
            log = await http.get(
                f"{services.urls.records}/v1/log", headers={"Authorization": f"Bearer {legal}"}
            )
        async with console_beside(services, auth, log.json()["verifier_key"]) as console:
            yield Deployment(
                Console(console.url, services.urls.privacy, legal),
                threat_ticket,
                cases["threat"],
                cases["subject"],
                cases["agent"],
                cases["due"],
            )
    # Legal revealed the threat and the officer exported JANE's data in the browser: none of
    # it in what the console or a service said, up to their shutdown.
    for said in (*services.logs, console.log):
        assert not leaks(readable(said.read_bytes()), PERSONAL_VALUES), said.name


class _Intake:
    """What platforms and agents send intake over its API."""

    def __init__(self, url: str, token: TokenFactory) -> None:
        self._url = url
        self._token = token

    async def consultation(self, demo: dict[str, Any], ticket: str) -> str:
        body = {**demo, "source": {"platform": "rest", "external_id": ticket}}
        accepted = await self._post("/v1/consultations", body, Role.PLATFORM)
        case_id: str = accepted["case_id"]
        return case_id

    async def answer_and_close(self, case_id: str) -> None:
        """A final answer, then the close it allows (policy decides the close in order: the
        case's events share a partition)."""
        now = datetime.now(UTC).isoformat()
        reply = {"channel": "email", "occurred_at": now, "kind": "agent_response"}
        await self._post(
            f"/v1/cases/{case_id}/contacts",
            {**reply, "body": "We sent a new kettle.", "final_answer": True},
            Role.AGENT,
        )
        close = {"reason": "satisfied", "requested_at": now}
        await self._post(f"/v1/cases/{case_id}/close", close, Role.AGENT)

    async def _post(self, path: str, body: dict[str, Any], role: Role) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token(role)}"}
        async with httpx.AsyncClient(base_url=self._url, headers=headers) as http:
            answer = await http.post(path, json=body)
        assert answer.status_code == 202, answer.text
        accepted: dict[str, Any] = answer.json()
        return accepted


async def _until_privacy_has(url: str, token: TokenFactory, case_id: str, closed: bool) -> None:
    headers = {"Authorization": f"Bearer {token(Role.PRIVACY_OFFICER)}"}
    async with httpx.AsyncClient(base_url=url, headers=headers) as http:

        async def known() -> bool | None:
            answer = await http.get(f"/v1/cases/{case_id}")
            if answer.status_code != 200:
                return None
            return True if answer.json()["case"]["closed_at"] or not closed else None

        await eventually(known, f"case {case_id} {'closed' if closed else 'known'} in privacy")


async def test_legal_finds_reads_reveals_and_proves_a_case(
    browser: Browser, deployment: Deployment
) -> None:
    console, case_id = deployment.console, deployment.threat_case
    async with journeys.session(browser, console, "legal") as page:
        await journeys.legal_finds_and_reads_a_case(
            page, console, deployment.threat_ticket, case_id, NO_SHOTS
        )
        await journeys.legal_downloads_the_verified_proof(page, console, case_id, NO_SHOTS)


async def test_the_privacy_officer_sees_a_due_case_holds_exports_and_erases(
    browser: Browser, deployment: Deployment
) -> None:
    due = deployment.due_case  # held once seen due: kept past its (zero) retention
    async with journeys.session(browser, deployment.console, "privacy_officer") as page:
        await journeys.privacy_officer_holds_exports_erases_and_verifies(
            page, deployment.console, JANE["email"], due, due, NO_SHOTS
        )


async def test_an_agent_answers_closes_and_sees_policys_decision(
    browser: Browser, deployment: Deployment
) -> None:
    async with journeys.session(browser, deployment.console, "agent") as page:
        await journeys.agent_answers_closes_and_sees_the_decision(
            page, deployment.console, deployment.agent_case, NO_SHOTS
        )
