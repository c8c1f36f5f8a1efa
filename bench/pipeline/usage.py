"""What the service processes use while something runs: peak resident memory (sampled from
/proc) and CPU time."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

from bench.pipeline.processes import cpu_seconds, memory_mib

INTERVAL_S = 0.1


@dataclass
class Usage:
    """Per process name, once the block is done: highest RSS (MiB) and CPU seconds used."""

    peak_mib: dict[str, float] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)


@contextlib.asynccontextmanager
async def usage(pids: Mapping[str, int]) -> AsyncIterator[Usage]:
    used = Usage({name: memory_mib(pid) for name, pid in pids.items()})
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set():
            for name, pid in pids.items():
                used.peak_mib[name] = max(used.peak_mib[name], memory_mib(pid))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), INTERVAL_S)

    task = asyncio.create_task(sample())
    try:
        yield used
    finally:
        stop.set()
        await task
        used.cpu_s = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
