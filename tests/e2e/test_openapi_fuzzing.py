"""Schemathesis against each of the four services running as its own process (issue 14): every
check, every phase, a token of a role the service admits; no 5xx, no answer outside the schema,
no request the schema allows refused and none it forbids accepted.

The services run in development mode on one embedded bus and SQLite, so what intake accepts
reaches records, policy and privacy, and their read routes answer real cases too."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from schemathesis.engine import StopReason

from services.runtime.embedded import SERVICES
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from tests.e2e.distributed import Distributed, development_services
from tests.e2e.fuzzing import fuzz

pytestmark = pytest.mark.timeout(600)

# Per service, the roles its routes admit most widely (intake: every REST write and read;
# records: legal's reads and proofs, and the admin's outbound-webhook subscriptions).
ROLES = {
    "intake": (Role.AGENT,),
    "policy": (Role.LEGAL,),
    "records": (Role.LEGAL, Role.ADMIN),
    "privacy": (Role.PRIVACY_OFFICER,),
}
MAX_EXAMPLES = 40  # per operation and phase: about two minutes for the four on a busy machine
MAX_STEPS = 10  # per stateful scenario


@pytest.fixture(scope="module")
async def deployment(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Distributed]:
    async with development_services(tmp_path_factory.mktemp("fuzzing")) as running:
        yield running


@pytest.mark.parametrize("service", SERVICES)
async def test_every_generated_request_is_answered_within_the_schema(
    deployment: Distributed, service: str
) -> None:
    issuer = development_issuer(deployment.folder / "data" / "auth")
    token = issuer.token(f"fuzzer-{service}", list(ROLES[service]), "caselog")
    url = getattr(deployment.urls, service)
    run = await asyncio.to_thread(fuzz, url, token, MAX_EXAMPLES, MAX_STEPS)
    print(
        f"{service}: {len(run.statuses)} operations in {run.seconds:.1f} s,"
        f" {run.stateful_transitions} stateful transitions; {run.report()}"
    )
    assert deployment.processes[service].poll() is None, f"{service} died:\n{_tail(deployment)}"
    assert len(run.statuses) >= 3, f"{service}: too few operations tested: {dict(run.statuses)}"
    assert not run.refused_everywhere(), f"{ROLES[service]} not admitted to these operations"
    assert run.stop_reason is StopReason.COMPLETED, run.stop_reason
    assert not run.errors, run.report()
    assert not run.findings, run.report()


def _tail(deployment: Distributed) -> str:
    return "\n".join(
        Path(log).read_text(encoding="utf-8", errors="replace")[-2000:] for log in deployment.logs
    )
