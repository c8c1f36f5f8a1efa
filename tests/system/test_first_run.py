"""`caselog run` as a new user meets it (issue #17, item 11): --port, --data-dir, --no-demo,
the demo announced, and a busy port named before any URL is printed."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.pipeline.deployments import embedded_environment
from services.runtime.demo import DEMOS
from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.settings import load_settings
from tests.system.test_make_run import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
CASELOG = ("-c", "import sys; from services.runtime.cli import main; main(sys.argv[1:])")
DEMO_LINE = f"loaded {len(DEMOS)} demo consultations; --no-demo to skip"
SERVING_WITHIN_S = 60.0
SIGN_IN_OFF = "(sign-in off: production needs CASELOG_CONSOLE_OIDC_ISSUER; the APIs answer)"


def environment(**more: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("CASELOG_")}
    return {
        **inherited,
        "PYTHONPATH": str(REPO_ROOT),
        "CASELOG_TOPICS_FILE": str(REPO_ROOT / "deploy" / "kafka" / "topics.toml"),
        **more,
    }


class Run:
    """`caselog run ...` in a directory of its own, its output read line by line."""

    def __init__(self, cwd: Path, *args: str, **env: str) -> None:
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


def test_a_busy_port_is_named_and_exits_before_any_url_is_printed(
    tmp_path: Path, busy_port: int
) -> None:
    # Set the way the README names it (the old code printed its URLs, then died with 3).
    finished = subprocess.run(
        [sys.executable, *CASELOG, "run"],
        cwd=tmp_path,
        env=environment(CASELOG_HTTP_PORT=str(busy_port), CASELOG_DEMO_SEED="false"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode != 0
    assert "http://" not in finished.stdout
    assert f"port {busy_port} on 127.0.0.1 is already in use" in finished.stderr
    assert "--port" in finished.stderr  # what to do instead
    assert not (tmp_path / "data").exists()  # nothing half-started


def test_run_serves_the_console_from_the_data_dir_and_announces_the_demo(
    tmp_path: Path,
) -> None:
    port, data = free_port(), tmp_path / "elsewhere"
    run = Run(tmp_path, "--port", str(port), "--data-dir", str(data))
    try:
        run.until(DEMO_LINE)
        for _demo in DEMOS:
            run.until(f"  demo     http://127.0.0.1:{port}/cases/")
        home = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=True)
        assert home.status_code == 200
        assert "caselog console" in home.text
        assert 'action="/signin/development"' in home.text
        assert any(line.endswith(f":{port}/  (sign in there)") for line in run.lines)
    finally:
        run.stop()
    assert {"bus.sqlite3", "intake.sqlite3", "records.sqlite3", "keys.sqlite3", "auth"} <= {
        path.name for path in data.iterdir()
    }
    assert not (tmp_path / "data").exists()  # every data file moved, none left in ./data
    with sqlite3.connect(data / "intake.sqlite3") as intake:
        assert intake.execute("select count(*) from intake_cases").fetchone() == (len(DEMOS),)


def test_no_demo_loads_and_announces_nothing(tmp_path: Path) -> None:
    port = free_port()
    run = Run(tmp_path, "--port", str(port), "--data-dir", str(tmp_path / "data"), "--no-demo")
    try:
        run.until("/privacy/docs")
        wait_ready(f"http://127.0.0.1:{port}/intake/readyz")
    finally:
        run.stop()
    assert run.process.stdout is not None
    printed = "\n".join(run.lines) + run.process.stdout.read()
    assert "demo consultations" not in printed
    with sqlite3.connect(tmp_path / "data" / "intake.sqlite3") as intake:
        assert intake.execute("select count(*) from intake_cases").fetchone() == (0,)


def test_production_without_an_identity_provider_serves_the_apis_and_refuses_sign_in(
    tmp_path: Path,
) -> None:
    """Bench B9's production run: no OIDC issuer. The services answer with their bearer
    tokens; the console says sign-in is off and what to set, and signs no one in."""
    port, legal = free_port(), development_issuer(tmp_path / "auth")
    token = legal.token(
        "legal-1", [Role.LEGAL], load_settings(service_name="records").auth_audience
    )
    run = Run(tmp_path, "--port", str(port), **embedded_environment(tmp_path))
    base = f"http://127.0.0.1:{port}"
    try:
        run.until("/privacy/docs")
        wait_ready(f"{base}/records/readyz")
        cases = httpx.get(f"{base}/records/v1/cases", headers={"Authorization": f"Bearer {token}"})
        sign_in_page = httpx.get(f"{base}/signin")
        provider = httpx.post(f"{base}/signin/oidc", data={"csrf": "x"})
    finally:
        run.stop()
    assert cases.status_code == 200, cases.text
    assert any(line.endswith(f":{port}/  {SIGN_IN_OFF}") for line in run.lines)
    assert sign_in_page.status_code == 503
    assert "CASELOG_CONSOLE_OIDC_ISSUER" in sign_in_page.text
    assert 'action="/signin/development"' not in sign_in_page.text
    assert provider.status_code in {403, 404}  # no way in, with or without a CSRF token
