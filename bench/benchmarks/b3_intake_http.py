"""B3: requests/s to intake's `POST /v1/consultations` (a separate process, as deployed:
production mode, PostgreSQL ledger and key store), keep-alive load from another process,
against a bare FastAPI endpoint answering the same status, served the same way."""

import json
import os
import statistics
from dataclasses import dataclass

from bench.figures import Figure, Target
from bench.harness import Benchmark, Context
from bench.http.intake import intake_environment
from bench.http.loads import CONNECTIONS, Loads
from bench.http.servers import Server, running
from bench.infra import fresh_database
from services.intake.entrypoints.examples import JAPANESE
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from tests.support.infra import REPO_ROOT


@dataclass(frozen=True)
class Size:
    warmup_s: float
    duration_s: float


QUICK, FULL = Size(warmup_s=0.3, duration_s=0.7), Size(warmup_s=1.0, duration_s=5.0)


async def run(context: Context) -> list[Figure]:
    size = context.pick(QUICK, FULL)
    folder = context.scratch / "b3"
    folder.mkdir(parents=True, exist_ok=True)
    token = development_issuer(folder / "auth").token("bench", [Role.PLATFORM], "caselog")
    body = folder / "consultation.json"
    body.write_text(
        json.dumps({**JAPANESE, "source": {"platform": "rest", "external_id": "@@ID@@"}})
    )
    postgres = await context.infrastructure.postgres()
    async with fresh_database(postgres) as ledger, fresh_database(postgres) as keys:
        intake_env = await intake_environment(context, folder, ledger, keys)
        bare_env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "CASELOG_LOG_LEVEL": "WARNING"}
        intake = Server(["services", "intake"], intake_env, folder, folder / "intake.log")
        bare = Server(["bench.http.bare"], bare_env, REPO_ROOT, folder / "bare.log")
        context.report_status("B3 starting servers")
        async with running(intake, bare):
            loads = Loads(context, token, body, size.warmup_s)
            # Intake's first requests are slow (connection pools, the first keys): not measured.
            await loads.trial("intake", intake, size.duration_s)()
            loads.latencies.clear()
            spreads = await context.repeat(
                "B3 HTTP",
                {
                    "intake": loads.trial("intake", intake, size.duration_s),
                    "bare": loads.trial("bare", bare, size.duration_s),
                },
            )
    p50 = statistics.median(sample["p50"] for sample in loads.latencies["intake"])
    p99 = statistics.median(sample["p99"] for sample in loads.latencies["intake"])
    return [
        Figure(
            "B3",
            "intake POST /v1/consultations, keep-alive, load from another process",
            "requests/s",
            True,
            spreads["intake"],
            "a bare FastAPI endpoint answering 202, same server settings",
            spreads["bare"],
            Target(">=", 0.5),
            {
                "connections": CONNECTIONS,
                "seconds_per_repetition": size.duration_s,
                "intake": f"production mode, {context.intake_bus} bus, PostgreSQL ledger and keys",
            },
            (f"B3: intake's latency at this load: p50 {p50:.1f} ms, p99 {p99:.1f} ms (medians)",),
        )
    ]


BENCHMARK = Benchmark("B3", "HTTP intake: consultations endpoint", run)
