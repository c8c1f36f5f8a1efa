"""Key store contract, on SQLite and PostgreSQL: one key per case, shredding, key epochs."""

import asyncio
import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.crypto.codec import ERASED, FieldCodec
from shared.crypto.data_key import new_key_id, new_key_material
from shared.crypto.epoch_rows import CLOSE_LEASE, EpochCloseInProgressError, held_lease
from shared.crypto.errors import CryptoError, KeyDestroyedError, KeyNotFoundError, UnknownKekError
from shared.crypto.file_keyring import FileKeyring
from shared.crypto.grants import reader_for
from shared.crypto.kek import AesKek, Keyring
from shared.crypto.key_store import KeyStore
from shared.crypto.secret import SecretBytes
from shared.crypto.tables import CryptoTables
from shared.ids import new_event_id
from tests.contract.table_scan import found_in, stored_values
from tests.unit.shared.crypto.models import Consultation, consultation

CASE = "case-42"


async def test_create_or_get_gives_the_same_key_to_every_store(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    first = await KeyStore(engine, tables, keyring).create_or_get(CASE)

    again = await KeyStore(engine, tables, keyring).create_or_get(CASE)
    elsewhere = await KeyStore(other_engine, tables, keyring).get(CASE)

    assert first.kid == again.kid == elsewhere.kid
    assert (await KeyStore(engine, tables, keyring).create_or_get("case-43")).kid != first.kid


async def test_twenty_concurrent_creators_on_two_engines_end_with_one_key(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    stores = [KeyStore(engine, tables, keyring), KeyStore(other_engine, tables, keyring)]

    keys = await asyncio.gather(*(stores[i % 2].create_or_get(CASE) for i in range(20)))

    assert len({key.kid for key in keys}) == 1
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(tables.data_keys)) == 1
    # The winner's key, not a loser's: ciphertext from one store opens in the other.
    codec_a, codec_b = FieldCodec(stores[0]), FieldCodec(KeyStore(other_engine, tables, keyring))
    event_id = new_event_id()
    payload = await codec_a.encrypt(consultation(), case_id=CASE, event_id=event_id)
    clear = await codec_b.decrypt(
        payload, Consultation, case_id=CASE, event_id=event_id, reader=reader_for("privacy")
    )
    assert clear == consultation().model_dump(mode="json")


async def test_a_case_without_a_key_is_reported(
    engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    with pytest.raises(KeyNotFoundError, match="no data key for case nobody"):
        await KeyStore(engine, tables, keyring).get("nobody")


async def test_destroy_leaves_a_tombstone_and_the_key_can_never_be_read_again(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    store = KeyStore(engine, tables, keyring)
    key = await store.create_or_get(CASE)  # now cached in `store`

    tombstone = await store.destroy(CASE, actor="privacy-officer-7", reason="erasure ER-123")

    assert (tombstone.kid, tombstone.case_id) == (key.kid, CASE)
    assert (tombstone.destroyed_by, tombstone.reason) == ("privacy-officer-7", "erasure ER-123")
    assert tombstone.destroyed_at.tzinfo is not None
    assert await KeyStore(other_engine, tables, keyring).tombstone(CASE) == tombstone
    for reader in (store, KeyStore(other_engine, tables, keyring)):
        with pytest.raises(KeyDestroyedError, match=key.kid):
            await reader.get(CASE)
        with pytest.raises(KeyDestroyedError):
            await reader.create_or_get(CASE)


async def test_destroy_is_idempotent(
    engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    store = KeyStore(engine, tables, keyring)
    await store.create_or_get(CASE)

    first = await store.destroy(CASE, actor="sweep", reason="retention")
    second = await store.destroy(CASE, actor="someone-else", reason="retry")

    assert second == first


async def test_destroying_a_case_that_never_had_a_key_prevents_one(
    engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    store = KeyStore(engine, tables, keyring)

    tombstone = await store.destroy("never-keyed", actor="sweep", reason="erasure ER-9")

    assert tombstone.case_id == "never-keyed"
    with pytest.raises(KeyDestroyedError):
        await store.create_or_get("never-keyed")


async def test_after_destroy_fields_read_erased_and_the_dek_is_gone_from_every_table(
    engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    store = KeyStore(engine, tables, keyring)
    codec, event_id = FieldCodec(store), new_event_id()
    payload = await codec.encrypt(consultation(), case_id=CASE, event_id=event_id)
    await KeyStore(engine, tables, keyring).create_or_get("bystander")
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(tables.data_keys).where(tables.data_keys.c.case_id == CASE)
            )
        ).one()
    wrapped, raw = bytes(row.wrapped), await keyring.unwrap(row.kek_id, bytes(row.wrapped))
    assert found_in(await stored_values(engine, tables.data_keys.name), wrapped)

    await store.destroy(CASE, actor="privacy", reason="erasure ER-1")

    clear = await codec.decrypt(
        payload, Consultation, case_id=CASE, event_id=event_id, reader=reader_for("privacy")
    )
    assert clear["customer"] == {
        "name": ERASED,
        "email": ERASED,
        "phone": ERASED,
        "segment": "consumer",
    }
    assert clear["body"] == ERASED
    values = await stored_values(engine, tables.data_keys.name.removesuffix("data_keys"))
    assert found_in(values, raw) == []
    assert found_in(values, wrapped) == []


async def test_destroy_many_shreds_every_case_at_once_and_the_deks_are_gone_from_every_table(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    store, other = KeyStore(engine, tables, keyring), KeyStore(other_engine, tables, keyring)
    cases = [f"case-{n}" for n in range(150)]  # more than one statement's worth
    keys = [await store.create_or_get(case_id) for case_id in cases[:-1]]  # the last: no key
    await store.create_or_get("bystander")
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(tables.data_keys).where(tables.data_keys.c.case_id.in_(cases))
        )
        wrapped = {bytes(row.wrapped): row.kek_id for row in rows}
    secrets = [*wrapped, *[await keyring.unwrap(k, w) for w, k in wrapped.items()]]
    already = await store.destroy(cases[0], actor="sweep", reason="retention")

    tombstones = await store.destroy_many(
        [*cases, cases[1]], actor="privacy-officer-7", reason="erasure ER-124"
    )

    assert [t.case_id for t in tombstones] == cases
    assert tombstones[0] == already  # idempotent: the first destruction stands
    assert [t.kid for t in tombstones[1:-1]] == [key.kid for key in keys[1:]]
    assert {(t.destroyed_by, t.reason) for t in tombstones[1:]} == {
        ("privacy-officer-7", "erasure ER-124")
    }
    assert await other.tombstones([*cases, "bystander"]) == {
        **{t.case_id: t for t in tombstones},
        "bystander": None,
    }
    for reader in (store, other):
        for case_id in (cases[1], cases[-1]):
            with pytest.raises(KeyDestroyedError):
                await reader.create_or_get(case_id)
    await store.get("bystander")
    values = await stored_values(engine, tables.data_keys.name.removesuffix("data_keys"))
    assert [secret for secret in secrets if found_in(values, secret)] == []
    assert await store.destroy_many([], actor="privacy", reason="erasure ER-125") == []


async def test_keys_stored_before_epochs_stay_readable_and_the_first_close_moves_them(
    engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    fixed = AesKek(_random_key())
    events = {f"case-{n}": new_event_id() for n in range(5)}
    payloads = {}
    for case in events:  # as a key store before key epochs wrote them
        material = new_key_material()
        async with engine.begin() as connection:
            await connection.execute(
                tables.data_keys.insert().values(
                    case_id=case,
                    kid=new_key_id(),
                    kek_id=fixed.kek_id,
                    wrapped=await fixed.wrap(material),
                    created_at=datetime.now(UTC),
                )
            )
    migrated = KeyStore(engine, tables, keyring, fixed=Keyring(fixed))
    codec = FieldCodec(migrated)
    for case, event_id in events.items():
        payloads[case] = await codec.encrypt(consultation(), case_id=case, event_id=event_id)
    await migrated.destroy("case-4", actor="privacy", reason="erasure ER-2")

    closure = await migrated.close_epoch(holder="test", batch_size=2)

    assert closure is not None
    assert closure.rewrapped_keys == 4
    async with engine.connect() as connection:
        rows = (await connection.execute(select(tables.data_keys))).all()
    assert {(row.kek_id, row.epoch) for row in rows} == {
        (closure.opened.kek_id, 2),
        (None, None),  # the destroyed key stays destroyed
    }
    without_fixed = FieldCodec(KeyStore(engine, tables, keyring))  # the fixed KEK retired
    for case, event_id in events.items():
        clear = await without_fixed.decrypt(
            payloads[case],
            Consultation,
            case_id=case,
            event_id=event_id,
            reader=reader_for("intake"),
        )
        expected = ERASED if case == "case-4" else "The kettle leaks after two days."
        assert clear["body"] == expected


async def test_a_shred_elsewhere_reaches_a_cached_key_within_the_ttl(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    cached = KeyStore(engine, tables, keyring, cache_ttl_s=0.3)
    await cached.create_or_get(CASE)

    await KeyStore(other_engine, tables, keyring).destroy(CASE, actor="privacy", reason="ER-3")

    assert (await cached.get(CASE)).kid  # the documented bound: usable until the TTL ends
    await asyncio.sleep(0.4)
    with pytest.raises(KeyDestroyedError):
        await cached.get(CASE)


def _random_key() -> SecretBytes:
    return SecretBytes(os.urandom(32))


@pytest.mark.parametrize(("actor", "reason"), [("", "erasure"), ("sweep", ""), ("x" * 129, "r")])
async def test_destroy_needs_an_actor_and_a_reason(
    engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring, actor: str, reason: str
) -> None:
    store = KeyStore(engine, tables, keyring)
    await store.create_or_get(CASE)

    with pytest.raises(CryptoError, match="actor"):
        await store.destroy(CASE, actor=actor, reason=reason)
    assert (await store.get(CASE)).kid


async def _wrapped_rows(engine: AsyncEngine, tables: CryptoTables) -> dict[str, tuple[str, bytes]]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(tables.data_keys))
        return {
            row.case_id: (row.kek_id, bytes(row.wrapped)) for row in rows if row.wrapped is not None
        }


async def test_closing_an_epoch_rewraps_every_live_key_and_destroys_the_old_kek(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    store = KeyStore(engine, tables, keyring)
    keys = {f"case-{n}": await store.create_or_get(f"case-{n}") for n in range(7)}
    await store.destroy("case-6", actor="privacy", reason="erasure ER-7")
    first = await store.current_epoch()
    before = await _wrapped_rows(engine, tables)  # what a backup taken now would hold

    closure = await KeyStore(other_engine, tables, keyring).close_epoch(holder="test", batch_size=3)

    assert closure is not None
    assert (closure.closed.number, closure.opened.number) == (1, 2)
    assert closure.destroyed_kek_id == first.kek_id != closure.opened.kek_id
    assert closure.rewrapped_keys == 6  # the tombstone is never re-wrapped
    assert not await keyring.holds(first.kek_id)
    assert (await store.current_epoch()).number == 2
    after = await _wrapped_rows(engine, tables)
    assert set(after) == {f"case-{n}" for n in range(6)}
    assert {kek_id for kek_id, _ in after.values()} == {closure.opened.kek_id}
    for kek_id, wrapped in before.values():  # the old copies open nowhere any more
        with pytest.raises(UnknownKekError):
            await keyring.unwrap(kek_id, wrapped)
    fresh = KeyStore(other_engine, tables, keyring)
    for case_id, key in list(keys.items())[:6]:
        assert (await fresh.get(case_id)).kid == key.kid
    with pytest.raises(KeyDestroyedError):
        await fresh.get("case-6")
    async with engine.connect() as connection:
        tomb = (
            await connection.execute(
                select(tables.data_keys).where(tables.data_keys.c.case_id == "case-6")
            )
        ).one()
    assert (tomb.kek_id, tomb.wrapped, tomb.epoch) == (None, None, 1)


async def test_a_store_that_missed_the_close_creates_its_next_key_under_the_new_epoch(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    behind = KeyStore(engine, tables, keyring)
    await behind.create_or_get("case-1")  # `behind` now knows epoch 1
    closure = await KeyStore(other_engine, tables, keyring).close_epoch(holder="test")
    assert closure is not None

    key = await behind.create_or_get("case-2")

    assert (await _wrapped_rows(engine, tables))["case-2"][0] == closure.opened.kek_id
    assert (await KeyStore(other_engine, tables, keyring).get("case-2")).kid == key.kid


async def test_a_key_inserted_while_the_close_starts_is_waited_for_and_rewrapped(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    store = KeyStore(engine, tables, keyring)
    first = await store.current_epoch()
    async with engine.begin() as connection:
        key = await store.create_within(connection, "in-flight")  # not committed yet
        closing = asyncio.create_task(
            KeyStore(other_engine, tables, keyring).close_epoch(holder="test")
        )
        await asyncio.sleep(0.5)
        # The close must wait for this insert: else it would miss the key and destroy
        # the only KEK that opens it.
        assert not closing.done()
    closure = await closing

    assert closure is not None
    assert closure.destroyed_kek_id == first.kek_id
    assert not await keyring.holds(first.kek_id)
    assert (await KeyStore(other_engine, tables, keyring).get("in-flight")).kid == key.kid


async def test_a_second_close_is_refused_while_one_holds_the_lease(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    store = KeyStore(engine, tables, keyring)
    await store.create_or_get(CASE)
    await store.current_epoch()

    async with held_lease(engine, tables.leases, CLOSE_LEASE, "privacy-a"):
        with pytest.raises(EpochCloseInProgressError):
            await KeyStore(other_engine, tables, keyring).close_epoch(holder="privacy-b")
        assert (await store.current_epoch()).number == 1

    closure = await KeyStore(other_engine, tables, keyring).close_epoch(holder="privacy-b")
    assert closure is not None
    assert closure.opened.number == 2


async def test_a_scheduled_close_of_an_epoch_already_closed_elsewhere_does_nothing(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    store = KeyStore(engine, tables, keyring)
    due = await store.current_epoch()
    assert await KeyStore(other_engine, tables, keyring).close_epoch(holder="a") is not None

    assert await store.close_epoch(holder="b", if_open=due.number) is None
    assert (await store.current_epoch()).number == 2


class CrashingKeyring:
    """The real file keyring, with a crash planted at one step of the close."""

    def __init__(self, keyring: FileKeyring, *, wraps_before_crash: int | None = None) -> None:
        self._keyring = keyring
        self._wraps_left = wraps_before_crash
        self.create, self.unwrap, self.holds = keyring.create, keyring.unwrap, keyring.holds

    async def wrap(self, kek_id: str, dek: bytes) -> bytes:
        if self._wraps_left is not None:
            if self._wraps_left == 0:
                raise RuntimeError("crash while re-wrapping")
            self._wraps_left -= 1
        return await self._keyring.wrap(kek_id, dek)

    async def destroy(self, kek_id: str) -> None:
        if self._wraps_left is None:
            raise RuntimeError("crash before the old KEK is destroyed")
        await self._keyring.destroy(kek_id)


@pytest.mark.parametrize("crash", ["mid-rewrap", "before-destroy"])
async def test_a_close_that_crashed_leaves_every_key_readable_and_a_rerun_completes_it(
    engine: AsyncEngine,
    other_engine: AsyncEngine,
    tables: CryptoTables,
    keyring: FileKeyring,
    crash: str,
) -> None:
    store = KeyStore(engine, tables, keyring)
    keys = {f"case-{n}": await store.create_or_get(f"case-{n}") for n in range(9)}
    first = await store.current_epoch()
    crashing = CrashingKeyring(keyring, wraps_before_crash=4 if crash == "mid-rewrap" else None)

    with pytest.raises(RuntimeError, match="crash"):
        await KeyStore(engine, tables, crashing).close_epoch(holder="crashed", batch_size=2)

    assert await keyring.holds(first.kek_id)  # kept: the re-wrap is not complete
    reader = KeyStore(other_engine, tables, keyring)
    assert [(await reader.get(case_id)).kid for case_id in keys] == [k.kid for k in keys.values()]
    late = await reader.create_or_get("case-late")  # traffic goes on, under the new epoch
    assert (await _wrapped_rows(engine, tables))["case-late"][0] != first.kek_id

    closure = await KeyStore(other_engine, tables, keyring).close_epoch(holder="rerun")

    assert closure is not None
    assert closure.destroyed_kek_id == first.kek_id
    assert closure.rewrapped_keys == 9
    assert not await keyring.holds(first.kek_id)
    fresh = KeyStore(engine, tables, keyring)
    assert [(await fresh.get(case_id)).kid for case_id in keys] == [k.kid for k in keys.values()]
    assert (await fresh.get("case-late")).kid == late.kid


async def test_a_close_whose_event_was_not_published_is_listed_until_announced(
    engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    store = KeyStore(engine, tables, keyring)
    closure = await store.close_epoch(holder="test")
    assert closure is not None

    assert await store.unannounced_closures() == [closure]
    await store.mark_announced(closure)
    assert await store.unannounced_closures() == []


async def test_a_shred_leaves_no_freed_copy_to_the_database_s_own_cleanup(
    engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    store = KeyStore(engine, tables, keyring)
    await store.create_or_get(CASE)

    await store.destroy(CASE, actor="privacy", reason="erasure ER-8")

    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # Vacuumed at once, not whenever autovacuum gets round to the dead tuple.
            vacuumed = await connection.scalar(
                text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = :name"),
                {"name": tables.data_keys.name},
            )
            assert vacuumed is not None
        else:
            # Checkpointed and truncated: no WAL frame holds the key's old page.
            busy, wal_frames, _ = (
                await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            ).one()
            assert (busy, wal_frames) == (0, 0)


async def test_prefetch_reads_a_batchs_keys_at_once_and_leaves_destroyed_ones_refused(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, keyring: FileKeyring
) -> None:
    writer = KeyStore(engine, tables, keyring)
    made = {f"case-{i}": await writer.create_or_get(f"case-{i}") for i in range(5)}
    await writer.destroy("case-4", actor="test", reason="prefetch")
    reader = KeyStore(other_engine, tables, keyring)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    sqlalchemy_event.listen(other_engine.sync_engine, "before_cursor_execute", count)
    try:
        await reader.prefetch([*made, "case-never"])
        prefetched = len(statements)
        keys = {case_id: await reader.get(case_id) for case_id in list(made)[:4]}
    finally:
        sqlalchemy_event.remove(other_engine.sync_engine, "before_cursor_execute", count)

    assert prefetched == 1, statements  # one query for the batch
    assert len(statements) == 1, "the keys were cached: get() read nothing more"
    assert {case_id: key.kid for case_id, key in keys.items()} == {
        case_id: key.kid for case_id, key in list(made.items())[:4]
    }
    with pytest.raises(KeyDestroyedError):
        await reader.get("case-4")
    with pytest.raises(KeyNotFoundError):
        await reader.get("case-never")
