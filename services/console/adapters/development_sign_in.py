"""Development sign-in: a token from caselog's development issuer for the role picked.

The services trust that issuer only in development (or where its JWKS is configured, as
`make up` does), so this never grants anything a production deployment would accept.
"""

from pathlib import Path

from services.console.domain.session import SignedInUser
from shared.auth.development import development_issuer
from shared.auth.roles import Role

TOKEN_TTL_S = 8 * 3600


class DevelopmentIssuerSignIn:
    def __init__(self, keys_dir: Path, audience: str) -> None:
        self._issuer = development_issuer(keys_dir)
        self._audience = audience

    def sign_in(self, role: Role) -> SignedInUser:
        subject = f"console-dev-{role.value}"
        token = self._issuer.token(subject, [role], self._audience, ttl_s=TOKEN_TTL_S)
        return SignedInUser(subject=subject, roles=(role,), method="development", token=token)
