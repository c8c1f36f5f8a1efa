"""Verifies bearer JWTs against a JWKS (file or URL) with PyJWT, and reads their roles."""

import json
import re
import time
from pathlib import Path
from typing import Any

import jwt
from cachetools import TLRUCache

from shared.auth.errors import AuthConfigurationError, NotAuthenticatedError
from shared.auth.roles import Principal, Role

ALGORITHMS = ["ES256", "RS256", "EdDSA"]
ROLES_CLAIM = "roles"
PLATFORM_CLAIM = "platform"  # which support platform an integration's token speaks for
_PLATFORM_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")
# Verified tokens are remembered by their exact text, never past their `exp`, and never for
# longer than the JWKS client keeps a key set, so a key withdrawn by rotation stops working
# as soon as it would without the cache. Failures are not remembered. No lock: `verify`
# runs on the event loop (shared/web/auth.py's dependency is async).
VERIFIED_CACHE_SIZE = 1024
VERIFIED_CACHE_MAX_S = 60.0


class TokenVerifier:
    """Checks signature, expiry, issuer and audience; unknown roles are ignored, not trusted."""

    def __init__(self, keys: jwt.PyJWKSet | jwt.PyJWKClient, *, issuer: str, audience: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._verified: TLRUCache[str, tuple[Principal, float]] = TLRUCache(
            maxsize=VERIFIED_CACHE_SIZE, ttu=_valid_until, timer=time.time
        )

    @classmethod
    def from_jwks_file(cls, path: Path, *, issuer: str, audience: str) -> "TokenVerifier":
        try:
            keys = jwt.PyJWKSet.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, jwt.PyJWKSetError) as error:
            raise AuthConfigurationError(
                f"cannot read JWKS {path}: {type(error).__name__}"
            ) from None
        return cls(keys, issuer=issuer, audience=audience)

    @classmethod
    def from_jwks_url(cls, url: str, *, issuer: str, audience: str) -> "TokenVerifier":
        # PyJWKClient caches the key set and refetches on an unknown key id (rotation).
        return cls(jwt.PyJWKClient(url, cache_keys=True), issuer=issuer, audience=audience)

    def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            return cached[0]
        try:
            key = self._signing_key(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise NotAuthenticatedError("the token has expired") from None
        except jwt.PyJWTError as error:
            raise NotAuthenticatedError(f"invalid token ({type(error).__name__})") from None
        principal = Principal(
            str(claims["sub"]),
            _roles(claims.get(ROLES_CLAIM)),
            _platform(claims.get(PLATFORM_CLAIM)),
        )
        self._verified[token] = (principal, float(claims["exp"]))
        return principal

    def _signing_key(self, token: str) -> Any:
        if isinstance(self._keys, jwt.PyJWKClient):
            return self._keys.get_signing_key_from_jwt(token).key
        kid = jwt.get_unverified_header(token).get("kid")
        for candidate in self._keys.keys:
            if kid is None or candidate.key_id == kid:
                return candidate.key
        raise jwt.InvalidKeyError("no key for the token's key id")


def _valid_until(_token: str, verified: tuple[Principal, float], now: float) -> float:
    # PyJWT refuses a token once `exp <= now`; the cache gives it up at the same instant.
    return min(verified[1], now + VERIFIED_CACHE_MAX_S)


def _roles(raw: object) -> frozenset[Role]:
    if not isinstance(raw, list):
        return frozenset()
    known = {role.value for role in Role}
    return frozenset(Role(item) for item in raw if isinstance(item, str) and item in known)


def _platform(raw: object) -> str | None:
    # A claim that is not a platform name is ignored (the caller is then plain REST).
    return raw if isinstance(raw, str) and _PLATFORM_NAME.fullmatch(raw) else None
