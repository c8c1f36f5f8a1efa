"""B11: the pipeline while a key epoch closes. Privacy's key store holds many live data keys
(100,000 at full size, as in B10); a backlog goes through the distributed pipeline of B2 while
privacy closes the epoch (re-wrapping every key, on the same PostgreSQL server), against the
same backlog with no close, alternating in the same deployment. Also: how long the close
takes under that load."""

import asyncio
from dataclasses import dataclass

from bench.benchmarks.b10_epoch_close import seed_data_keys
from bench.figures import Figure, Target, spread
from bench.harness import Benchmark, Context
from bench.pipeline.deployments import Pipeline
from bench.pipeline.load import backlog
from bench.pipeline.shared_run import distributed_pipeline
from bench.trials import Trial
from shared.crypto.file_keyring import FileKeyring
from shared.crypto.key_store import KeyStore
from shared.crypto.tables import crypto_tables
from shared.database import engine_for_url
from tests.e2e.distributed import Distributed
from tests.e2e.epochs import close_epoch

SEED_PREFIX = "bench-b11"


@dataclass(frozen=True)
class Size:
    keys: int
    backlog: int


QUICK = Size(keys=2_000, backlog=12)
FULL = Size(keys=100_000, backlog=100)


async def run(context: Context) -> list[Figure]:
    size = context.pick(QUICK, FULL)
    pipeline = await distributed_pipeline(context)
    deployment = pipeline.deployment
    if deployment is None:
        raise RuntimeError("B11 needs the distributed pipeline's deployment")
    context.report_status(f"B11 storing {size.keys} data keys in privacy's key store")
    await _seed(deployment, size.keys)
    await backlog(pipeline, 5)  # warm
    closes: list[float] = []
    rates = await context.repeat(
        "B11 backlog",
        {
            "closing": _backlog_while_closing(pipeline, deployment, size.backlog, closes),
            "quiet": lambda: backlog(pipeline, size.backlog),
        },
    )
    parameters = {
        "runtime": "distributed: 4 processes (production mode), Kafka, PostgreSQL",
        "live_keys": size.keys,
        "backlog": size.backlog,
        "keyring": "file",
    }
    return [
        Figure(
            "B11",
            f"pipeline consultations/s while privacy closes an epoch over {size.keys:,} keys",
            "per s",
            True,
            rates["closing"],
            "the same backlog, same deployment, no close (B2's measure, alternating)",
            rates["quiet"],
            # Ours (issue 13 names none): a close, which runs once a day, may slow the pipeline
            # while it lasts, but not halve it.
            Target(">=", 0.5),
            parameters,
            (
                "B11: the close starts with the backlog's publishing; the rate is the backlog "
                "over the time until its last decision is in records; the 0.5x aim is ours",
            ),
        ),
        Figure(
            "B11",
            f"epoch close with {size.keys:,} live keys while the backlog flows",
            "s",
            False,
            spread(closes),
            None,
            None,
            Target("<=", 60, "s"),
            parameters,
        ),
    ]


async def _seed(deployment: Distributed, keys: int) -> None:
    """Live keys in the key store the services share, wrapped under its open epoch by the
    deployment's own keyring (the close must re-wrap them as it does every case's)."""
    engine = engine_for_url(deployment.databases["keystore"])
    try:
        keyring = FileKeyring(deployment.folder / "keyring")
        tables = crypto_tables()
        store = KeyStore(engine, tables, keyring)
        await seed_data_keys(store, engine, tables, keyring, keys, SEED_PREFIX)
    finally:
        await engine.dispose()


def _backlog_while_closing(
    pipeline: Pipeline, deployment: Distributed, count: int, closes: list[float]
) -> Trial:
    async def measure() -> float:
        closing = asyncio.create_task(close_epoch(deployment, patience_s=30.0))
        rate = await backlog(pipeline, count)
        closure = await closing
        closes.append(closure.seconds)
        if closure.rewrapped_keys < 1:
            raise RuntimeError("the close re-wrapped no key")
        return rate

    return measure


BENCHMARK = Benchmark("B11", "the pipeline while a key epoch closes", run)
