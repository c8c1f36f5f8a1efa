"""Builds the keyrings and the subject-index pepper from CryptoSettings, once, at start-up."""

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from shared.crypto.errors import KeyMaterialError, UnsafeCryptoSettingsError
from shared.crypto.file_keyring import FileKeyring
from shared.crypto.kek import AesKek, EpochKeyring, Keyring
from shared.crypto.pkcs11_keyring import Pkcs11Keyring
from shared.crypto.secret import SecretBytes
from shared.crypto.settings import (
    DEVELOPMENT_KEK,
    DEVELOPMENT_PEPPER,
    CryptoSettings,
    check_production_safe,
)
from shared.secret_files import read_private_text

DEFAULT_FOLDER = Path("data/keyring")


def load_epoch_keyring(
    settings: CryptoSettings, keystore_url: str, environment: str = "development"
) -> EpochKeyring:
    """The keyring of epoch KEKs the settings choose (nothing is opened yet). Production with
    a shared key-store database (not SQLite) must name the folder every process shares."""
    if settings.keyring == "pkcs11":
        pin = settings.pkcs11_pin.get_secret_value()
        if settings.pkcs11_pin_file is not None:
            pin = _read_secret_text(settings.pkcs11_pin_file).strip()
        return Pkcs11Keyring(
            settings.pkcs11_module, settings.pkcs11_token_label, SecretBytes(pin.encode())
        )
    folder = keyring_folder(settings, keystore_url)
    if environment == "production" and settings.keyring_dir is None and folder == DEFAULT_FOLDER:
        raise UnsafeCryptoSettingsError(
            "production with a PostgreSQL key store needs CASELOG_CRYPTO__KEYRING_DIR: the"
            " folder of epoch KEKs every service process shares (or keyring 'pkcs11')"
        )
    return FileKeyring(folder)


def keyring_folder(settings: CryptoSettings, keystore_url: str) -> Path:
    """`keyring_dir`, else `keyring/` beside the key store's SQLite file, else data/keyring."""
    if settings.keyring_dir is not None:
        return settings.keyring_dir
    url = make_url(keystore_url)
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and database and not database.startswith(":"):
        return Path(database).parent / "keyring"
    return DEFAULT_FOLDER


def secret_from_file(path: Path) -> SecretBytes:
    """A base64 secret stored in a file (surrounding whitespace ignored); refused if the file
    is readable by group or others."""
    return _decode(_read_secret_text(path), f"key file {path}")


def _read_secret_text(path: Path) -> str:
    try:
        return read_private_text(path)
    except (OSError, UnicodeDecodeError) as error:
        raise KeyMaterialError(f"cannot read key file {path}: {type(error).__name__}") from None


def secret_from_env(name: str, environ: Mapping[str, str]) -> SecretBytes:
    """A base64 secret held in the environment variable `name`."""
    text = environ.get(name)
    if not text:
        raise KeyMaterialError(f"environment variable {name} is not set")
    return _decode(text, f"environment variable {name}")


def load_keyring(
    settings: CryptoSettings, environment: str, environ: Mapping[str, str] | None = None
) -> Keyring:
    """The current KEK and the previous ones, from the configured provider."""
    check_production_safe(settings, environment)
    environ = os.environ if environ is None else environ
    if settings.kek_provider == "development":
        return Keyring(AesKek(SecretBytes(DEVELOPMENT_KEK)))
    if settings.kek_provider == "file":
        assert settings.kek_file is not None  # guaranteed by CryptoSettings' validator
        paths = (settings.kek_file, *settings.previous_kek_files)
        secrets = [secret_from_file(path) for path in paths]
    else:
        names = (settings.kek_env_var, *settings.previous_kek_env_vars)
        secrets = [secret_from_env(name, environ) for name in names]
    development = SecretBytes(DEVELOPMENT_KEK)
    if environment == "production" and any(secret == development for secret in secrets):
        raise UnsafeCryptoSettingsError("production cannot use the development key as a KEK")
    current, *previous = (AesKek(secret) for secret in secrets)
    return Keyring(current, *previous)


def load_pepper(
    settings: CryptoSettings, environment: str, environ: Mapping[str, str] | None = None
) -> SecretBytes:
    """The HMAC pepper of the subject index."""
    check_production_safe(settings, environment)
    environ = os.environ if environ is None else environ
    if settings.pepper_source == "development":
        return SecretBytes(DEVELOPMENT_PEPPER)
    if settings.pepper_source == "file":
        assert settings.pepper_file is not None  # guaranteed by CryptoSettings' validator
        pepper = secret_from_file(settings.pepper_file)
    else:
        pepper = secret_from_env(settings.pepper_env_var, environ)
    if environment == "production" and pepper == SecretBytes(DEVELOPMENT_PEPPER):
        raise UnsafeCryptoSettingsError("production cannot use the development pepper")
    return pepper


def _decode(text: str, source: str) -> SecretBytes:
    try:
        return SecretBytes(base64.b64decode(text.strip(), validate=True))
    except binascii.Error:
        # The message names where the key is, never any of its characters.
        raise KeyMaterialError(f"{source} does not hold base64 text") from None
