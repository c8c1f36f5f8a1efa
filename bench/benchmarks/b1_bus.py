"""B1: events/s through KafkaBus (publish, and a subscribed handler sees each event), against raw
aiokafka producing and consuming the same bytes with the same settings (bench/bus_sides.py)."""

import uuid
from dataclasses import dataclass

from bench.bus_sides import (
    IN_FLIGHT,
    KEYS,
    PARTITIONS,
    WARM_UP,
    bench_topics,
    caselog_side,
    one_hop_messages,
    raw_side,
)
from bench.figures import Figure, Target
from bench.harness import Benchmark, Context
from bench.workload import EVENT_BYTES
from shared.bus.kafka import KafkaBus


@dataclass(frozen=True)
class Size:
    in_flight: int
    one_at_a_time: int


QUICK, FULL = Size(in_flight=1_000, one_at_a_time=200), Size(in_flight=20_000, one_at_a_time=1_000)


async def run(context: Context) -> list[Figure]:
    size = context.pick(QUICK, FULL)
    bootstrap = await context.infrastructure.kafka()
    name = f"bench.b1.{context.run_id.lower()}.{uuid.uuid4().hex[:6]}"
    topics = {"bus": f"{name}.bus", "raw": f"{name}.raw"}
    count = max(size.in_flight, size.one_at_a_time)
    messages = {kind: one_hop_messages(topic, count) for kind, topic in topics.items()}
    bus = KafkaBus(bootstrap, client_id="caselog-bench")
    await bus.start()
    try:
        async with (
            bench_topics(bus, bootstrap, list(topics.values())),
            caselog_side(bus, topics["bus"], messages["bus"]) as bus_side,
            raw_side(bootstrap, topics["raw"], messages["raw"]) as raw,
        ):
            sides = {"bus": bus_side, "raw": raw}
            for side in sides.values():
                await side.trial(WARM_UP, IN_FLIGHT)()
            trials = {
                f"{kind} {label}": side.trial(n, in_flight)
                for kind, side in sides.items()
                for label, n, in_flight in (
                    ("many", size.in_flight, IN_FLIGHT),
                    ("one", size.one_at_a_time, 1),
                )
            }
            spreads = await context.repeat("B1 bus", trials)
    finally:
        await bus.close()
    parameters = {"event_bytes": EVENT_BYTES, "partitions": PARTITIONS, "keys": KEYS}
    raw_name = "raw aiokafka produce + consume, same bytes and settings"
    return [
        Figure(
            "B1",
            f"KafkaBus publish + handle, {IN_FLIGHT} publishes in flight",
            "events/s",
            True,
            spreads["bus many"],
            raw_name,
            spreads["raw many"],
            Target(">=", 0.8),
            {**parameters, "events": size.in_flight, "in_flight": IN_FLIGHT},
        ),
        Figure(
            "B1",
            "KafkaBus publish + handle, one publish at a time",
            "events/s",
            True,
            spreads["bus one"],
            raw_name,
            spreads["raw one"],
            Target(">=", 0.8),
            {**parameters, "events": size.one_at_a_time, "in_flight": 1},
            ("B1: one at a time is how intake's outbox relay publishes today",),
        ),
    ]


BENCHMARK = Benchmark("B1", "bus: KafkaBus vs raw aiokafka", run)
