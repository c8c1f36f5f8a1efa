"""`make bench-quick` as a smoke test on the real broker and database: the harness measures
every implemented benchmark and writes its results. It asserts no speed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.suite import EXTRA_FIGURE_IDS, IMPLEMENTED, PENDING

REPO_ROOT = Path(__file__).resolve().parents[2]
HANG_GUARD_S = 300  # the quick run takes a minute or two on a busy machine; this stops a hang

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def quick_run(
    kafka_bootstrap: str, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    results = tmp_path_factory.mktemp("bench-results")
    environment = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DATABASE_URL": postgres_url,
    }
    command = [sys.executable, "-m", "bench", "--quick", "--no-progress"]
    completed = subprocess.run(
        [*command, "--results-dir", str(results)],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:] + completed.stdout[-4000:]
    return results, completed


def test_results_are_written_as_json_and_markdown(
    quick_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    results, completed = quick_run
    assert len(list(results.glob("*.json"))) == 1
    [table] = results.glob("*.md")
    assert table.read_text() in completed.stdout  # the table is printed too


def test_every_implemented_benchmark_has_figures_with_spread_and_ratio(
    quick_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    doc = json.loads(next(quick_run[0].glob("*.json")).read_text())
    assert doc["failures"] == []
    ids = {figure["id"] for figure in doc["figures"]}
    assert ids == {b.key for b in IMPLEMENTED} | EXTRA_FIGURE_IDS
    for key in ids - EXTRA_FIGURE_IDS:  # a benchmark compares with a baseline or a target
        assert any(f["baseline"] or f["target"] for f in doc["figures"] if f["id"] == key), key
    for figure in doc["figures"]:
        for spread in (figure["caselog"], figure["baseline"]):
            if spread is None:  # a measure without a baseline: latency, memory, erasure
                continue
            assert len(spread["samples"]) >= 3
            assert spread["min"] <= spread["median"] <= spread["max"]
        if figure["baseline"] is None:
            assert figure["ratio"] is None
            continue
        expected = figure["caselog"]["median"] / figure["baseline"]["median"]
        assert figure["ratio"] == pytest.approx(expected)
        assert figure["baseline"]["name"]
        assert figure["target"]


def test_machine_versions_and_what_is_not_yet_measured_are_recorded(
    quick_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    doc = json.loads(next(quick_run[0].glob("*.json")).read_text())
    machine = doc["machine"]
    assert machine["cpu"]
    assert machine["cores"] >= 1
    assert machine["memory_gib"] > 0
    assert machine["os"]
    for name in ("python", "kafka", "postgresql", "aiokafka", "sqlalchemy", "fastapi"):
        assert doc["versions"][name]
    assert doc["run"]["mode"] == "quick"
    assert [item["key"] for item in doc["not_yet_measured"]] == [p.key for p in PENDING]
