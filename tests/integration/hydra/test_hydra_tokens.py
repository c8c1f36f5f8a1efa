"""The services accept an access token issued by a real OpenID Connect provider (Ory Hydra,
authorization code flow with PKCE), verified against the provider's JWKS URL, with the
user's roles read from the token's `roles` claim; a token altered on its way is refused."""

import time
from collections.abc import AsyncIterator

import pytest

from shared.auth.errors import NotAuthenticatedError
from shared.auth.factory import build_verifier
from shared.auth.roles import Role
from shared.auth.verifier import TokenVerifier
from shared.settings import load_settings
from tests.integration.databases import fresh_database
from tests.integration.hydra.provider import (
    RunningHydra,
    create_client,
    hydra,
    hydra_dsn,
    sign_in,
)

AUDIENCE = "caselog"


@pytest.fixture(scope="module")
async def provider(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str
) -> AsyncIterator[RunningHydra]:
    # Hydra keeps its store in a database of its own on the suite's PostgreSQL server.
    server = postgres_url
    async with fresh_database(server) as database:
        with hydra(tmp_path_factory.mktemp("hydra"), hydra_dsn(database)) as running:
            yield running


def _verifier(running: RunningHydra) -> TokenVerifier:
    settings = load_settings(
        service_name="records",
        environment="production",
        auth_jwks_url=running.jwks_url,
        auth_issuer=running.issuer,
        auth_audience=AUDIENCE,
    )
    return build_verifier(settings)


def _verify_soon(verifier: TokenVerifier, token: str) -> object:
    # The key set is fetched on a thread of its own: the first token may arrive before it.
    deadline = time.monotonic() + 10
    while True:
        try:
            return verifier.verify(token)
        except NotAuthenticatedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_hydra_access_token_carries_the_users_roles(provider: RunningHydra) -> None:
    client = create_client(provider, AUDIENCE)
    token = sign_in(
        provider, client, subject="officer-1", roles=["legal", "no-such-role"], audience=AUDIENCE
    )
    principal = _verify_soon(_verifier(provider), token)
    assert principal.subject == "officer-1"  # type: ignore[attr-defined]
    # A role caselog does not know is ignored, never trusted.
    assert principal.roles == frozenset({Role.LEGAL})  # type: ignore[attr-defined]


def test_an_altered_hydra_token_is_refused(provider: RunningHydra) -> None:
    client = create_client(provider, AUDIENCE)
    token = sign_in(provider, client, subject="agent-1", roles=["agent"], audience=AUDIENCE)
    verifier = _verifier(provider)
    _verify_soon(verifier, token)
    header, payload, signature = token.split(".")
    altered = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    with pytest.raises(NotAuthenticatedError):
        verifier.verify(altered)


def test_a_token_for_another_audience_is_refused(provider: RunningHydra) -> None:
    verifier = _verifier(provider)
    ours = sign_in(
        provider,
        create_client(provider, AUDIENCE),
        subject="legal-2",
        roles=["legal"],
        audience=AUDIENCE,
    )
    _verify_soon(verifier, ours)  # the provider's keys are in memory from here on
    theirs = sign_in(
        provider,
        create_client(provider, "another-system"),
        subject="legal-2",
        roles=["legal"],
        audience="another-system",
    )
    with pytest.raises(NotAuthenticatedError):
        verifier.verify(theirs)
