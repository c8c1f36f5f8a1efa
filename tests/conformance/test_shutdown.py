"""SIGTERM lets a consumer finish the message in hand, commit and exit cleanly."""

import asyncio
import os
import signal
import sys
from pathlib import Path

from shared.bus.messages import OutgoingMessage
from tests.conformance.conftest import BusBackend
from tests.conformance.running import Collector, eventually, running
from tests.conformance.signalled_consumer import consume_until_signalled

REPO_ROOT = Path(__file__).resolve().parents[2]


async def signal_a_consumer_process(
    backend: BusBackend, topic: str, group: str, outfile: Path
) -> None:
    """Run the consumer in a process of its own and send it SIGTERM mid-message."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.conformance.signalled_consumer",
        backend.kind,
        backend.address,
        topic,
        group,
        str(outfile),
        cwd=REPO_ROOT,
        stderr=asyncio.subprocess.PIPE,
    )
    await eventually(lambda: "slow-started" in outfile.read_text(), "the slow message to start")
    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()[-2000:]


async def signal_this_process(backend: BusBackend, topic: str, group: str, outfile: Path) -> None:
    """An in-memory broker cannot be reached from another process, so the consumer runs here,
    under the same `run_until_signalled`, and the SIGTERM is sent to this process: its handler
    only asks the consumer to stop, exactly as in a process of its own."""
    consuming = asyncio.create_task(
        consume_until_signalled(await backend.new_bus(), topic, group, outfile)
    )
    await eventually(lambda: "slow-started" in outfile.read_text(), "the slow message to start")
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(consuming, 60)


async def test_sigterm_finishes_the_message_in_hand_and_commits(
    backend: BusBackend, tmp_path: Path
) -> None:
    topic = await backend.topic()
    group = backend.group("signalled")
    bus = await backend.new_bus()
    for value in (b"one", b"two", b"slow"):
        await bus.publish(OutgoingMessage(topic, value, key=b"case-1"))
    outfile = tmp_path / "handled.txt"
    outfile.touch()
    if backend.kind == "memory":
        await signal_this_process(backend, topic, group, outfile)
    else:
        await signal_a_consumer_process(backend, topic, group, outfile)

    assert outfile.read_text().split() == ["one", "two", "slow-started", "slow"]
    await bus.publish(OutgoingMessage(topic, b"after", key=b"case-1"))
    successor = Collector()
    async with running(bus.subscribe(group, [topic], successor)):
        await eventually(lambda: b"after" in successor.values, "the message after the restart")
    assert successor.values == [b"after"], "nothing handled before SIGTERM is delivered again"
