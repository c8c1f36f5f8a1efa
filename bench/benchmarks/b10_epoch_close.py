"""B10: seconds to close a key epoch with 100,000 live data keys on PostgreSQL (every key
re-wrapped under a fresh KEK in batches, then the old KEK destroyed), against re-wrapping the
same keys in memory only (the cryptography's share of it)."""

import time
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bench.figures import Figure, Target
from bench.harness import Benchmark, Context
from bench.infra import fresh_database
from shared.crypto.data_key import new_key_id, new_key_material
from shared.crypto.file_keyring import FileKeyring
from shared.crypto.kek import AesKek, EpochKeyring
from shared.crypto.key_store import KeyStore
from shared.crypto.secret import SecretBytes
from shared.crypto.tables import CryptoTables, create_tables, crypto_tables
from shared.database import engine_for_url

INSERT_BATCH = 1_000


async def run(context: Context) -> list[Figure]:
    keys = context.pick(2_000, 100_000)
    postgres = await context.infrastructure.postgres()
    async with fresh_database(postgres) as url:
        engine = engine_for_url(url)
        try:
            tables = crypto_tables()
            await create_tables(engine, tables)
            keyring = FileKeyring(context.scratch / "b10-keyring")
            store = KeyStore(engine, tables, keyring)
            context.report_status(f"B10 storing {keys} data keys")
            await seed_data_keys(store, engine, tables, keyring, keys, "case")
            old = AesKek(SecretBytes(new_key_material()))
            new = AesKek(SecretBytes(new_key_material()))
            in_memory = [await old.wrap(new_key_material()) for _ in range(keys)]

            async def close() -> float:
                started = time.perf_counter()
                closure = await store.close_epoch(holder="bench-b10")
                elapsed = time.perf_counter() - started
                if closure is None or closure.rewrapped_keys != keys:
                    raise RuntimeError(f"the close re-wrapped {closure and closure.rewrapped_keys}")
                return elapsed

            async def rewrap_in_memory() -> float:
                started = time.perf_counter()
                for wrapped in in_memory:
                    await new.wrap(await old.unwrap(old.kek_id, wrapped))
                return time.perf_counter() - started

            spreads = await context.repeat(
                "B10 epoch close", {"close": close, "in memory": rewrap_in_memory}
            )
        finally:
            await engine.dispose()
    return [
        Figure(
            "B10",
            f"close a key epoch with {keys:,} live data keys (PostgreSQL, file keyring)",
            "s",
            False,
            spreads["close"],
            "the same re-wrap in memory (AES-GCM unwrap + wrap, no database)",
            spreads["in memory"],
            Target("<=", 60, "s"),
            {"keys": keys, "batch": 500, "keyring": "file"},
        )
    ]


async def seed_data_keys(
    store: KeyStore,
    engine: AsyncEngine,
    tables: CryptoTables,
    keyring: EpochKeyring,
    count: int,
    prefix: str,
) -> None:
    """`count` live data keys of cases `<prefix>-0000000`..., wrapped under the store's open
    epoch, inserted in batches (as many cases would leave them; B10 and B11 close over them)."""
    epoch = await store.current_epoch()
    for start in range(0, count, INSERT_BATCH):
        rows = [
            {
                "case_id": f"{prefix}-{number:07d}",
                "kid": new_key_id(),
                "kek_id": epoch.kek_id,
                "epoch": epoch.number,
                "wrapped": await keyring.wrap(epoch.kek_id, new_key_material()),
                "created_at": datetime.now(UTC),
            }
            for number in range(start, min(start + INSERT_BATCH, count))
        ]
        async with engine.begin() as connection:
            await connection.execute(tables.data_keys.insert(), rows)


BENCHMARK = Benchmark("B10", "key epoch close: re-wrap every live data key", run)
