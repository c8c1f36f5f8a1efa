"""The scheduled sweep: runs every interval, survives a failed run, stops when asked."""

import asyncio

from services.privacy.domain.errors import PrivacyError
from services.privacy.service_layer.retention import sweep_every


async def test_sweeps_run_on_schedule_past_a_failure_until_stopped() -> None:
    stop, runs = asyncio.Event(), []

    async def sweep() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise PrivacyError("the database is restarting")
        if len(runs) == 3:
            stop.set()

    await asyncio.wait_for(sweep_every(0.01, sweep, stop), timeout=5)

    assert runs == [0, 1, 2]


async def test_nothing_runs_before_the_first_interval() -> None:
    stop, runs = asyncio.Event(), []

    async def sweep() -> None:
        runs.append(1)

    task = asyncio.create_task(sweep_every(3600, sweep, stop))
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=5)

    assert runs == []
