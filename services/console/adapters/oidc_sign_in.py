"""OpenID Connect sign-in through authlib's Starlette client: the authorization code flow
with PKCE (S256) against the configured provider, its ID token checked (signature by the
provider's published keys, issuer, audience, expiry, nonce), roles read from the configured
claim, and RP-initiated logout at the provider.

authlib keeps a flow's state (state, nonce, PKCE verifier, redirect URI) in
`request.session`. The console has no server-side session store, so that dict travels in a
short-lived signed cookie of its own (`FLOW_COOKIE`), apart from the session cookie: the
provider sends the browser back cross-site, where a SameSite=Strict cookie is not sent, so
the flow cookie is SameSite=Lax and scoped to the callback's path. It grants nothing by
itself — the provider's code and the verifier together do, once.
"""

from collections.abc import Mapping
from typing import Any

import httpx
from authlib.integrations.starlette_client import (  # type: ignore[import-untyped]
    OAuth,
    OAuthError,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request

from services.console.domain.session import SignedInUser, roles_in_claims
from services.console.service_layer.errors import ServiceUnavailableError, SignInFailedError
from services.console.settings import ConsoleSettings

FLOW_COOKIE = "caselog_console_signin"
FLOW_PATH = "/signin/oidc"
# Long enough to type a password and answer a second factor; short enough to be useless later.
FLOW_TTL_S = 600
_FLOW_SALT = "caselog.console.signin-flow.v1"
_PROVIDER = "identity provider"


class OidcSignIn:
    def __init__(self, console: ConsoleSettings, secret: str) -> None:
        if not console.oidc_issuer or not console.oidc_client_id:
            raise ValueError("OIDC sign-in needs an issuer and a client id")
        issuer = console.oidc_issuer.rstrip("/")
        self._client: Any = OAuth().register(
            name="caselog",
            client_id=console.oidc_client_id,
            client_secret=console.oidc_client_secret.get_secret_value() or None,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": console.oidc_scope,
                "code_challenge_method": "S256",
                "timeout": console.service_timeout_s,
            },
        )
        self._audience = console.oidc_audience
        self._roles_claim = console.oidc_roles_claim
        self._flows = URLSafeTimedSerializer(secret, salt=_FLOW_SALT)

    async def start(self, request: Request, redirect_uri: str) -> tuple[str, str]:
        """Where to send the browser (the provider's authorization endpoint), and the
        signed flow state for `FLOW_COOKIE`."""
        flow: dict[str, Any] = {}
        extra = {"audience": self._audience} if self._audience else {}
        try:
            redirect = await self._client.authorize_redirect(
                _with_session(request, flow), redirect_uri, **extra
            )
        except httpx.HTTPError:
            raise ServiceUnavailableError(_PROVIDER) from None
        return str(redirect.headers["location"]), self._flows.dumps(flow)

    async def finish(self, request: Request, flow_cookie: str | None) -> SignedInUser:
        """The user the provider's answer (the callback's query) signs in; `SignInFailedError`
        if the flow is unknown, expired or refused, or the ID token names no caselog role."""
        try:
            flow = self._flows.loads(flow_cookie or "", max_age=FLOW_TTL_S)
        except BadSignature:
            raise SignInFailedError("signin.flow_lost", status=400) from None
        if not isinstance(flow, dict):
            raise SignInFailedError("signin.flow_lost", status=400)
        try:
            token = await self._client.authorize_access_token(_with_session(request, flow))
        except OAuthError:
            # The provider refused, the state does not match this browser's flow, or the ID
            # token does not verify: which one is the provider's business, not the page's.
            raise SignInFailedError("signin.provider_refused", status=400) from None
        except httpx.HTTPError:
            raise ServiceUnavailableError(_PROVIDER) from None
        claims: Mapping[str, Any] | None = token.get("userinfo")
        if claims is None or "access_token" not in token:
            raise SignInFailedError("signin.provider_refused", status=400)
        roles = roles_in_claims(claims, self._roles_claim)
        if not roles:
            raise SignInFailedError("signin.no_role", status=403)
        return SignedInUser(
            subject=str(claims["sub"]),
            roles=roles,
            method="oidc",
            token=str(token["access_token"]),
            id_token=token.get("id_token"),
        )

    async def sign_out_url(self, user: SignedInUser, post_logout_redirect_uri: str) -> str | None:
        """The provider's end-session URL (RP-initiated logout) for `user`, or None if the
        provider offers none (the console's own session is cleared either way)."""
        try:
            metadata = await self._client.load_server_metadata()
            if not metadata.get("end_session_endpoint"):
                return None
            logout = await self._client.create_logout_url(
                post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=user.id_token
            )
        except httpx.HTTPError:
            return None  # signed out here; the provider's session ends when it expires
        return str(logout["url"])


def _with_session(request: Request, session: dict[str, Any]) -> Request:
    """`request` with `session` as its `request.session`, where authlib keeps a flow."""
    return Request({**request.scope, "session": session}, request.receive)
