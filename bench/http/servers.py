"""Server processes for B3 and B9: started together, each with its own environment and log file,
ready once /readyz answers 200, stopped with SIGTERM as `make down` stops the services."""

import asyncio
import contextlib
import socket
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

READY_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """`python -m <module...>` in `cwd`, serving on 127.0.0.1 at a free port."""

    module: list[str]
    env: Mapping[str, str]
    cwd: Path
    log: Path
    port: int = field(default_factory=free_port)
    ready_path: str = "/readyz"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.asynccontextmanager
async def running(*servers: Server) -> AsyncIterator[None]:
    """Starts every server at once and waits until all are ready; stops them afterwards."""
    processes = [await _launch(server) for server in servers]
    try:
        await asyncio.gather(
            *(
                _wait_ready(process, server)
                for process, server in zip(processes, servers, strict=True)
            )
        )
        yield
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                process.kill()
                await process.wait()


def log_tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


async def _launch(server: Server) -> asyncio.subprocess.Process:
    with server.log.open("wb") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            *server.module,
            cwd=server.cwd,
            env={**server.env, "CASELOG_HTTP_PORT": str(server.port)},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )


async def _wait_ready(process: asyncio.subprocess.Process, server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RuntimeError(
                    f"{server.module} exited during start-up:\n{log_tail(server.log)}"
                )
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"{server.url}{server.ready_path}")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(
        f"{server.module} was not ready in {READY_TIMEOUT_S:.0f} s:\n{log_tail(server.log)}"
    )
