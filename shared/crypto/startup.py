"""Builds the keyring and the subject-index pepper from CryptoSettings, once, at start-up."""

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path

from shared.crypto.errors import KeyMaterialError, UnsafeCryptoSettingsError
from shared.crypto.kek import AesKek, Keyring
from shared.crypto.secret import SecretBytes
from shared.crypto.settings import (
    DEVELOPMENT_KEK,
    DEVELOPMENT_PEPPER,
    CryptoSettings,
    check_production_safe,
)


def secret_from_file(path: Path) -> SecretBytes:
    """A base64 secret stored in a file (surrounding whitespace ignored)."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise KeyMaterialError(f"cannot read key file {path}: {type(error).__name__}") from None
    return _decode(text, f"key file {path}")


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
