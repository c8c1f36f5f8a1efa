"""B7: ms to erase a subject with 100 cases through privacy's API, the signed receipt included,
on the distributed pipeline B2 started (the cases arrive through the ingress topic first)."""

import asyncio
import time
import uuid
from dataclasses import dataclass

import httpx

from bench.bus_sides import publish_all
from bench.figures import Figure, Target
from bench.harness import Benchmark, Context
from bench.pipeline.consultations import Customer, customer, ingress_message
from bench.pipeline.deployments import Pipeline
from bench.pipeline.load import IN_FLIGHT
from bench.pipeline.shared_run import DISTRIBUTED, distributed_pipeline
from shared.auth.roles import Role

KNOWN_TIMEOUT_S = 60.0
POLL_S = 0.1


@dataclass(frozen=True)
class Size:
    cases: int


QUICK, FULL = Size(cases=5), Size(cases=100)


async def run(context: Context) -> list[Figure]:
    size = context.pick(QUICK, FULL)
    pipeline = await distributed_pipeline(context)
    label = uuid.uuid4().hex[:8]
    subjects = [customer(f"b7-{label}-{n}") for n in range(context.repetitions)]
    context.report_status("B7 recording the subjects' cases")
    cases = await _record_cases(pipeline, subjects, size.cases)
    token = pipeline.issuer.token("bench-b7", [Role.PRIVACY_OFFICER], "caselog")
    client = httpx.AsyncClient(
        base_url=pipeline.urls.privacy, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    async with client as http:
        for case_ids in cases.values():
            await _known_to_privacy(http, case_ids)
        waiting = list(subjects)

        async def erase_next() -> float:
            who = waiting.pop(0)
            started = time.perf_counter()
            answer = await http.post(
                "/v1/requests/erasure", json={"email": who.email, "reference": f"bench-{label}"}
            )
            elapsed_ms = (time.perf_counter() - started) * 1000
            answer.raise_for_status()
            erased = answer.json()["receipt"]["erased_case_ids"]
            if sorted(erased) != sorted(cases[who.email]):
                raise RuntimeError(f"erased {len(erased)} cases, not {size.cases}")
            return elapsed_ms

        spreads = await context.repeat("B7 erasure", {"erasure": erase_next})
    return [
        Figure(
            "B7",
            f"erase a subject with {size.cases} cases: POST /v1/requests/erasure, signed receipt",
            "ms",
            False,
            spreads["erasure"],
            None,
            None,
            Target("<=", 1000, "ms"),
            {"cases": size.cases, "runtime": "distributed (B2's services)"},
        )
    ]


async def _record_cases(
    pipeline: Pipeline, subjects: list[Customer], count: int
) -> dict[str, list[str]]:
    """`count` consultations of each customer through the pipeline; case ids by e-mail."""
    tickets = {who.email: pipeline.tickets(count, "b7") for who in subjects}
    messages = [ingress_message(ticket, who) for who in subjects for ticket in tickets[who.email]]
    await publish_all(pipeline.bus.publish, messages, IN_FLIGHT)
    await pipeline.tracker.wait(ticket for own in tickets.values() for ticket in own)
    return {
        email: [pipeline.tracker.case_of[ticket] for ticket in own]
        for email, own in tickets.items()
    }


async def _known_to_privacy(http: httpx.AsyncClient, case_ids: list[str]) -> None:
    """Privacy learns cases from the intake topic on its own: wait until it has them all."""
    deadline = time.monotonic() + KNOWN_TIMEOUT_S
    for case_id in case_ids:
        while (await http.get(f"/v1/cases/{case_id}")).status_code != 200:
            if time.monotonic() > deadline:
                raise TimeoutError(f"privacy does not know case {case_id} after 60 s")
            await asyncio.sleep(POLL_S)


BENCHMARK = Benchmark(
    "B7", "erasure: a subject with 100 cases, receipt included", run, frozenset({DISTRIBUTED})
)
