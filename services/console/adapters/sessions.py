"""The session cookie: the session as signed JSON (itsdangerous), refused if altered or old.

Signed, not encrypted: it holds the subject, roles, the bearer token the browser's user
already owns, and the CSRF secret — nothing the user may not see. HttpOnly keeps scripts
from it, SameSite=Strict keeps other sites' requests from carrying it.
"""

import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from services.console.domain.session import ConsoleSession, SignedInUser
from services.console.service_layer.errors import InvalidSessionError
from shared.auth.roles import Role

COOKIE_NAME = "caselog_console"
_SALT = "caselog.console.session.v1"


def new_csrf() -> str:
    return secrets.token_urlsafe(32)


class SessionCodec:
    def __init__(self, secret: str, ttl_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.ttl_s = ttl_s

    def encode(self, session: ConsoleSession) -> str:
        user = session.user
        data: dict[str, Any] = {"csrf": session.csrf}
        if user is not None:
            data["user"] = {
                "sub": user.subject,
                "roles": [role.value for role in user.roles],
                "method": user.method,
                "token": user.token,
            }
            if user.id_token is not None:
                data["user"]["id"] = user.id_token
        return self._serializer.dumps(data)

    def decode(self, value: str) -> ConsoleSession:
        """The session in `value`; `InvalidSessionError` if its signature or age fails."""
        try:
            data = self._serializer.loads(value, max_age=self.ttl_s)
            user = data.get("user")
            return ConsoleSession(
                csrf=str(data["csrf"]),
                user=None
                if user is None
                else SignedInUser(
                    subject=str(user["sub"]),
                    roles=tuple(Role(role) for role in user["roles"]),
                    method=user["method"],
                    token=str(user["token"]),
                    id_token=None if user.get("id") is None else str(user["id"]),
                ),
            )
        except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
            # BadSignature covers expiry (SignatureExpired) and tampering alike.
            raise InvalidSessionError("the session cookie does not verify") from None
