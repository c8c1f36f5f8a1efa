"""The token verifier: what it admits and refuses, and that remembering a token changes neither."""

import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from shared.auth.development import development_issuer
from shared.auth.errors import NotAuthenticatedError
from shared.auth.roles import Principal, Role
from shared.auth.verifier import TokenVerifier


def _verifier(keys: Path, audience: str = "caselog") -> TokenVerifier:
    issuer = development_issuer(keys)
    return TokenVerifier.from_jwks_file(
        keys / "dev-jwks.json", issuer=issuer.issuer, audience=audience
    )


def test_a_valid_token_names_its_subject_and_known_roles(tmp_path: Path) -> None:
    token = development_issuer(tmp_path).token("agent-7", [Role.AGENT], "caselog")
    verifier = _verifier(tmp_path)

    expected = Principal("agent-7", frozenset({Role.AGENT}))
    assert verifier.verify(token) == expected
    assert verifier.verify(token) == expected  # the second time from the cache


def test_a_remembered_token_is_refused_once_it_expires(tmp_path: Path) -> None:
    token = development_issuer(tmp_path).token("agent-7", [Role.AGENT], "caselog", ttl_s=1)
    verifier = _verifier(tmp_path)
    verifier.verify(token)

    time.sleep(2.1)  # `exp` is whole seconds: past it for sure

    with pytest.raises(NotAuthenticatedError, match="expired"):
        verifier.verify(token)


def test_refusals_are_not_remembered_and_do_not_leak_from_valid_tokens(tmp_path: Path) -> None:
    issuer = development_issuer(tmp_path)
    verifier = _verifier(tmp_path)
    verifier.verify(issuer.token("agent-7", [Role.AGENT], "caselog"))
    other_audience = issuer.token("agent-7", [Role.AGENT], "elsewhere")
    tampered = issuer.token("agent-7", [Role.AGENT], "caselog")[:-4] + "AAAA"

    for token in (other_audience, other_audience, tampered, tampered):
        with pytest.raises(NotAuthenticatedError, match="invalid token"):
            verifier.verify(token)


def test_a_header_naming_another_algorithm_than_the_key_is_refused_not_a_crash(
    tmp_path: Path,
) -> None:
    # The attack: the EC key's kid with alg RS256 (signed by a key of the attacker's own).
    issuer = development_issuer(tmp_path)
    verifier = _verifier(tmp_path)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {
        "sub": "x",
        "roles": ["admin"],
        "iss": issuer.issuer,
        "aud": "caselog",
        "exp": int(time.time()) + 60,
    }
    for algorithm, key in (("RS256", rsa_key), ("EdDSA", ed25519.Ed25519PrivateKey.generate())):
        forged = jwt.encode(claims, key, algorithm=algorithm, headers={"kid": issuer.key_id})
        with pytest.raises(NotAuthenticatedError, match="invalid token"):
            verifier.verify(forged)


@pytest.mark.parametrize(
    "subject",
    ["", " ", "legal 3", "\tlegal", "legal\u200b3", "\uff4c\uff45\uff47\uff41\uff4c", "x" * 129],
    ids=["empty", "space", "inner-space", "control", "zero-width", "full-width", "too-long"],
)
def test_a_token_must_name_who_acts_in_visible_ascii(tmp_path: Path, subject: str) -> None:
    token = development_issuer(tmp_path).token(subject, [Role.LEGAL], "caselog")

    with pytest.raises(NotAuthenticatedError, match="sub"):
        _verifier(tmp_path).verify(token)


def test_identity_provider_subjects_are_accepted(tmp_path: Path) -> None:
    issuer = development_issuer(tmp_path)
    verifier = _verifier(tmp_path)
    for subject in ("auth0|5f7c8ec7c33c6c004bbafe82", "00u1ab2cd3EF4gh5ij6k7", "x" * 128):
        assert verifier.verify(issuer.token(subject, [Role.LEGAL], "caselog")).subject == subject
