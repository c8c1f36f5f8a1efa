"""Streams distinct consultations onto `caselog.ingress` (our own JSON) at a steady rate, as a
platform's bridge would. A send that fails (the broker is down) is sent again until it is
delivered: intake de-duplicates by (platform, external id), so a resend changes nothing."""

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from services.intake.entrypoints.examples import ENGLISH
from shared.settings import DEFAULT_TOPICS

PLATFORM = "fault-test"
RESEND_S = 0.5


def consultation(run: str, index: int) -> dict[str, Any]:
    """The `index`-th consultation of a run: its own ticket and its own person, so every one
    opens a case of its own and must be decided exactly once."""
    return {
        **ENGLISH,
        "source": {"platform": PLATFORM, "external_id": external_id(run, index)},
        "customer": {
            **ENGLISH["customer"],
            "name": f"Fault Tester {run} {index}",
            "email": f"fault.{run}.{index}@example.com",
        },
    }


def external_id(run: str, index: int) -> str:
    return f"{run}-{index:05d}"


@dataclass
class Stream:
    """`count` consultations of run `run`, at most `rate` per second and never past the
    `allowed`-th (None: no bound) until it is raised; `sent` says how far it is."""

    bootstrap: str
    run: str
    count: int
    rate: float
    allowed: int | None = None
    sent: int = 0
    resends: int = 0

    async def produce(self) -> float:
        """Send them all; returns once every one was delivered, with the seconds it took."""
        started = time.monotonic()
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            request_timeout_ms=10_000,
            linger_ms=5,
        )
        await producer.start()
        try:
            deliveries = []
            due = started
            for index in range(self.count):
                while self.allowed is not None and index >= self.allowed:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)  # held back: the pipeline is that far behind
                # Paced by the clock, not by the sends: a slow send does not slow the stream.
                due = max(due + 1 / self.rate, time.monotonic())
                await asyncio.sleep(due - time.monotonic())
                deliveries.append(asyncio.create_task(self._deliver(producer, index)))
                self.sent = index + 1
            await asyncio.gather(*deliveries)
        finally:
            await producer.stop()
        return time.monotonic() - started

    async def _deliver(self, producer: AIOKafkaProducer, index: int) -> None:
        value = json.dumps(consultation(self.run, index)).encode()
        key = external_id(self.run, index).encode()
        while True:
            try:
                await producer.send_and_wait(DEFAULT_TOPICS.ingress, value, key=key)
                return
            except KafkaError:
                self.resends += 1
                await asyncio.sleep(RESEND_S)
