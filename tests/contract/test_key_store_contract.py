"""Key store contract, on SQLite and PostgreSQL: one key per case, shredding, KEK rotation."""

import asyncio
import os

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.crypto.codec import ERASED, FieldCodec
from shared.crypto.errors import CryptoError, KeyDestroyedError, KeyNotFoundError, UnknownKekError
from shared.crypto.grants import reader_for
from shared.crypto.kek import AesKek, Keyring
from shared.crypto.key_store import KeyStore
from shared.crypto.rotation import rewrap_data_keys
from shared.crypto.secret import SecretBytes
from shared.crypto.tables import CryptoTables
from shared.ids import new_event_id
from tests.contract.table_scan import found_in, stored_values
from tests.unit.shared.crypto.models import Consultation, consultation

CASE = "case-42"


async def test_create_or_get_gives_the_same_key_to_every_store(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, kek: AesKek
) -> None:
    first = await KeyStore(engine, tables, kek).create_or_get(CASE)

    again = await KeyStore(engine, tables, kek).create_or_get(CASE)
    elsewhere = await KeyStore(other_engine, tables, kek).get(CASE)

    assert first.kid == again.kid == elsewhere.kid
    assert (await KeyStore(engine, tables, kek).create_or_get("case-43")).kid != first.kid


async def test_twenty_concurrent_creators_on_two_engines_end_with_one_key(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, kek: AesKek
) -> None:
    stores = [KeyStore(engine, tables, kek), KeyStore(other_engine, tables, kek)]

    keys = await asyncio.gather(*(stores[i % 2].create_or_get(CASE) for i in range(20)))

    assert len({key.kid for key in keys}) == 1
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(tables.data_keys)) == 1
    # The winner's key, not a loser's: ciphertext from one store opens in the other.
    codec_a, codec_b = FieldCodec(stores[0]), FieldCodec(KeyStore(other_engine, tables, kek))
    event_id = new_event_id()
    payload = await codec_a.encrypt(consultation(), case_id=CASE, event_id=event_id)
    clear = await codec_b.decrypt(
        payload, Consultation, case_id=CASE, event_id=event_id, reader=reader_for("privacy")
    )
    assert clear == consultation().model_dump(mode="json")


async def test_a_case_without_a_key_is_reported(
    engine: AsyncEngine, tables: CryptoTables, kek: AesKek
) -> None:
    with pytest.raises(KeyNotFoundError, match="no data key for case nobody"):
        await KeyStore(engine, tables, kek).get("nobody")


async def test_destroy_leaves_a_tombstone_and_the_key_can_never_be_read_again(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, kek: AesKek
) -> None:
    store = KeyStore(engine, tables, kek)
    key = await store.create_or_get(CASE)  # now cached in `store`

    tombstone = await store.destroy(CASE, actor="privacy-officer-7", reason="erasure ER-123")

    assert (tombstone.kid, tombstone.case_id) == (key.kid, CASE)
    assert (tombstone.destroyed_by, tombstone.reason) == ("privacy-officer-7", "erasure ER-123")
    assert tombstone.destroyed_at.tzinfo is not None
    assert await KeyStore(other_engine, tables, kek).tombstone(CASE) == tombstone
    for reader in (store, KeyStore(other_engine, tables, kek)):
        with pytest.raises(KeyDestroyedError, match=key.kid):
            await reader.get(CASE)
        with pytest.raises(KeyDestroyedError):
            await reader.create_or_get(CASE)


async def test_destroy_is_idempotent(
    engine: AsyncEngine, tables: CryptoTables, kek: AesKek
) -> None:
    store = KeyStore(engine, tables, kek)
    await store.create_or_get(CASE)

    first = await store.destroy(CASE, actor="sweep", reason="retention")
    second = await store.destroy(CASE, actor="someone-else", reason="retry")

    assert second == first


async def test_destroying_a_case_that_never_had_a_key_prevents_one(
    engine: AsyncEngine, tables: CryptoTables, kek: AesKek
) -> None:
    store = KeyStore(engine, tables, kek)

    tombstone = await store.destroy("never-keyed", actor="sweep", reason="erasure ER-9")

    assert tombstone.case_id == "never-keyed"
    with pytest.raises(KeyDestroyedError):
        await store.create_or_get("never-keyed")


async def test_after_destroy_fields_read_erased_and_the_dek_is_gone_from_every_table(
    engine: AsyncEngine, tables: CryptoTables, kek: AesKek
) -> None:
    store = KeyStore(engine, tables, kek)
    codec, event_id = FieldCodec(store), new_event_id()
    payload = await codec.encrypt(consultation(), case_id=CASE, event_id=event_id)
    await KeyStore(engine, tables, kek).create_or_get("bystander")
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(tables.data_keys).where(tables.data_keys.c.case_id == CASE)
            )
        ).one()
    wrapped, raw = bytes(row.wrapped), await kek.unwrap(row.kek_id, bytes(row.wrapped))
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
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, kek: AesKek
) -> None:
    store, other = KeyStore(engine, tables, kek), KeyStore(other_engine, tables, kek)
    cases = [f"case-{n}" for n in range(150)]  # more than one statement's worth
    keys = [await store.create_or_get(case_id) for case_id in cases[:-1]]  # the last: no key
    await store.create_or_get("bystander")
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(tables.data_keys).where(tables.data_keys.c.case_id.in_(cases))
        )
        wrapped = [bytes(row.wrapped) for row in rows]
    secrets = wrapped + [await kek.unwrap(kek.kek_id, w) for w in wrapped]
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


async def test_rotation_and_rewrap_keep_every_old_event_readable(
    engine: AsyncEngine, tables: CryptoTables
) -> None:
    kek1, kek2 = AesKek(_random_key()), AesKek(_random_key())
    events = {f"case-{n}": new_event_id() for n in range(5)}
    codec1 = FieldCodec(KeyStore(engine, tables, Keyring(kek1)))
    payloads = {
        case: await codec1.encrypt(consultation(), case_id=case, event_id=event_id)
        for case, event_id in events.items()
    }

    rotated = KeyStore(engine, tables, Keyring(kek2, kek1))
    assert (await rotated.get("case-0")).kid  # old KEK still unwraps
    await rotated.create_or_get("case-new")  # new KEK wraps new DEKs
    await rotated.destroy("case-4", actor="privacy", reason="erasure ER-2")
    report = await rewrap_data_keys(engine, tables, Keyring(kek2, kek1), batch_size=2)

    assert (report.kek_id, report.rewrapped, report.already_current) == (kek2.kek_id, 4, 1)
    async with engine.connect() as connection:
        kek_ids = set((await connection.execute(select(tables.data_keys.c.kek_id))).scalars())
    assert kek_ids == {kek2.kek_id, None}  # None: the destroyed key stays destroyed
    with pytest.raises(UnknownKekError):
        await KeyStore(engine, tables, Keyring(kek1)).get("case-0")
    codec2 = FieldCodec(KeyStore(engine, tables, Keyring(kek2)))  # KEK1 dropped
    for case, event_id in events.items():
        clear = await codec2.decrypt(
            payloads[case],
            Consultation,
            case_id=case,
            event_id=event_id,
            reader=reader_for("intake"),
        )
        expected = ERASED if case == "case-4" else "The kettle leaks after two days."
        assert clear["body"] == expected
    again = await rewrap_data_keys(engine, tables, Keyring(kek2))
    assert (again.rewrapped, again.already_current) == (0, 5)


async def test_a_shred_elsewhere_reaches_a_cached_key_within_the_ttl(
    engine: AsyncEngine, other_engine: AsyncEngine, tables: CryptoTables, kek: AesKek
) -> None:
    cached = KeyStore(engine, tables, kek, cache_ttl_s=0.3)
    await cached.create_or_get(CASE)

    await KeyStore(other_engine, tables, kek).destroy(CASE, actor="privacy", reason="ER-3")

    assert (await cached.get(CASE)).kid  # the documented bound: usable until the TTL ends
    await asyncio.sleep(0.4)
    with pytest.raises(KeyDestroyedError):
        await cached.get(CASE)


def _random_key() -> SecretBytes:
    return SecretBytes(os.urandom(32))


@pytest.mark.parametrize(("actor", "reason"), [("", "erasure"), ("sweep", ""), ("x" * 129, "r")])
async def test_destroy_needs_an_actor_and_a_reason(
    engine: AsyncEngine, tables: CryptoTables, kek: AesKek, actor: str, reason: str
) -> None:
    store = KeyStore(engine, tables, kek)
    await store.create_or_get(CASE)

    with pytest.raises(CryptoError, match="actor"):
        await store.destroy(CASE, actor=actor, reason=reason)
    assert (await store.get(CASE)).kid
