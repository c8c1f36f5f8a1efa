"""`caselog run` as a new user meets it (issue #17, item 11): --port, --data-dir, --no-demo,
the demo announced, and a busy port named before any URL is printed.

Each run starts in an empty temp dir with no CASELOG_* variable but the ones a test names:
what the repository's working directory would have supplied must not be needed."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.pipeline.deployments import embedded_environment
from services.runtime.demo import DEMOS
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.settings import load_settings
from tests.system.test_make_run import TOKEN_LINE, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
CASELOG = ("-c", "import sys; from services.runtime.cli import main; main(sys.argv[1:])")
DEMO_LINE = (
    f"loaded {len(DEMOS)} demo consultations: fictitious people and tickets to try the console"
    " on; --no-demo (or CASELOG_DEMO_SEED=false) skips them"
)
SERVING_WITHIN_S = 60.0
SIGN_IN_OFF = "(sign-in off: production needs CASELOG_CONSOLE_OIDC_ISSUER; the APIs answer)"


def environment(**more: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("CASELOG_")}
    return {**inherited, "PYTHONPATH": str(REPO_ROOT), **more}


def caselog(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`caselog <args>` to its end (one that must not start serving)."""
    return subprocess.run(
        [sys.executable, *CASELOG, *args],
        cwd=cwd,
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


class Run:
    """`caselog run ...` in a directory of its own, its output read line by line."""

    def __init__(self, cwd: Path, *args: str, **env: str) -> None:
        self.port = free_port()
        if "--port" not in args:
            args = ("--port", str(self.port), *args)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, *CASELOG, "run", *args],
            cwd=cwd,
            env=environment(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # the logs; what a person reads is on stdout
            text=True,
        )
        self.lines: list[str] = []

    def until(self, wanted: str) -> None:
        assert self.process.stdout is not None
        deadline = time.monotonic() + SERVING_WITHIN_S
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            if wanted in line:
                return
        pytest.fail(f"never printed {wanted!r}; printed:\n" + "\n".join(self.lines))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_ready(url: str) -> None:
    """Until `url` answers 200 (the server is printed before it listens), or the time is up."""
    deadline = time.monotonic() + SERVING_WITHIN_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(url).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{url} never answered 200")


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.mark.parametrize(
    ("command", "how"),
    [
        # Set the way the README names it (the old code printed its URLs, then died with 3).
        (("run",), "environment"),
        (("serve", "records"), "option"),
    ],
)
def test_a_busy_port_is_one_line_and_an_exit_before_any_url_is_printed(
    tmp_path: Path, busy_port: int, command: tuple[str, ...], how: str
) -> None:
    port = {"CASELOG_HTTP_PORT": str(busy_port)} if how == "environment" else {}
    option = ("--port", str(busy_port)) if how == "option" else ()
    finished = caselog(tmp_path, *command, *option, CASELOG_DEMO_SEED="false", **port)

    assert finished.returncode == 2
    assert "http://" not in finished.stdout
    assert finished.stderr.splitlines() == [
        f"caselog: port {busy_port} on 127.0.0.1 is already in use (another caselog, or"
        f" another program); choose another with --port or CASELOG_HTTP_PORT, e.g. --port"
        f" {busy_port + 1}"
    ]
    assert not (tmp_path / "data").exists()  # nothing half-started


def test_a_data_dir_that_cannot_be_created_is_one_line_and_an_exit(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")

    finished = caselog(tmp_path, "run", "--port", str(free_port()), "--data-dir", "a-file/data")

    assert finished.returncode == 2
    assert "http://" not in finished.stdout
    assert finished.stderr.splitlines() == [
        "caselog: cannot use a-file/data as the data directory (Not a directory); choose"
        " another with --data-dir"
    ]


def test_the_options_say_which_variable_each_overrides(tmp_path: Path) -> None:
    shown = caselog(tmp_path, "run", "--help").stdout
    words = " ".join(shown.split())  # argparse wraps to the terminal's width

    assert "--port PORT HTTP port; wins over CASELOG_HTTP_PORT (default 8000)" in words
    assert "wins over CASELOG_HTTP_HOST (default 127.0.0.1)" in words
    assert "--data-dir DATA_DIR where the SQLite files" in words
    assert "fictitious demo consultations; wins over CASELOG_DEMO_SEED" in words


def test_run_serves_the_console_from_the_data_dir_and_announces_the_demo(
    tmp_path: Path, busy_port: int
) -> None:
    """From an empty directory, the port option winning over CASELOG_HTTP_PORT (busy)."""
    data = tmp_path / "elsewhere"
    run = Run(tmp_path, "--data-dir", str(data), CASELOG_HTTP_PORT=str(busy_port))
    try:
        run.until(DEMO_LINE)
        for demo in DEMOS:
            run.until(demo.what)
            assert re.fullmatch(
                rf"  demo     {run.url}/cases/[0-9a-f-]{{36}}  {re.escape(demo.what)}",
                run.lines[-1],
            ), run.lines[-1]
        home = httpx.get(f"{run.url}/", follow_redirects=True)
        assert home.status_code == 200
        assert "caselog console" in home.text
        assert 'action="/signin/development"' in home.text
        assert any(line.endswith(f":{run.port}/  (sign in there)") for line in run.lines)
        assert f"  data in  {data}/" in run.lines
        announced = {line.split("/cases/")[1].split()[0] for line in run.lines if "/cases/" in line}
        listed = records_cases(run)
    finally:
        run.stop()
    assert listed["total"] == len(DEMOS)
    assert {case["case_id"] for case in listed["cases"]} == announced
    assert {"bus.sqlite3", "intake.sqlite3", "records.sqlite3", "keys.sqlite3", "auth"} <= {
        path.name for path in data.iterdir()
    }
    assert not (tmp_path / "data").exists()  # every data file moved, none left in ./data
    with sqlite3.connect(data / "intake.sqlite3") as intake:
        assert intake.execute("select count(*) from intake_cases").fetchone() == (len(DEMOS),)


def test_no_demo_loads_and_announces_nothing(tmp_path: Path) -> None:
    run = Run(tmp_path, "--data-dir", str(tmp_path / "data"), "--no-demo")
    try:
        listed = records_cases(run)
    finally:
        run.stop()
    assert run.process.stdout is not None
    printed = "\n".join(run.lines) + run.process.stdout.read()
    assert "demo consultations" not in printed
    assert "/cases/" not in printed
    assert listed["total"] == 0, listed
    with sqlite3.connect(tmp_path / "data" / "intake.sqlite3") as intake:
        assert intake.execute("select count(*) from intake_cases").fetchone() == (0,)


def records_cases(run: Run) -> dict[str, Any]:
    """Records' `GET /v1/cases` with the legal development token `run` printed, once records
    holds every case intake has (it follows the bus; the demo is seeded at start-up)."""
    last_token = f"  {Role.ADMIN.value} "
    if not any(line.startswith(last_token) for line in run.lines):  # printed before the demo
        run.until(last_token)
    tokens = {m[1]: m[2] for line in run.lines if (m := TOKEN_LINE.match(line))}
    wait_ready(f"{run.url}/records/readyz")
    headers = {"Authorization": f"Bearer {tokens[Role.LEGAL.value]}"}
    deadline = time.monotonic() + SERVING_WITHIN_S
    while True:
        found = httpx.get(f"{run.url}/records/v1/cases", headers=headers)
        assert found.status_code == 200, found.text
        listed: dict[str, Any] = found.json()
        if listed["total"] >= len(DEMOS) or time.monotonic() > deadline:
            return listed
        if not any("demo consultations" in line for line in run.lines):
            return listed  # no demo announced: nothing to wait for
        time.sleep(0.2)


def test_production_without_an_identity_provider_serves_the_apis_and_refuses_sign_in(
    tmp_path: Path,
) -> None:
    """Bench B9's production run: no OIDC issuer. The services answer with their bearer
    tokens; the console says sign-in is off and what to set, and signs no one in."""
    legal = development_issuer(tmp_path / "auth")
    token = legal.token(
        "legal-1", [Role.LEGAL], load_settings(service_name="records").auth_audience
    )
    run = Run(tmp_path, **embedded_environment(tmp_path))
    base = run.url
    try:
        run.until("/privacy/docs")
        wait_ready(f"{base}/records/readyz")
        cases = httpx.get(f"{base}/records/v1/cases", headers={"Authorization": f"Bearer {token}"})
        sign_in_page = httpx.get(f"{base}/signin")
        provider = httpx.post(f"{base}/signin/oidc", data={"csrf": "x"})
    finally:
        run.stop()
    assert cases.status_code == 200, cases.text
    assert any(line.endswith(f":{run.port}/  {SIGN_IN_OFF}") for line in run.lines)
    assert sign_in_page.status_code == 503
    assert "CASELOG_CONSOLE_OIDC_ISSUER" in sign_in_page.text
    assert 'action="/signin/development"' not in sign_in_page.text
    assert provider.status_code in {403, 404}  # no way in, with or without a CSRF token
