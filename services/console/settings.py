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
    # The records log's public key (C2SP verifier-key form, from a source you trust), pinned:
    # the proof page checks bundles against it, never against the key a bundle carries.
    log_verifier_key: str | None = None

    # OpenID Connect sign-in (authorization code + PKCE). Production requires an issuer;
    # discovery (`<issuer>/.well-known/openid-configuration`) gives the endpoints and keys.
    oidc_issuer: str | None = None
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_scope: str = "openid"
    # Sent as `audience` in the authorization request, for providers that scope access
    # tokens by it (Hydra, Auth0); the services accept only their CASELOG_AUTH_AUDIENCE.
    oidc_audience: str | None = None
    # Where the user's roles are in the ID token; dots walk into objects
    # (e.g. Keycloak's `realm_access.roles`). Unknown roles are ignored.
    oidc_roles_claim: str = "roles"
    # The console's public address as the provider sees it (e.g. https://console.example),
    # for the callback and post-logout URLs registered with the client. Unset: the address
    # the request came in on.
    public_url: str | None = None
