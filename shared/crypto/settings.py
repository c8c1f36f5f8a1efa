"""Crypto settings (KEK provider, key file, env var, pepper source) and the production guard."""

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.crypto.errors import UnsafeCryptoSettingsError

SecretSource = Literal["development", "file", "env"]
EnvVarName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$")]

# Published on purpose, so `make run` needs no setup; production refuses both.
DEVELOPMENT_KEK = b"caselog development KEK: unsafe!"
DEVELOPMENT_PEPPER = b"caselog development pepper: not for production"


class CryptoSettings(BaseModel):
    """Where the KEKs and the subject-index pepper come from, and how long DEKs stay cached.

    Files and variables hold base64 text (`openssl rand -base64 32`). `previous_*` name
    retired KEKs that still unwrap DEKs until `rewrap_data_keys` has moved them all.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

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
