"""Group membership in the embedded log: assignment, expiry, hand-over of claims, fencing."""

import sqlite3
from collections.abc import Iterator

import pytest

from shared.bus.embedded import groups, log
from shared.bus.embedded.assignment import Member, round_robin
from shared.bus.embedded.schema import create_schema
from shared.bus.embedded.transform_member import commit_batch
from shared.bus.messages import OutgoingMessage
from shared.bus.topics import TopicSpec

SESSION_MS = 1000


def member(name: str, topics: tuple[str, ...] = ("t",)) -> Member:
    return Member("g", name, frozenset(topics), SESSION_MS)


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    create_schema(connection)
    log.declare_topics(connection, [TopicSpec("t", 4)])
    yield connection
    connection.close()


def test_round_robin_deals_every_partition_once_whatever_the_member_order() -> None:
    subscriptions = {"b": frozenset({"t", "u"}), "a": frozenset({"t", "u"})}
    dealt = round_robin(subscriptions, {"u": 3, "t": 2})
    again = round_robin(dict(reversed(subscriptions.items())), {"t": 2, "u": 3})

    assert dealt == again
    assert dealt["a"] == {("t", 0), ("u", 0), ("u", 2)}
    assert dealt["b"] == {("t", 1), ("u", 1)}


def test_round_robin_gives_a_topic_only_to_its_subscribers() -> None:
    dealt = round_robin({"a": frozenset({"t"}), "b": frozenset({"u"})}, {"t": 2, "u": 1, "v": 1})
    assert dealt == {"a": {("t", 0), ("t", 1)}, "b": {("u", 0)}}


def test_a_partition_moves_only_after_its_owner_commits_and_releases(
    conn: sqlite3.Connection,
) -> None:
    first, second = member("a"), member("b")
    _, owned = groups.settle(conn, first, now_ms=0, handled={})
    assert set(owned) == {("t", p) for p in range(4)}

    decided, owned = groups.settle(conn, second, now_ms=10, handled={})
    assert owned == {}, "partitions still claimed by a live member are not taken"
    assert decided.owned == frozenset()

    handled = {("t", p): 5 + p for p in range(4)}
    decided, _ = groups.settle(conn, first, now_ms=20, handled=handled)
    assert decided.release == {("t", 1), ("t", 3)}

    _, owned = groups.settle(conn, second, now_ms=30, handled={})
    assert owned == {("t", 1): 6, ("t", 3): 8}, "the new owner starts at the committed offsets"


def test_a_member_whose_heartbeat_is_stale_is_dropped_with_its_claims(
    conn: sqlite3.Connection,
) -> None:
    groups.settle(conn, member("a"), now_ms=0, handled={})
    assert groups.beat(conn, member("a"), now_ms=500)

    _, owned = groups.settle(conn, member("b"), now_ms=1400, handled={})
    assert owned == {}, "a heartbeat younger than the session keeps the member"

    decided, owned = groups.settle(conn, member("b"), now_ms=1501, handled={})
    assert decided.expired == {"a"}
    assert set(owned) == {("t", p) for p in range(4)}
    assert not groups.beat(conn, member("a"), now_ms=1600), "the expired member is told"


def test_an_expired_member_cannot_commit_over_the_new_owner(conn: sqlite3.Connection) -> None:
    groups.settle(conn, member("a"), now_ms=0, handled={})
    groups.settle(conn, member("b"), now_ms=5000, handled={})
    groups.commit_offsets(conn, member("b"), {("t", 0): 9})

    lost = groups.commit_offsets(conn, member("a"), {("t", 0): 3})
    assert lost == {("t", 0)}
    assert groups.committed_offset(conn, "g", ("t", 0)) == 9


def test_leaving_commits_and_frees_the_partitions_at_once(conn: sqlite3.Connection) -> None:
    groups.settle(conn, member("a"), now_ms=0, handled={})
    groups.settle(conn, member("b"), now_ms=1, handled={})
    groups.leave(conn, member("a"), {("t", 0): 4})

    _, owned = groups.settle(conn, member("b"), now_ms=2, handled={})
    assert set(owned) == {("t", p) for p in range(4)}
    assert owned[("t", 0)] == 4


def test_a_fenced_transform_batch_writes_neither_outputs_nor_offsets(
    conn: sqlite3.Connection,
) -> None:
    log.declare_topics(conn, [TopicSpec("out")])
    groups.settle(conn, member("a"), now_ms=0, handled={})
    groups.settle(conn, member("b"), now_ms=5000, handled={})

    outputs = [OutgoingMessage("out", b"from a zombie")]
    lost = commit_batch(conn, member("a"), outputs, {("t", 0): 1})
    assert lost == {("t", 0)}
    assert log.read(conn, [(("out", 0), 0)], limit=10) == []
    assert groups.committed_offset(conn, "g", ("t", 0)) == 0

    assert commit_batch(conn, member("b"), outputs, {("t", 0): 1}) == frozenset()
    assert len(log.read(conn, [(("out", 0), 0)], limit=10)) == 1
    assert groups.committed_offset(conn, "g", ("t", 0)) == 1
