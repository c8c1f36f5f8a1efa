"""Key material never shows in a repr, str, f-string, log line, pickle or exception message."""

import logging
import os
import pickle
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from shared.crypto.data_key import DataKey, new_key_id
from shared.crypto.errors import KeyMaterialError
from shared.crypto.file_keyring import FileKeyring
from shared.crypto.kek import AesKek, Keyring
from shared.crypto.key_store import KeyStore
from shared.crypto.pkcs11_keyring import Pkcs11Keyring
from shared.crypto.secret import SecretBytes
from shared.crypto.subjects import SubjectIndex
from shared.crypto.tables import crypto_tables
from tests.contract.table_scan import text_forms


def assert_hidden(text: str, material: bytes) -> None:
    leaked = [form for form in text_forms(material) if form in text]
    assert not leaked
    assert "<redacted>" in text or "kek-" in text


async def test_key_holders_render_without_their_keys(tmp_path: Path) -> None:
    material = os.urandom(32)
    kek = AesKek(SecretBytes(material))
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'k.sqlite3'}")
    holders: list[object] = [
        SecretBytes(material),
        DataKey(new_key_id(), material),
        kek,
        Keyring(kek),
        KeyStore(engine, crypto_tables(), FileKeyring(tmp_path), fixed=Keyring(kek)),
        Pkcs11Keyring(Path("/nonexistent.so"), "token", SecretBytes(material)),
        SubjectIndex(engine, crypto_tables(), SecretBytes(material)),
    ]
    try:
        for holder in holders:
            for text in (repr(holder), str(holder), f"{holder}", f"{holder!r}"):
                assert_hidden(text, material)
    finally:
        await engine.dispose()


def test_a_log_line_about_a_key_carries_no_key(caplog: pytest.LogCaptureFixture) -> None:
    material = os.urandom(32)
    key = DataKey("kid-1", material)

    with caplog.at_level(logging.INFO):
        logging.getLogger("caselog.test").info("using %s and %r", key, SecretBytes(material))

    assert "kid-1" in caplog.text
    assert_hidden(caplog.text, material)


def test_secrets_cannot_be_pickled() -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(SecretBytes(os.urandom(32)))


def test_secrets_compare_by_value_but_never_hash() -> None:
    material = os.urandom(32)
    assert SecretBytes(material) == SecretBytes(material)
    assert SecretBytes(material) != SecretBytes(os.urandom(32))
    with pytest.raises(TypeError):
        hash(SecretBytes(material))


def test_a_wrong_length_key_is_refused_without_being_quoted() -> None:
    material = os.urandom(31)
    with pytest.raises(KeyMaterialError) as raised:
        DataKey("kid-2", material)
    assert_hidden(str(raised.value) + "<redacted>", material)
