"""Crypto settings (epoch keyring, fixed KEKs, pepper source, epoch length) and the production
guard."""

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, model_validator

from shared.crypto.errors import UnsafeCryptoSettingsError

SecretSource = Literal["development", "file", "env"]
KeyringKind = Literal["file", "pkcs11"]
EnvVarName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$")]

# Published on purpose, so `make run` needs no setup; production refuses both.
DEVELOPMENT_KEK = b"caselog development KEK: unsafe!"
DEVELOPMENT_PEPPER = b"caselog development pepper: not for production"


class CryptoSettings(BaseModel):
    """Where the KEKs and the subject-index pepper come from, and how long DEKs stay cached.

    `keyring` holds the epoch KEKs that wrap every new DEK (docs/decisions/0009-key-epochs.md):
    `file` (a 0700 folder of 0600 key files, `keyring_dir`, default `keyring/` beside the
    key store's SQLite file, else `data/keyring`) or `pkcs11` (an HSM token: module, token
    label and PIN). A key epoch closes every `epoch_length_s` (and on demand).

    `kek_provider` and `previous_*` are the fixed KEKs of keys stored before key epochs:
    they only unwrap, until the first epoch close has re-wrapped every such key; then they
    may be removed. Files and variables hold base64 text (`openssl rand -base64 32`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    keyring: KeyringKind = "file"
    keyring_dir: Path | None = None
    pkcs11_module: Path = Path("/usr/lib/softhsm/libsofthsm2.so")
    pkcs11_token_label: str = Field(default="caselog", min_length=1, max_length=32)
    pkcs11_pin: SecretStr = SecretStr("")
    pkcs11_pin_file: Path | None = None
    # How long a key epoch stays open: the longest a destroyed key's leftover copies (WAL,
    # dead tuples, backups) can still be unwrapped by someone holding the KEK.
    epoch_length_s: float = Field(default=86400.0, gt=0)

    kek_provider: SecretSource = "development"
    kek_file: Path | None = None
    previous_kek_files: tuple[Path, ...] = ()
    kek_env_var: EnvVarName = "CASELOG_KEK"
    previous_kek_env_vars: tuple[EnvVarName, ...] = ()
    pepper_source: SecretSource = "development"
    pepper_file: Path | None = None
    pepper_env_var: EnvVarName = "CASELOG_SUBJECT_PEPPER"
    key_cache_size: int = Field(default=10_000, ge=1)
    # Bounds how long a key destroyed by another process stays usable in this one.
    key_cache_ttl_s: float = Field(default=60.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _files_named(self) -> Self:
        if self.kek_provider == "file" and self.kek_file is None:
            raise ValueError("kek_provider 'file' needs kek_file")
        if self.pepper_source == "file" and self.pepper_file is None:
            raise ValueError("pepper_source 'file' needs pepper_file")
        if self.keyring == "pkcs11" and not (
            self.pkcs11_pin.get_secret_value() or self.pkcs11_pin_file
        ):
            raise ValueError("keyring 'pkcs11' needs pkcs11_pin or pkcs11_pin_file")
        return self


def check_production_safe(settings: CryptoSettings, environment: str) -> None:
    """Refuse to start in production with the published development KEK or pepper."""
    if environment != "production":
        return
    unsafe = [
        name
        for name, source in (
            ("kek_provider", settings.kek_provider),
            ("pepper_source", settings.pepper_source),
        )
        if source == "development"
    ]
    if unsafe:
        raise UnsafeCryptoSettingsError(
            f"production cannot use the development key: set {', '.join(unsafe)} to 'file' or 'env'"
        )
