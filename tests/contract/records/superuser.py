"""Acting as other database users in the contract suite: the superuser, the service's role."""

from collections.abc import Awaitable, Callable

from sqlalchemy.engine import make_url

Bypass = Callable[..., Awaitable[None]]
"""Runs statements (TextClause) with the append-only guards out of the way."""


def as_user(url: str, user: str) -> str:
    """The same database as another user (the test server trusts every local user)."""
    return make_url(url).set(username=user, password=None).render_as_string(hide_password=False)
