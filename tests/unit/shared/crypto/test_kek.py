"""KEKs and the keyring: the current KEK wraps, every KEK held unwraps, others are refused."""

import os

import pytest

from shared.crypto.data_key import new_key_material
from shared.crypto.errors import CryptoError, KeyMaterialError, UnknownKekError
from shared.crypto.kek import AesKek, KeyEncryptionKey, Keyring
from shared.crypto.secret import SecretBytes


def new_kek() -> AesKek:
    return AesKek(SecretBytes(os.urandom(32)))


async def test_a_kek_unwraps_what_it_wrapped() -> None:
    kek, dek = new_kek(), new_key_material()

    wrapped = await kek.wrap(dek)

    assert dek not in wrapped
    assert await kek.unwrap(kek.kek_id, wrapped) == dek
    assert await kek.wrap(dek) != wrapped  # fresh nonce each time


def test_the_kek_id_follows_the_key_not_its_source() -> None:
    material = os.urandom(32)
    assert AesKek(SecretBytes(material)).kek_id == AesKek(SecretBytes(material)).kek_id
    assert AesKek(SecretBytes(material)).kek_id != new_kek().kek_id
    assert AesKek(SecretBytes(material)).kek_id.startswith("kek-")


def test_a_kek_must_be_32_bytes() -> None:
    with pytest.raises(KeyMaterialError, match="32 bytes"):
        AesKek(SecretBytes(os.urandom(16)))


async def test_an_altered_wrapped_key_is_refused() -> None:
    kek = new_kek()
    wrapped = bytearray(await kek.wrap(new_key_material()))
    wrapped[-1] ^= 0x01

    with pytest.raises(CryptoError, match="does not authenticate"):
        await kek.unwrap(kek.kek_id, bytes(wrapped))


async def test_a_kek_refuses_another_keks_id() -> None:
    kek, other = new_kek(), new_kek()
    with pytest.raises(UnknownKekError):
        await kek.unwrap(other.kek_id, await other.wrap(new_key_material()))


async def test_the_keyring_wraps_with_the_current_kek_and_unwraps_with_any() -> None:
    old, new = new_kek(), new_kek()
    dek_under_old = await old.wrap(dek_a := new_key_material())
    keyring: KeyEncryptionKey = Keyring(new, old)

    wrapped = await keyring.wrap(dek_b := new_key_material())

    assert keyring.kek_id == new.kek_id
    assert await new.unwrap(new.kek_id, wrapped) == dek_b
    assert await keyring.unwrap(old.kek_id, dek_under_old) == dek_a


async def test_a_kek_dropped_from_the_keyring_unwraps_nothing_any_more() -> None:
    old, new = new_kek(), new_kek()
    wrapped = await old.wrap(new_key_material())

    with pytest.raises(UnknownKekError, match="not in the keyring"):
        await Keyring(new).unwrap(old.kek_id, wrapped)
