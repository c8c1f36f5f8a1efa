"""The token verifier: what it admits and refuses, and that remembering a token changes neither."""

import time
from pathlib import Path

import pytest

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
