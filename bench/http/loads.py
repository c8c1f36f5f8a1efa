"""B3's load runs: the load generator (bench/http/load.py) in its own process per run, each
run sending new consultations (a fresh external id per request)."""

import asyncio
import json
import os
import sys
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.harness import Context
from bench.http.servers import Server, log_tail
from bench.trials import Trial
from tests.support.infra import REPO_ROOT

CONNECTIONS = 16
LOAD_TIMEOUT_S = 120.0


class Loads:
    """Runs of the load generator against the servers; keeps each run's latencies."""

    def __init__(self, context: Context, token: str, body: Path, warmup_s: float) -> None:
        self._context, self._token, self._body, self._warmup_s = context, token, body, warmup_s
        self.latencies: defaultdict[str, list[dict[str, float]]] = defaultdict(list)

    def trial(self, name: str, server: Server, duration_s: float) -> Trial:
        async def measure() -> float:
            result = await run_load(
                self._context, server, self._token, self._body, duration_s, self._warmup_s
            )
            # None completed in the window is a result (rate 0); another status is not.
            if set(result["statuses"]) - {"202"}:
                answered = f"{name} answered {result['statuses']}, not only 202"
                raise RuntimeError(f"{answered}:\n{log_tail(server.log)}")
            self.latencies[name].append(result["latency_ms"])
            return float(result["rate"])

        return measure


async def run_load(
    context: Context, server: Server, token: str, body: Path, duration: float, warmup: float
) -> dict[str, Any]:
    """One run of the load generator (bench/http/load.py) in its own process."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.http.load",
        "--port",
        str(server.port),
        "--body",
        str(body),
        "--prefix",
        f"{context.run_id}-{uuid.uuid4().hex[:8]}",  # a new external id per request
        "--connections",
        str(CONNECTIONS),
        "--warmup",
        str(warmup),
        "--duration",
        str(duration),
        cwd=REPO_ROOT,
        env={**os.environ, "BENCH_TOKEN": token, "PYTHONPATH": str(REPO_ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), LOAD_TIMEOUT_S)
    if process.returncode != 0:
        raise RuntimeError(f"the load generator failed: {stderr.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(stdout)
    return result
