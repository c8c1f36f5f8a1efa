"""Builds the token verifier that settings choose; production must name its identity provider."""

from shared.auth.development import development_issuer
from shared.auth.errors import AuthConfigurationError
from shared.auth.key_sets import RemoteKeySet
from shared.auth.verifier import TokenVerifier
from shared.settings import CaselogSettings


def build_verifier(settings: CaselogSettings) -> TokenVerifier:
    """A JWKS URL (an identity provider) or file; in development, caselog's own dev keys."""
    issuer, audience = settings.auth_issuer, settings.auth_audience
    if settings.auth_jwks_url:
        keys = RemoteKeySet(
            settings.auth_jwks_url,
            timeout_s=settings.auth_jwks_timeout_s,
            cooldown_s=settings.auth_jwks_cooldown_s,
            max_age_s=settings.auth_jwks_max_age_s,
        )
        return TokenVerifier.from_key_set(keys, issuer=issuer, audience=audience)
    if settings.auth_jwks_file is not None:
        return TokenVerifier.from_jwks_file(
            settings.auth_jwks_file, issuer=issuer, audience=audience
        )
    if settings.environment != "development":
        raise AuthConfigurationError(
            "production needs CASELOG_AUTH_JWKS_URL or CASELOG_AUTH_JWKS_FILE"
        )
    development_issuer(settings.auth_dev_keys_dir)
    return TokenVerifier.from_jwks_file(
        settings.auth_dev_keys_dir / "dev-jwks.json", issuer=issuer, audience=audience
    )
