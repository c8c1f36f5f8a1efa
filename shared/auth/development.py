"""Development signing keys and tokens for `caselog run` and tests; production never uses them."""

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shared.auth.roles import Role

DEV_ISSUER = "caselog-development"


@dataclass(frozen=True, slots=True)
class DevelopmentIssuer:
    """An EC P-256 key whose public half is published as a JWKS file the services trust."""

    private_key: ec.EllipticCurvePrivateKey
    key_id: str
    issuer: str = DEV_ISSUER

    def __repr__(self) -> str:
        return f"DevelopmentIssuer(key_id={self.key_id!r})"

    def jwks(self) -> dict[str, object]:
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.private_key.public_key()))
        return {"keys": [{**public, "kid": self.key_id, "use": "sig", "alg": "ES256"}]}

    def token(
        self,
        subject: str,
        roles: list[Role],
        audience: str,
        ttl_s: int = 12 * 3600,
        extra_claims: Mapping[str, object] | None = None,
    ) -> str:
        now = int(time.time())
        claims = {
            **(extra_claims or {}),
            "sub": subject,
            "roles": [role.value for role in roles],
            "iss": self.issuer,
            "aud": audience,
            "iat": now,
            "exp": now + ttl_s,
        }
        return jwt.encode(claims, self.private_key, algorithm="ES256", headers={"kid": self.key_id})


def development_issuer(directory: Path) -> DevelopmentIssuer:
    """The issuer kept in `directory` (created on first use, so tokens survive restarts)."""
    directory.mkdir(parents=True, exist_ok=True)
    key_file = directory / "dev-signing-key.pem"
    if not key_file.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        key_file.touch(mode=0o600)
        key_file.write_bytes(pem)
    loaded = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    key_id = uuid.uuid5(uuid.NAMESPACE_OID, key_file.read_text()).hex[:16]
    issuer = DevelopmentIssuer(loaded, key_id)
    (directory / "dev-jwks.json").write_text(json.dumps(issuer.jwks()), encoding="utf-8")
    return issuer
