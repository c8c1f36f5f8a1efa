"""A consumer process for the shutdown test: handles messages until SIGTERM, logging each value.

Usage: python -m tests.conformance.signalled_consumer kafka|embedded ADDRESS TOPIC GROUP OUTFILE
"""

import asyncio
import sys
from pathlib import Path

from shared.bus.embedded import EmbeddedBus
from shared.bus.interface import Bus
from shared.bus.kafka import KafkaBus
from shared.bus.messages import ConsumedMessage
from shared.bus.runner import run_until_signalled


async def consume_until_signalled(bus: Bus, topic: str, group: str, outfile: Path) -> None:
    """Handle `topic` in `group` until SIGTERM, writing each value to `outfile`; a message
    `slow` takes 1.5 s, so the signal can arrive while it is in hand."""

    async def handle(message: ConsumedMessage) -> None:
        if message.value == b"slow":
            with outfile.open("a") as out:
                out.write("slow-started\n")
            await asyncio.sleep(1.5)  # SIGTERM arrives now: the handler must still finish
        with outfile.open("a") as out:
            out.write(message.value.decode() + "\n")

    await run_until_signalled([bus.subscribe(group, [topic], handle)])


async def main(kind: str, address: str, topic: str, group: str, outfile: Path) -> None:
    bus: Bus = KafkaBus(address) if kind == "kafka" else EmbeddedBus(Path(address))
    await bus.start()
    try:
        await consume_until_signalled(bus, topic, group, outfile)
    finally:
        await bus.close()


if __name__ == "__main__":
    kind, address, topic, group, outfile = sys.argv[1:6]
    asyncio.run(main(kind, address, topic, group, Path(outfile)))
