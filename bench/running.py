"""One run: find the infrastructure, run the chosen benchmarks under a progress bar, then write
bench/results/<timestamp>.json and .md and print the table."""

import asyncio
import importlib.metadata
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop

from bench import report, suite
from bench.harness import Benchmark, Context, SuiteResult, run_suite
from bench.infra import Infrastructure
from bench.machine import kafka_version, library_versions, machine, postgres_version
from bench.progress import progress_bar
from shared.logs import configure_logging
from shared.settings import load_settings


def run(
    *,
    quick: bool,
    only: set[str] | None,
    repetitions: int,
    results_dir: Path,
    intake_bus: str,
    progress: bool,
) -> int:
    """Returns the exit status: 1 when a benchmark failed (its error is in the results)."""
    # The services' log chain, on stderr and quiet: stdout carries the table.
    configure_logging(load_settings(service_name="bench", log_level="WARNING"))
    started, load_at_start = datetime.now(UTC), os.getloadavg()
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    benchmarks = suite.select(only)
    infrastructure = Infrastructure()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="caselog-bench-") as scratch,
            progress_bar(progress, len(benchmarks)) as (status, advance),
        ):
            context = Context(
                quick, repetitions, infrastructure, stamp, Path(scratch), intake_bus, status
            )
            # uvloop: the loop the services run on under uvicorn.
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                result = runner.run(run_suite(benchmarks, context, advance))
                versions = runner.run(_versions(infrastructure))
    finally:
        infrastructure.close()
    finished = datetime.now(UTC)
    run_facts: dict[str, Any] = {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "seconds": round((finished - started).total_seconds(), 1),
        "mode": "quick" if quick else "full",
        "repetitions": repetitions,
        "benchmarks": [benchmark.key for benchmark in benchmarks],
        "event_loop": f"uvloop {importlib.metadata.version('uvloop')}",
        "infrastructure": infrastructure.origins(),
        # The machine may be shared: a busy one slows every figure, caselog's and baselines'.
        "load_average_1_5_15_min": {
            "start": [round(value, 2) for value in load_at_start],
            "end": [round(value, 2) for value in os.getloadavg()],
        },
    }
    return _write(results_dir, stamp, run_facts, versions, benchmarks, result)


def _write(
    results_dir: Path,
    stamp: str,
    run_facts: dict[str, Any],
    versions: dict[str, str],
    benchmarks: tuple[Benchmark, ...],
    result: SuiteResult,
) -> int:
    pending = suite.PENDING if len(benchmarks) == len(suite.IMPLEMENTED) else ()
    doc = report.document(
        run_facts, machine(), versions, result.figures, pending, result.failures, result.seconds
    )
    results_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = results_dir / f"{stamp}.json", results_dir / f"{stamp}.md"
    json_path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    table = report.markdown(doc)
    md_path.write_text(table, encoding="utf-8")
    print(table)
    print(f"bench: wrote {json_path} and {md_path}", file=sys.stderr)
    return 1 if result.failures else 0


async def _versions(infrastructure: Infrastructure) -> dict[str, str]:
    libraries = library_versions()
    servers: dict[str, str] = {}
    origins = infrastructure.origins()
    if "kafka" in origins:
        servers["kafka"] = kafka_version(origins["kafka"], infrastructure.kafka_image())
    if "postgres" in origins:
        servers["postgresql"] = await postgres_version(await infrastructure.postgres())
    return {"python": libraries.pop("python"), **servers, **libraries}
