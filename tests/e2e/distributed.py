"""The distributed runtime for a test: each service its own `python -m services <name>`
process in production mode, on the real Kafka broker and one PostgreSQL database each; or the
same four processes in development mode, sharing one embedded bus and key store on SQLite."""

import asyncio
import base64
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from services.runtime.embedded import SERVICES
from services.runtime.serving import CONSOLE
from shared.auth.development import DEV_ISSUER
from shared.bus.factory import build_bus
from shared.bus.topics import load_topic_specs
from shared.merkle.keys import NoteSigner
from shared.secret_files import create_private_file
from shared.settings import load_settings
from tests.e2e.broker import free_port
from tests.e2e.scenario import ServiceUrls
from tests.integration.databases import fresh_database

REPO_ROOT = Path(__file__).resolve().parents[2]
TOPICS_FILE = REPO_ROOT / "deploy" / "kafka" / "topics.toml"
READY_S = 120.0  # a loaded 2-core machine has taken 56 s to start intake
STOP_S = 20.0


@dataclass(frozen=True, slots=True)
class Distributed:
    """A running deployment: where the services serve, what they store and where they log;
    any service may be killed and started again as it was (same environment, port, database)."""

    urls: ServiceUrls
    databases: dict[str, str]  # SQLAlchemy URLs: one per service, and "keystore"
    logs: list[Path]
    environments: dict[str, dict[str, str]]
    processes: dict[str, subprocess.Popen[bytes]]
    folder: Path

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown, no commit, no flush; in-flight work is simply gone."""
        process = self.processes[name]
        process.kill()
        process.wait()

    async def restart(self, name: str) -> None:
        """Start `name` again as before, its log continued; returns once it is ready."""
        assert self.processes[name].poll() is not None, f"{name} is still running"
        self.processes[name] = _start(name, self.environments[name], self.folder, append=True)
        await _until_ready(name, getattr(self.urls, name), self.processes[name], self.folder)


@contextlib.asynccontextmanager
async def distributed_services(
    kafka: str,
    postgres: str,
    folder: Path,
    jwks_file: Path,
    settings: Mapping[str, str] | None = None,
) -> AsyncIterator[Distributed]:
    """The four services serving on free loopback ports; logs in `folder`/<name>.log.
    `settings`: CASELOG_* variables every service gets besides deploy/up.sh's."""
    await _declare_topics(kafka)
    async with contextlib.AsyncExitStack() as stack:
        keystore = await stack.enter_async_context(fresh_database(postgres))
        shared = {**_shared_environment(kafka, keystore, folder, jwks_file), **(settings or {})}
        databases = {
            name: await stack.enter_async_context(fresh_database(postgres)) for name in SERVICES
        }
        processes: dict[str, subprocess.Popen[bytes]] = {}
        # Registered after the databases: the services stop before their databases are dropped.
        stack.callback(_stop_all, processes)
        urls: dict[str, str] = {}
        environments: dict[str, dict[str, str]] = {}
        for name, database in databases.items():
            port = free_port()
            environment = {**shared, "DATABASE_URL": database, "CASELOG_HTTP_PORT": str(port)}
            environments[name] = environment
            processes[name] = _start(name, environment, folder)
            urls[name] = f"http://127.0.0.1:{port}"
        for name, url in urls.items():
            await _until_ready(name, url, processes[name], folder)
        yield Distributed(
            urls=ServiceUrls(**urls),
            databases={**databases, "keystore": keystore},
            logs=[folder / f"{name}.log" for name in processes],
            environments=environments,
            processes=processes,
            folder=folder,
        )


@dataclass(frozen=True, slots=True)
class RunningConsole:
    url: str
    log: Path


@contextlib.asynccontextmanager
async def console_beside(
    deployment: Distributed, dev_keys_dir: Path, log_verifier_key: str
) -> AsyncIterator[RunningConsole]:
    """`caselog serve console` as its own process, configured as deploy/up.sh does: pointed
    at the services' URLs, signing in by the development role picker with tokens of the
    issuer in `dev_keys_dir` (the one whose JWKS the services trust), the records log's key
    pinned for the proof page."""
    port = free_port()
    urls = deployment.urls
    environment = {
        **_inherited_environment(),
        "CASELOG_ENVIRONMENT": "development",
        "CASELOG_AUTH_DEV_KEYS_DIR": str(dev_keys_dir),
        "CASELOG_HTTP_PORT": str(port),
        "CASELOG_CONSOLE_SESSION_SECRET": secrets.token_urlsafe(32),
        "CASELOG_CONSOLE_INTAKE_URL": urls.intake,
        "CASELOG_CONSOLE_POLICY_URL": urls.policy,
        "CASELOG_CONSOLE_RECORDS_URL": urls.records,
        "CASELOG_CONSOLE_PRIVACY_URL": urls.privacy,
        "CASELOG_CONSOLE_LOG_VERIFIER_KEY": log_verifier_key,
    }
    processes = {CONSOLE: _start(CONSOLE, environment, deployment.folder)}
    url = f"http://127.0.0.1:{port}"
    try:
        await _until_ready(CONSOLE, url, processes[CONSOLE], deployment.folder)
        yield RunningConsole(url, deployment.folder / f"{CONSOLE}.log")
    finally:
        _stop_all(processes)


@contextlib.asynccontextmanager
async def development_services(folder: Path) -> AsyncIterator[Distributed]:
    """The four services as separate processes in development mode, all working in `folder`:
    one embedded bus (`data/bus.sqlite3`) and key store, a SQLite database each, the
    development keys in `data/auth` (trusted for tokens). Intake starts first, alone: it
    creates the development secrets the others then read."""
    environment = {
        **_inherited_environment(),
        "CASELOG_BUS": "embedded",
        "CASELOG_TOPICS_FILE": str(TOPICS_FILE),
        "CASELOG_LOG_LEVEL": "WARNING",
        # The fuzzer sends thousands of requests without a token from one address: the 401
        # throttle (tested on its own) would answer them 429 instead of the 401 they are owed.
        "CASELOG_HTTP_AUTH_FAILURES_PER_WINDOW": "1000000",
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    urls: dict[str, str] = {}
    environments: dict[str, dict[str, str]] = {}
    try:
        first, *others = SERVICES
        for names in ([first], others):
            for name in names:
                port = free_port()
                environments[name] = {**environment, "CASELOG_HTTP_PORT": str(port)}
                processes[name] = _start(name, environments[name], folder)
                urls[name] = f"http://127.0.0.1:{port}"
            for name in names:
                await _until_ready(name, urls[name], processes[name], folder)
        data = folder / "data"
        yield Distributed(
            urls=ServiceUrls(**urls),
            databases={name: f"sqlite+aiosqlite:///{data}/{name}.sqlite3" for name in SERVICES},
            logs=[folder / f"{name}.log" for name in processes],
            environments=environments,
            processes=processes,
            folder=folder,
        )
    finally:
        _stop_all(processes)


async def _declare_topics(kafka: str) -> None:
    settings = load_settings(service_name="e2e-admin", bus="kafka", kafka_bootstrap_servers=kafka)
    bus = build_bus(settings)
    await bus.start()
    try:
        await bus.ensure_topics(load_topic_specs(TOPICS_FILE))
    finally:
        await bus.close()


def _shared_environment(kafka: str, keystore: str, folder: Path, jwks_file: Path) -> dict[str, str]:
    """What deploy/up.sh exports, with secrets of this test's own; nothing of ours leaks in."""
    secret_files = {}
    for name in ("kek", "pepper"):
        path = folder / f"{name}.b64"
        create_private_file(path, base64.b64encode(secrets.token_bytes(32)))
        secret_files[name] = str(path)
    for name in ("records", "privacy"):
        path = folder / f"{name}-signing.key"
        create_private_file(path, NoteSigner.generate(f"caselog.e2e/{name}").key_string().encode())
        secret_files[name] = str(path)
    return {
        **_inherited_environment(),
        "CASELOG_BUS": "kafka",
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "CASELOG_ENVIRONMENT": "production",
        # Unique per run: the transactional ids include it, and equal ids fence each other.
        "CASELOG_KAFKA_INSTANCE_ID": f"e2e-{uuid.uuid4().hex[:12]}",
        "CASELOG_KEYSTORE_URL": keystore,
        "CASELOG_TOPICS_FILE": str(TOPICS_FILE),
        "CASELOG_CRYPTO__KEK_PROVIDER": "file",
        "CASELOG_CRYPTO__KEK_FILE": secret_files["kek"],
        "CASELOG_CRYPTO__PEPPER_SOURCE": "file",
        "CASELOG_CRYPTO__PEPPER_FILE": secret_files["pepper"],
        # The log's own origin, which production requires; the key above is named by it.
        "CASELOG_RECORDS_ORIGIN": "caselog.e2e/records",
        # The epoch keyring every service process shares, as deploy/up.sh gives it.
        "CASELOG_CRYPTO__KEYRING_DIR": str(folder / "keyring"),
        "CASELOG_RECORDS_SIGNING_KEY_FILE": secret_files["records"],
        "CASELOG_PRIVACY_SIGNING_KEY_FILE": secret_files["privacy"],
        "CASELOG_AUTH_JWKS_FILE": str(jwks_file),
        "CASELOG_AUTH_ISSUER": DEV_ISSUER,
    }


def _inherited_environment() -> dict[str, str]:
    """The test's environment without caselog's settings: the services get only ours."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CASELOG_") and key not in {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"}
    }


def _start(
    name: str, environment: dict[str, str], folder: Path, append: bool = False
) -> subprocess.Popen[bytes]:
    log = (folder / f"{name}.log").open("ab" if append else "wb")
    with log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "services", name],
            cwd=folder,  # any default data/ path lands in the test's folder
            # Unbuffered: the log file holds everything said so far, for the leak scan.
            env={**environment, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def _until_ready(name: str, url: str, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + READY_S
    async with httpx.AsyncClient(timeout=2.0) as http:
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{url}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.25)
    log = (folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    raise AssertionError(f"{name} not ready (exit status {process.poll()}):\n{log[-3000:]}")


def _stop_all(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes.values():
        try:
            process.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
