"""The console's own settings (CASELOG_CONSOLE_*), read once at start-up and passed down.

Beside `shared.settings.CaselogSettings` (environment, host, port, auth), which the console
reads like every service does.
"""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

CONSOLE_ENV_PREFIX = "CASELOG_CONSOLE_"
MIN_SESSION_SECRET_CHARS = 32


class ConsoleSettings(BaseSettings):
    """Where the four services answer, and how sessions are signed.

    A service URL left unset means "the server this page came from": the embedded runtime
    serves the console and the services on one port.
    """

    model_config = SettingsConfigDict(env_prefix=CONSOLE_ENV_PREFIX, frozen=True, extra="forbid")

    intake_url: str | None = None
    policy_url: str | None = None
    records_url: str | None = None
    privacy_url: str | None = None
    # Signs the session cookie; production refuses to start without one (>= 32 characters).
    # Unset in development, each process makes its own (a restart signs everyone out).
    session_secret: SecretStr = SecretStr("")
    session_ttl_s: int = Field(default=8 * 3600, ge=60, le=7 * 24 * 3600)
    service_timeout_s: float = Field(default=10.0, gt=0)
