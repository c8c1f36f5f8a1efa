"""The pipeline running as B2 and B9 measure it: distributed (each service its own process on
Kafka and PostgreSQL, production mode, as tests/e2e starts it) or embedded (`caselog run`: one
process, SQLite and the embedded bus, production mode too). Either comes with a bus to publish
ingress messages on, and a tracker fed by the intake and records topics."""

import base64
import contextlib
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.http.servers import Server, log_tail, running
from bench.infra import Infrastructure
from bench.pipeline.processes import running_module
from bench.pipeline.taps import embedded_tap, kafka_tap
from bench.pipeline.tracker import Tracker
from services.runtime.embedded import SERVICES
from shared.auth.development import DEV_ISSUER, DevelopmentIssuer, development_issuer
from shared.bus.embedded import EmbeddedBus
from shared.bus.interface import Bus
from shared.bus.kafka import KafkaBus
from shared.bus.topics import load_topic_specs
from shared.merkle.keys import NoteSigner
from shared.settings import DEFAULT_TOPICS
from tests.e2e.distributed import Distributed, distributed_services
from tests.e2e.scenario import ServiceUrls
from tests.support.infra import REPO_ROOT

TOPICS_FILE = REPO_ROOT / "deploy" / "kafka" / "topics.toml"
TRACKED = [
    s
    for s in load_topic_specs(TOPICS_FILE)
    if s.name in {DEFAULT_TOPICS.intake, DEFAULT_TOPICS.records}
]
EMBEDDED_MODULE = "bench.pipeline.serve_embedded"


@dataclass
class Pipeline:
    """A running pipeline: publish on `bus`, watch `tracker`; `pids` of its service processes."""

    runtime: str
    bus: Bus
    tracker: Tracker
    urls: ServiceUrls
    issuer: DevelopmentIssuer
    pids: dict[str, int]
    deployment: Distributed | None = None  # the distributed one's databases, folder, processes
    _numbers: Iterator[int] = field(default_factory=itertools.count)
    _run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def tickets(self, count: int, label: str) -> list[str]:
        """Ticket ids never used before (intake de-duplicates by ticket)."""
        return [f"{label}-{self._run}-{next(self._numbers)}" for _ in range(count)]


@contextlib.asynccontextmanager
async def distributed(infrastructure: Infrastructure, folder: Path) -> AsyncIterator[Pipeline]:
    kafka, postgres = await infrastructure.kafka(), await infrastructure.postgres()
    issuer, tracker = development_issuer(folder / "auth"), Tracker()
    jwks = folder / "auth" / "dev-jwks.json"
    async with distributed_services(kafka, postgres, folder, jwks) as deployment:
        pids = running_module("services")
        bus = KafkaBus(kafka, client_id="caselog-bench-ingress")
        await bus.start()
        try:
            async with kafka_tap(kafka, TRACKED, tracker.handle):
                yield Pipeline(
                    "distributed", bus, tracker, deployment.urls, issuer, pids, deployment
                )
        finally:
            await bus.close()


@contextlib.asynccontextmanager
async def embedded(folder: Path) -> AsyncIterator[Pipeline]:
    issuer, tracker = development_issuer(folder / "auth"), Tracker()
    environment = embedded_environment(folder)
    log = folder / "embedded.log"
    server = Server([EMBEDDED_MODULE], environment, folder, log, ready_path="/healthz")
    async with running(server):
        pids = {"embedded": running_module(EMBEDDED_MODULE)[EMBEDDED_MODULE]}
        bus = EmbeddedBus(Path(environment["CASELOG_EMBEDDED_BUS_PATH"]))
        await bus.start()
        try:
            async with embedded_tap(bus, TRACKED, tracker.handle):
                urls = ServiceUrls(**{name: f"{server.url}/{name}" for name in SERVICES})
                yield Pipeline("embedded", bus, tracker, urls, issuer, pids)
        except TimeoutError as error:  # the scratch folder goes with the run: say what it said
            raise TimeoutError(
                f"{error}; the embedded runtime's log ends:\n{log_tail(log)}"
            ) from None
        finally:
            await bus.close()


def embedded_environment(folder: Path) -> dict[str, str]:
    """Production mode with secrets of its own, as deploy/up.sh would set for one host (and no
    identity provider: the console refuses sign-in, the APIs answer)."""
    for name in ("kek", "pepper"):
        (folder / f"{name}.b64").write_text(base64.b64encode(os.urandom(32)).decode())
        (folder / f"{name}.b64").chmod(0o600)  # the services refuse a secret others can read
    for name in ("records", "privacy"):
        key = NoteSigner.generate(f"caselog.bench/{name}").key_string()
        (folder / f"{name}-signing.key").write_text(key)
        (folder / f"{name}-signing.key").chmod(0o600)
    # Not DATABASE_URL either: the embedded services keep SQLite files of their own.
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CASELOG_") and key not in {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"}
    }
    return {
        **inherited,
        "PYTHONPATH": str(REPO_ROOT),
        "CASELOG_ENVIRONMENT": "production",
        "CASELOG_DEMO_SEED": "false",
        "CASELOG_EMBEDDED_BUS_PATH": str(folder / "data" / "bus.sqlite3"),
        "CASELOG_TOPICS_FILE": str(TOPICS_FILE),
        "CASELOG_CRYPTO__KEK_PROVIDER": "file",
        "CASELOG_CRYPTO__KEK_FILE": str(folder / "kek.b64"),
        "CASELOG_CRYPTO__PEPPER_SOURCE": "file",
        "CASELOG_CRYPTO__PEPPER_FILE": str(folder / "pepper.b64"),
        # The log's own origin, which production requires; the key above is named by it.
        "CASELOG_RECORDS_ORIGIN": "caselog.bench/records",
        "CASELOG_CRYPTO__KEYRING_DIR": str(folder / "keyring"),
        # The embedded runtime serves the console too; production wants its own session secret.
        "CASELOG_CONSOLE_SESSION_SECRET": base64.b64encode(os.urandom(32)).decode(),
        "CASELOG_RECORDS_SIGNING_KEY_FILE": str(folder / "records-signing.key"),
        "CASELOG_PRIVACY_SIGNING_KEY_FILE": str(folder / "privacy-signing.key"),
        "CASELOG_AUTH_JWKS_FILE": str(folder / "auth" / "dev-jwks.json"),
        "CASELOG_AUTH_ISSUER": DEV_ISSUER,
    }
