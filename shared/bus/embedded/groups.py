"""Consumer-group state in the log file: membership, heartbeats, partition claims and offsets."""

import json
import sqlite3
from collections.abc import Mapping

from shared.bus.embedded.assignment import GroupView, Member, Plan, plan
from shared.bus.interface import TopicPartition

Offsets = Mapping[TopicPartition, int]
"""The next offset to read, per partition."""


def view(conn: sqlite3.Connection, group: str) -> GroupView:
    """The group as stored now, with the partition counts of every declared topic."""
    subscriptions: dict[str, frozenset[str]] = {}
    heartbeats: dict[str, int] = {}
    for member_id, topics, beat in conn.execute(
        "SELECT member_id, topics, heartbeat_ms FROM members WHERE group_id = ?", (group,)
    ):
        subscriptions[member_id] = frozenset(json.loads(topics))
        heartbeats[member_id] = int(beat)
    claims = {
        (topic, int(partition)): member_id
        for topic, partition, member_id in conn.execute(
            "SELECT topic, partition, member_id FROM claims WHERE group_id = ?", (group,)
        )
    }
    partitions = {
        name: int(count) for name, count in conn.execute("SELECT name, partitions FROM topics")
    }
    return GroupView(subscriptions, heartbeats, claims, partitions)


def settle(
    conn: sqlite3.Connection, member: Member, now_ms: int, handled: Offsets
) -> tuple[Plan, dict[TopicPartition, int]]:
    """Carry out `member`'s plan; returns it with the committed offset of each partition owned.

    Handled offsets of released partitions are committed before their claims go, in the
    same transaction, so the next owner starts exactly where this member stopped.
    """
    group, me = member.group, member.member_id
    decided = plan(view(conn, group), member, now_ms)
    for gone in decided.expired:
        conn.execute("DELETE FROM members WHERE group_id = ? AND member_id = ?", (group, gone))
        conn.execute("DELETE FROM claims WHERE group_id = ? AND member_id = ?", (group, gone))
    conn.execute(
        "INSERT INTO members (group_id, member_id, topics, heartbeat_ms) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (group_id, member_id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms",
        (group, me, json.dumps(sorted(member.topics)), now_ms),
    )
    store_offsets(conn, group, {tp: handled[tp] for tp in decided.release if tp in handled})
    conn.executemany(
        "DELETE FROM claims WHERE group_id = ? AND topic = ? AND partition = ?",
        [(group, topic, partition) for topic, partition in decided.release],
    )
    conn.executemany(
        "INSERT INTO claims (group_id, topic, partition, member_id) VALUES (?, ?, ?, ?)",
        [(group, topic, partition, me) for topic, partition in decided.claim],
    )
    return decided, {tp: committed_offset(conn, group, tp) for tp in decided.owned}


def beat(conn: sqlite3.Connection, member: Member, now_ms: int) -> bool:
    """Refresh the heartbeat; False if the group already expired `member`."""
    cursor = conn.execute(
        "UPDATE members SET heartbeat_ms = ? WHERE group_id = ? AND member_id = ?",
        (now_ms, member.group, member.member_id),
    )
    return cursor.rowcount > 0


def leave(conn: sqlite3.Connection, member: Member, handled: Offsets) -> None:
    """Commit what `member` handled, then release its partitions so others take over at once."""
    commit_offsets(conn, member, handled)
    key = (member.group, member.member_id)
    conn.execute("DELETE FROM claims WHERE group_id = ? AND member_id = ?", key)
    conn.execute("DELETE FROM members WHERE group_id = ? AND member_id = ?", key)


def not_owned(
    conn: sqlite3.Connection, member: Member, partitions: Offsets
) -> frozenset[TopicPartition]:
    """Those of `partitions` that `member` no longer claims (the group expired it meanwhile)."""
    lost = set()
    for topic, partition in partitions:
        row = conn.execute(
            "SELECT member_id FROM claims WHERE group_id = ? AND topic = ? AND partition = ?",
            (member.group, topic, partition),
        ).fetchone()
        if row is None or row[0] != member.member_id:
            lost.add((topic, partition))
    return frozenset(lost)


def commit_offsets(
    conn: sqlite3.Connection, member: Member, handled: Offsets
) -> frozenset[TopicPartition]:
    """Commit `handled` where `member` still owns the partition; returns the partitions it lost.

    A member the group expired must not overwrite what the new owner committed.
    """
    lost = not_owned(conn, member, handled)
    kept = {tp: offset for tp, offset in handled.items() if tp not in lost}
    store_offsets(conn, member.group, kept)
    return lost


def store_offsets(conn: sqlite3.Connection, group: str, next_offsets: Offsets) -> None:
    conn.executemany(
        "INSERT INTO offsets (group_id, topic, partition, next_offset) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (group_id, topic, partition)"
        " DO UPDATE SET next_offset = excluded.next_offset",
        [(group, topic, partition, offset) for (topic, partition), offset in next_offsets.items()],
    )


def committed_offset(conn: sqlite3.Connection, group: str, tp: TopicPartition) -> int:
    """The next offset `group` reads from `tp`: 0 (the earliest) when nothing was committed."""
    row = conn.execute(
        "SELECT next_offset FROM offsets WHERE group_id = ? AND topic = ? AND partition = ?",
        (group, *tp),
    ).fetchone()
    return 0 if row is None else int(row[0])
