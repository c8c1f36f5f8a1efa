"""Verifies bearer JWTs against a JWKS (file or URL) with PyJWT, and reads their roles."""

import re
import time
from pathlib import Path
from typing import Any

import jwt
from cachetools import TLRUCache

from shared.auth.errors import NotAuthenticatedError
from shared.auth.key_sets import FileKeySet, KeySet, RemoteKeySet
from shared.auth.roles import Principal, Role

ALGORITHMS = ["ES256", "RS256", "EdDSA"]
ROLES_CLAIM = "roles"
# Verified tokens are remembered by their exact text, never past their `exp`, and never for
# longer than a minute, so a key withdrawn by rotation stops working within a minute of the
# key set's refresh. Failures are not remembered. No lock: `verify` runs on the event loop
# (shared/web/auth.py's dependency is async); the key set never blocks it.
VERIFIED_CACHE_SIZE = 1024
VERIFIED_CACHE_MAX_S = 60.0
# Who acts is recorded in the log (reveals, holds, key destructions): OpenID Connect's
# `sub` is ASCII, at most 255 characters; we take visible ASCII only (no spaces, controls
# or look-alike Unicode) and at most 128, the width of the columns that keep it.
SUBJECT_PATTERN = re.compile(r"[!-~]{1,128}")


class TokenVerifier:
    """Checks signature, expiry, issuer and audience; unknown roles are ignored, not trusted."""

    def __init__(self, keys: KeySet, *, issuer: str, audience: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._verified: TLRUCache[str, tuple[Principal, float]] = TLRUCache(
            maxsize=VERIFIED_CACHE_SIZE, ttu=_valid_until, timer=time.time
        )

    @classmethod
    def from_jwks_file(cls, path: Path, *, issuer: str, audience: str) -> "TokenVerifier":
        return cls(FileKeySet(path), issuer=issuer, audience=audience)

    @classmethod
    def from_key_set(cls, keys: RemoteKeySet, *, issuer: str, audience: str) -> "TokenVerifier":
        """Over an identity provider's key set, whose first fetch starts now (in the
        background: until it lands, tokens are refused with 401)."""
        keys.refresh_soon()
        return cls(keys, issuer=issuer, audience=audience)

    def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            return cached[0]
        try:
            key = self._keys.key_for(jwt.get_unverified_header(token).get("kid"))
            if key is None:
                raise jwt.InvalidKeyError("no key for the token's key id")
            # The PyJWK, not its raw key: PyJWT then verifies with the key's own algorithm and
            # refuses a header naming another (RS256 over an EC key), instead of a TypeError.
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
        subject = claims["sub"]
        if not isinstance(subject, str) or not SUBJECT_PATTERN.fullmatch(subject):
            raise NotAuthenticatedError("the token's sub must be 1-128 visible ASCII characters")
        principal = Principal(subject, _roles(claims.get(ROLES_CLAIM)))
        self._verified[token] = (principal, float(claims["exp"]))
        return principal


def _valid_until(_token: str, verified: tuple[Principal, float], now: float) -> float:
    # PyJWT refuses a token once `exp <= now`; the cache gives it up at the same instant.
    return min(verified[1], now + VERIFIED_CACHE_MAX_S)


def _roles(raw: object) -> frozenset[Role]:
    if not isinstance(raw, list):
        return frozenset()
    known = {role.value for role in Role}
    return frozenset(Role(item) for item in raw if isinstance(item, str) and item in known)
