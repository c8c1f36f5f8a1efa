"""A Kafka broker of the test's own, which it may stop and start again mid-stream: the shared
broker serves every other test. The same `deploy/kafka/kafka.sh` as `make kafka`, on free
ports, with its data in the test's folder."""

import contextlib
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.infra import KAFKA_SCRIPT, run_script

# The script waits up to 90 s for the broker to answer; a first fetch of the jars takes longer.
SCRIPT_S = 600.0


@dataclass(frozen=True, slots=True)
class OwnBroker:
    """One single-node KRaft broker: `kafka.sh` with KAFKA_PORT/_CONTROLLER_PORT/_RUN_DIR."""

    folder: Path
    port: int
    controller_port: int
    properties: tuple[tuple[str, str], ...] = ()  # appended to server.properties

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start (or restart, keeping the data) the broker; the seconds until it answered."""
        return self._script("start")

    def stop(self) -> float:
        """Stop the broker (SIGTERM, a controlled shutdown); the seconds it took."""
        return self._script("stop")

    def _script(self, command: str) -> float:
        started = time.monotonic()
        environment = {
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KAFKA_RUN_DIR": str(self.folder),
            "KAFKA_EXTRA_PROPERTIES": "\n".join(f"{key}={value}" for key, value in self.properties),
        }
        run_script(KAFKA_SCRIPT, SCRIPT_S, command, environment)
        return time.monotonic() - started


@contextlib.contextmanager
def own_broker(folder: Path, **properties: str) -> Iterator[OwnBroker]:
    """A broker on free loopback ports for the block, stopped afterwards; `properties`
    (dots as underscores: `log_retention_check_interval_ms="1000"`) added to its settings."""
    port = free_port()
    controller_port = free_port()
    while controller_port == port:
        controller_port = free_port()
    settings = tuple((key.replace("_", "."), value) for key, value in properties.items())
    broker = OwnBroker(folder, port, controller_port, settings)
    try:
        broker.start()
        yield broker
    finally:
        broker.stop()


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
