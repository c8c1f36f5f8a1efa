"""Load on the ingress topic: a backlog published at once (the sustained rate), or consultations
paced at a set rate, open loop (latency from each one's due time, so a stall counts)."""

import asyncio
import statistics
import time

from bench.bus_sides import publish_all
from bench.pipeline.consultations import customer, ingress_message
from bench.pipeline.deployments import Pipeline

IN_FLIGHT = 64
PERCENTILES = (50, 95, 99)


async def backlog(pipeline: Pipeline, count: int) -> float:
    """Consultations/s: `count` published at once, until the last one's decision is in records."""
    tickets = pipeline.tickets(count, "backlog")
    messages = [ingress_message(ticket, customer(ticket)) for ticket in tickets]
    started = time.perf_counter()
    await publish_all(pipeline.bus.publish, messages, IN_FLIGHT)
    await pipeline.tracker.wait(tickets)
    return count / (max(pipeline.tracker.done_at[t] for t in tickets) - started)


async def paced(pipeline: Pipeline, rate: float, count: int) -> dict[int, float]:
    """p50/p95/p99 latency in ms of `count` consultations published `rate` per second."""
    tickets = pipeline.tickets(count, f"paced{rate:.0f}")
    due: dict[str, float] = {}
    publishes = []
    start = time.perf_counter() + 0.05
    for number, ticket in enumerate(tickets):
        due[ticket] = start + number / rate
        if (delay := due[ticket] - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        message = ingress_message(ticket, customer(ticket))
        publishes.append(asyncio.create_task(pipeline.bus.publish(message)))
    await asyncio.gather(*publishes)
    await pipeline.tracker.wait(tickets)
    latencies = [(pipeline.tracker.done_at[t] - due[t]) * 1000 for t in tickets]
    return percentiles(latencies)


def percentiles(values: list[float]) -> dict[int, float]:
    """The nearest-rank-interpolated percentiles of PERCENTILES (`statistics.quantiles`)."""
    if len(values) < 2:
        return dict.fromkeys(PERCENTILES, values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {p: cuts[p - 1] for p in PERCENTILES}
