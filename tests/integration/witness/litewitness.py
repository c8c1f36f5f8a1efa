"""A real C2SP witness for tests: filippo.io/torchwood's litewitness (pinned by
deploy/witness/go.mod, built once into .cache/witness by deploy/witness/build.sh), started on
a free loopback port with a throwaway Ed25519 key in an ssh-agent of its own and a fresh
database, and told of one log (origin and verifier key) with its own witnessctl."""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.unavailable import missing_infrastructure

ROOT = Path(__file__).resolve().parents[3]
BUILD = ROOT / "deploy" / "witness" / "build.sh"
START_S = 20.0
_VKEY = re.compile(r"vkey=(\S+)")


@dataclass(frozen=True)
class RunningWitness:
    url: str
    vkey: str  # its cosignature verifier key (C2SP tlog-cosignature, type 0x04)
    name: str


def witness_tools() -> Path:
    """The directory with litewitness, witnessctl and checknote (built on first use)."""
    go = shutil.which("go") or "/usr/local/go/bin/go"
    if not Path(go).exists():
        missing_infrastructure("Go is needed to build litewitness (deploy/witness/build.sh)")
    built = subprocess.run(
        ["bash", str(BUILD)],
        capture_output=True,
        text=True,
        env={**os.environ, "GO": go},
        check=False,
        timeout=900,
    )
    if built.returncode != 0:
        missing_infrastructure(f"building litewitness failed: {built.stderr[-500:]}")
    return Path(built.stdout.strip())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def litewitness(folder: Path, name: str, origin: str, log_vkey: str) -> Iterator[RunningWitness]:
    """A litewitness named `name` that knows the log `origin` with key `log_vkey`."""
    tools = witness_tools()
    folder.mkdir(parents=True, exist_ok=True)
    key, sock, db = folder / "witness-key", folder / "agent.sock", folder / "witness.db"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    fingerprint = subprocess.run(
        ["ssh-keygen", "-lf", f"{key}.pub"], capture_output=True, text=True, check=True
    ).stdout.split()[1]
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    witness = None
    try:
        _wait_for(sock.exists, "ssh-agent")
        env = {**os.environ, "SSH_AUTH_SOCK": str(sock)}
        subprocess.run(["ssh-add", "-q", str(key)], env=env, check=True)
        ctl = str(tools / "witnessctl")
        subprocess.run([ctl, "add-log", "-db", str(db), "-origin", origin], check=True)
        subprocess.run(
            [ctl, "add-key", "-db", str(db), "-origin", origin, "-key", log_vkey], check=True
        )
        port = _free_port()
        log_file = folder / "litewitness.log"
        with log_file.open("wb") as log:
            witness = subprocess.Popen(
                [
                    str(tools / "litewitness"),
                    *("-db", str(db), "-name", name, "-key", fingerprint),
                    *("-ssh-agent", str(sock), "-listen", f"127.0.0.1:{port}"),
                ],
                stderr=log,
                stdout=log,
            )
        _wait_for(lambda: _listening(port), "litewitness", witness)
        found = _VKEY.search(log_file.read_text())
        assert found, "litewitness did not print its verifier key"
        yield RunningWitness(f"http://127.0.0.1:{port}", found.group(1), name)
    finally:
        for process in (witness, agent):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _wait_for(
    ready: Callable[[], bool], what: str, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + START_S
    while not ready():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start in {START_S} s")
        time.sleep(0.05)
