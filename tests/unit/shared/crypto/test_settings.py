"""CryptoSettings, the production guard, and loading KEKs and the pepper from files or variables."""

import base64
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.crypto.errors import KeyMaterialError, UnsafeCryptoSettingsError
from shared.crypto.file_keyring import FileKeyring
from shared.crypto.kek import AesKek
from shared.crypto.pkcs11_keyring import Pkcs11Keyring
from shared.crypto.secret import SecretBytes
from shared.crypto.settings import (
    DEVELOPMENT_KEK,
    DEVELOPMENT_PEPPER,
    CryptoSettings,
    check_production_safe,
)
from shared.crypto.startup import load_epoch_keyring, load_keyring, load_pepper


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_the_defaults_run_in_development_with_the_published_keys() -> None:
    settings = CryptoSettings()
    check_production_safe(settings, "development")

    keyring = load_keyring(settings, "development", environ={})

    assert keyring.kek_id == AesKek(SecretBytes(DEVELOPMENT_KEK)).kek_id
    assert load_pepper(settings, "development", environ={}) == SecretBytes(DEVELOPMENT_PEPPER)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        (CryptoSettings(), "kek_provider, pepper_source"),
        (CryptoSettings(pepper_source="env"), "kek_provider"),
        (CryptoSettings(kek_provider="env"), "pepper_source"),
    ],
)
def test_production_refuses_the_development_key(settings: CryptoSettings, named: str) -> None:
    with pytest.raises(UnsafeCryptoSettingsError, match=f"set {named} to"):
        check_production_safe(settings, "production")
    with pytest.raises(UnsafeCryptoSettingsError):
        load_keyring(settings, "production", environ={})


def test_production_refuses_the_development_key_under_another_name() -> None:
    settings = CryptoSettings(kek_provider="env", pepper_source="env")
    environ = {
        "CASELOG_KEK": b64(DEVELOPMENT_KEK),
        "CASELOG_SUBJECT_PEPPER": b64(DEVELOPMENT_PEPPER),
    }

    with pytest.raises(UnsafeCryptoSettingsError, match="KEK"):
        load_keyring(settings, "production", environ=environ)
    with pytest.raises(UnsafeCryptoSettingsError, match="pepper"):
        load_pepper(settings, "production", environ=environ)


def test_the_file_provider_needs_a_file() -> None:
    with pytest.raises(ValidationError, match="kek_file"):
        CryptoSettings(kek_provider="file")
    with pytest.raises(ValidationError, match="pepper_file"):
        CryptoSettings(pepper_source="file")


def test_environment_variable_names_are_checked() -> None:
    with pytest.raises(ValidationError):
        CryptoSettings(kek_env_var="not a name")


def test_key_files_give_the_current_and_the_previous_keks(tmp_path: Path) -> None:
    current, previous = os.urandom(32), os.urandom(32)
    (tmp_path / "current.key").write_text(b64(current) + "\n")
    (tmp_path / "previous.key").write_text(b64(previous))
    for name in ("current.key", "previous.key"):
        (tmp_path / name).chmod(0o600)
    settings = CryptoSettings(
        kek_provider="file",
        kek_file=tmp_path / "current.key",
        previous_kek_files=(tmp_path / "previous.key",),
    )

    keyring = load_keyring(settings, "development", environ={})

    assert keyring.kek_id == AesKek(SecretBytes(current)).kek_id
    assert keyring.kek_ids == {keyring.kek_id, AesKek(SecretBytes(previous)).kek_id}


def test_environment_variables_give_the_keks_and_the_pepper() -> None:
    current, previous, pepper = os.urandom(32), os.urandom(32), os.urandom(48)
    settings = CryptoSettings(
        kek_provider="env", previous_kek_env_vars=("OLD_KEK",), pepper_source="env"
    )
    environ = {
        "CASELOG_KEK": b64(current),
        "OLD_KEK": b64(previous),
        "CASELOG_SUBJECT_PEPPER": b64(pepper),
    }

    keyring = load_keyring(settings, "production", environ=environ)

    assert keyring.kek_id == AesKek(SecretBytes(current)).kek_id
    assert len(keyring.kek_ids) == 2
    assert load_pepper(settings, "production", environ=environ) == SecretBytes(pepper)


def test_a_missing_variable_is_named() -> None:
    with pytest.raises(KeyMaterialError, match="CASELOG_KEK is not set"):
        load_keyring(CryptoSettings(kek_provider="env"), "development", environ={})


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    settings = CryptoSettings(kek_provider="file", kek_file=tmp_path / "absent.key")
    with pytest.raises(KeyMaterialError, match=r"absent\.key: FileNotFoundError"):
        load_keyring(settings, "development", environ={})


@pytest.mark.parametrize("value", ["not base64 at all!", b64(os.urandom(16))])
def test_a_malformed_key_is_refused_without_being_quoted(value: str) -> None:
    with pytest.raises(KeyMaterialError) as raised:
        load_keyring(
            CryptoSettings(kek_provider="env"), "development", environ={"CASELOG_KEK": value}
        )
    assert value not in str(raised.value)
    assert raised.value.__cause__ is None


def test_the_settings_choose_the_epoch_keyring(tmp_path: Path) -> None:
    pin = tmp_path / "pin"
    pin.write_text("7291\n")
    pin.chmod(0o600)
    sqlite = f"sqlite+aiosqlite:///{tmp_path}/data/keys.sqlite3"
    postgres = "postgresql+asyncpg://caselog@db/caselog_keys"

    beside = load_epoch_keyring(CryptoSettings(), sqlite)
    token = load_epoch_keyring(
        CryptoSettings(keyring="pkcs11", pkcs11_pin_file=pin, pkcs11_token_label="hsm-1"), postgres
    )

    assert repr(beside) == f"FileKeyring(folder='{tmp_path}/data/keyring', keys=<redacted>)"
    assert isinstance(token, Pkcs11Keyring)
    assert "7291" not in repr(token)
    with pytest.raises(ValidationError, match="pkcs11_pin"):
        CryptoSettings(keyring="pkcs11")
    # Several processes on one PostgreSQL key store must share one folder, named on purpose.
    with pytest.raises(UnsafeCryptoSettingsError, match="KEYRING_DIR"):
        load_epoch_keyring(CryptoSettings(), postgres, "production")
    shared = load_epoch_keyring(CryptoSettings(keyring_dir=tmp_path / "k"), postgres, "production")
    assert isinstance(shared, FileKeyring)
