"""Keyring contract, on the file keyring and on a PKCS#11 token (SoftHSM2): epoch KEKs wrap and
unwrap, survive a restart, are refused once destroyed, and an unknown id is refused; and the key
store closes an epoch on the token."""

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pkcs11 import Attribute, ObjectClass

from shared.crypto.errors import CryptoError, UnknownKekError
from shared.crypto.file_keyring import FileKeyring
from shared.crypto.kek import EpochKeyring
from shared.crypto.key_store import KeyStore
from shared.crypto.tables import create_tables, crypto_tables
from shared.database import engine_for_url
from shared.secret_files import InsecureSecretFileError
from tests.contract.conftest import pkcs11_keyring

DEK = os.urandom(32)


@pytest.fixture(params=["file", "pkcs11"])
def open_keyring(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], EpochKeyring]]:
    """Opens the keyring afresh on each call: a new object (and, for PKCS#11, a new session),
    as a restarted process would."""
    opened: list[EpochKeyring] = []
    if request.param == "file":

        def open_file() -> EpochKeyring:
            return FileKeyring(tmp_path / "keyring")

        yield open_file
        return
    module: Path = request.getfixturevalue("softhsm_token")

    def open_token() -> EpochKeyring:
        keyring = pkcs11_keyring(module)
        opened.append(keyring)
        return keyring

    yield open_token
    for keyring in opened:
        keyring.close()  # type: ignore[attr-defined]


async def test_a_wrapped_key_unwraps_under_its_kek_only(
    open_keyring: Callable[[], EpochKeyring],
) -> None:
    keyring = open_keyring()
    first, second = await keyring.create(), await keyring.create()

    wrapped = await keyring.wrap(first, DEK)

    assert first != second
    assert DEK not in wrapped
    assert await keyring.unwrap(first, wrapped) == DEK
    with pytest.raises(CryptoError):  # the binding names the KEK: another cannot open it
        await keyring.unwrap(second, wrapped)
    tampered = wrapped[:-1] + bytes([wrapped[-1] ^ 1])
    with pytest.raises(CryptoError, match="does not authenticate"):
        await keyring.unwrap(first, tampered)


async def test_a_key_wrapped_before_a_restart_unwraps_after_it(
    open_keyring: Callable[[], EpochKeyring],
) -> None:
    before = open_keyring()
    kek_id = await before.create()
    wrapped = await before.wrap(kek_id, DEK)

    after = open_keyring()

    assert await after.holds(kek_id)
    assert await after.unwrap(kek_id, wrapped) == DEK


async def test_a_destroyed_kek_is_refused_everywhere_and_destroying_again_is_harmless(
    open_keyring: Callable[[], EpochKeyring],
) -> None:
    keyring, elsewhere = open_keyring(), open_keyring()
    kek_id, kept = await keyring.create(), await keyring.create()
    wrapped, other = await keyring.wrap(kek_id, DEK), await keyring.wrap(kept, DEK)
    assert await elsewhere.unwrap(kek_id, wrapped) == DEK

    await keyring.destroy(kek_id)

    for reader in (keyring, elsewhere, open_keyring()):
        assert not await reader.holds(kek_id)
        with pytest.raises(UnknownKekError):
            await reader.unwrap(kek_id, wrapped)
        with pytest.raises(UnknownKekError):
            await reader.wrap(kek_id, DEK)
        assert await reader.unwrap(kept, other) == DEK
    await keyring.destroy(kek_id)


@pytest.mark.parametrize("kek_id", ["kek-0000000000000000", "../../etc/passwd", ""])
async def test_an_unknown_kek_id_is_refused(
    open_keyring: Callable[[], EpochKeyring], kek_id: str
) -> None:
    keyring = open_keyring()
    await keyring.create()

    assert not await keyring.holds(kek_id)
    with pytest.raises(UnknownKekError):
        await keyring.unwrap(kek_id, os.urandom(60))


async def test_file_keys_are_private_and_destroy_overwrites_before_unlinking(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "keyring"
    keyring = FileKeyring(folder)
    kek_id = await keyring.create()
    path = folder / f"{kek_id}.key"
    material = path.read_bytes()

    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with path.open("rb") as held:  # an open handle sees the file's blocks after the unlink
        await keyring.destroy(kek_id)
        assert held.read() == b"\0" * len(material)
    assert not path.exists()


async def test_a_file_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    keyring = FileKeyring(tmp_path / "keyring")
    kek_id = await keyring.create()
    (tmp_path / "keyring" / f"{kek_id}.key").chmod(0o644)

    with pytest.raises(InsecureSecretFileError, match="readable by group or others"):
        await keyring.wrap(kek_id, DEK)


async def test_token_keks_are_generated_inside_the_token_and_never_extractable(
    softhsm_token: Path,
) -> None:
    keyring = pkcs11_keyring(softhsm_token)
    kek_id = await keyring.create()

    def attributes(session: object) -> tuple[bool, bool, bool]:
        key = session.get_key(object_class=ObjectClass.SECRET_KEY, label=kek_id)  # type: ignore[attr-defined]
        return key[Attribute.EXTRACTABLE], key[Attribute.SENSITIVE], key[Attribute.TOKEN]

    try:
        assert await keyring._call(attributes) == (False, True, True)
    finally:
        keyring.close()


async def test_a_key_store_on_the_token_closes_an_epoch_and_every_key_still_opens(
    softhsm_token: Path, tmp_path: Path
) -> None:
    engine = engine_for_url(f"sqlite+aiosqlite:///{tmp_path / 'keys.sqlite3'}")
    tables = crypto_tables()
    keyring = pkcs11_keyring(softhsm_token)
    try:
        await create_tables(engine, tables)
        store = KeyStore(engine, tables, keyring)
        keys = {f"case-{n}": await store.create_or_get(f"case-{n}") for n in range(5)}
        first = await store.current_epoch()

        closure = await store.close_epoch(holder="test", batch_size=2)

        assert closure is not None
        assert closure.rewrapped_keys == 5
        assert not await keyring.holds(first.kek_id)
        restarted = pkcs11_keyring(softhsm_token)  # another process, its own session
        fresh = KeyStore(engine, tables, restarted)
        assert [(await fresh.get(case)).kid for case in keys] == [k.kid for k in keys.values()]
        restarted.close()
    finally:
        keyring.close()
        await engine.dispose()
