"""Who handles a case when a caller responds on it: decided from the token, never the body."""

import pytest

from services.intake.entrypoints.routes import handler_of
from shared.auth.roles import Principal, Role


@pytest.mark.parametrize(
    ("roles", "handler"),
    [
        ({Role.AGENT}, "sub-agent-1"),
        ({Role.SUPERVISOR}, "sub-agent-1"),
        ({Role.PLATFORM}, None),
        ({Role.PLATFORM, Role.AGENT}, "sub-agent-1"),
    ],
    ids=["agent", "supervisor", "platform", "platform and agent"],
)
def test_the_handler_is_an_agents_or_supervisors_token_subject(
    roles: set[Role], handler: str | None
) -> None:
    caller = Principal("sub-agent-1", frozenset(roles), platform=None)

    assert handler_of(caller) == handler
