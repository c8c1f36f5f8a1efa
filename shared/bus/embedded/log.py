"""The partitioned message log: topic declarations, appends with dense offsets, and reads."""

import asyncio
import secrets
import sqlite3
import time
from collections.abc import Iterable, Sequence

from aiokafka.partitioner import murmur2

from shared.bus.errors import UnknownTopicError
from shared.bus.interface import TopicPartition
from shared.bus.messages import ConsumedMessage, OutgoingMessage, decode_headers, encode_headers
from shared.bus.policy import DLQ_SUFFIX
from shared.bus.topics import TopicSpec

Position = tuple[TopicPartition, int]
"""A partition and the next offset to read from it."""


def now_ms() -> int:
    """Wall-clock milliseconds: record timestamps and heartbeats must agree across processes."""
    return time.time_ns() // 1_000_000


def partition_for(key: bytes | None, partitions: int) -> int:
    """Kafka's default partitioner, so a key lands on the same partition number as on Kafka."""
    if key is None:
        return secrets.randbelow(partitions)
    return (int(murmur2(key)) & 0x7FFFFFFF) % partitions


def declare_topics(conn: sqlite3.Connection, specs: Sequence[TopicSpec]) -> None:
    """Record topics that are not declared yet; existing ones keep their partition count."""
    conn.executemany(
        "INSERT OR IGNORE INTO topics (name, partitions, retention_ms, compacted)"
        " VALUES (?, ?, ?, ?)",
        [(s.name, s.partitions, s.retention_ms, int(s.compacted)) for s in specs],
    )


def partition_count(conn: sqlite3.Connection, topic: str) -> int:
    """How many partitions `topic` has; UnknownTopicError if it was never declared."""
    row = conn.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
    if row is None and topic.endswith(DLQ_SUFFIX):
        # A dead letter must not be lost because its origin was declared without a DLQ.
        conn.execute(
            "INSERT OR IGNORE INTO topics (name, partitions, retention_ms, compacted)"
            " SELECT ?, partitions, -1, 0 FROM topics WHERE name = ?",
            (topic, topic.removesuffix(DLQ_SUFFIX)),
        )
        row = conn.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
    if row is None:
        raise UnknownTopicError(f"topic {topic!r} is not declared; declare it with ensure_topics")
    return int(row[0])


def append(
    conn: sqlite3.Connection, messages: Sequence[OutgoingMessage], timestamp_ms: int
) -> None:
    """Append `messages` at the end of their partitions (call inside a write transaction)."""
    # Within one transaction nobody else appends: each count and offset is read once.
    counts: dict[str, int] = {}
    ends: dict[TopicPartition, int] = {}
    rows = []
    for message in messages:
        if message.topic not in counts:
            counts[message.topic] = partition_count(conn, message.topic)
        place = (message.topic, partition_for(message.key, counts[message.topic]))
        if place not in ends:
            (ends[place],) = conn.execute(
                "SELECT COALESCE(MAX(log_offset) + 1,"
                " (SELECT start_offset FROM partition_starts WHERE topic = ? AND partition = ?),"
                " 0) FROM messages WHERE topic = ? AND partition = ?",
                (*place, *place),
            ).fetchone()
        offset, ends[place] = ends[place], ends[place] + 1
        headers = encode_headers(message.headers)
        rows.append((*place, offset, message.key, message.value, headers, timestamp_ms))
    conn.executemany(
        "INSERT INTO messages"
        " (topic, partition, log_offset, key, value, headers, timestamp_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def delete_consumed(conn: sqlite3.Connection, group: str, topic: str) -> dict[TopicPartition, int]:
    """Delete the records of `topic` below `group`'s committed offsets (call inside a write
    transaction); returns the new start of each partition. Deleted content is overwritten."""
    conn.execute("PRAGMA secure_delete=ON")
    committed = conn.execute(
        "SELECT partition, next_offset FROM offsets"
        " WHERE group_id = ? AND topic = ? AND next_offset > 0",
        (group, topic),
    ).fetchall()
    starts: dict[TopicPartition, int] = {}
    for partition, next_offset in committed:
        conn.execute(
            "DELETE FROM messages WHERE topic = ? AND partition = ? AND log_offset < ?",
            (topic, partition, next_offset),
        )
        conn.execute(
            "INSERT INTO partition_starts (topic, partition, start_offset) VALUES (?, ?, ?)"
            " ON CONFLICT (topic, partition)"
            " DO UPDATE SET start_offset = MAX(start_offset, excluded.start_offset)",
            (topic, partition, next_offset),
        )
        starts[topic, partition] = next_offset
    return starts


def read(
    conn: sqlite3.Connection, positions: Sequence[Position], limit: int
) -> list[ConsumedMessage]:
    """Up to `limit` messages from the given positions on, partitions taken in the given order."""
    found: list[ConsumedMessage] = []
    for (topic, partition), start in positions:
        if len(found) >= limit:
            break
        rows = conn.execute(
            "SELECT log_offset, key, value, headers, timestamp_ms FROM messages"
            " WHERE topic = ? AND partition = ? AND log_offset >= ?"
            " ORDER BY log_offset LIMIT ?",
            (topic, partition, start, limit - len(found)),
        )
        found.extend(
            ConsumedMessage(topic, partition, offset, key, value, decode_headers(headers), stamp)
            for offset, key, value, headers, stamp in rows
        )
    return found


class AppendSignal:
    """Wakes this process's idle consumers of a topic when it appends there, instead of
    waiting for their poll; consumers of other topics sleep on (they would read nothing)."""

    def __init__(self) -> None:
        self._wakers: list[tuple[frozenset[str], asyncio.Event]] = []

    def watch(self, topics: Iterable[str], event: asyncio.Event) -> None:
        """Set `event` on every append to `topics` until `forget`; a consumer clears it
        before reading, so no append is missed."""
        self._wakers.append((frozenset(topics), event))

    def forget(self, event: asyncio.Event) -> None:
        self._wakers = [(topics, waker) for topics, waker in self._wakers if waker is not event]

    def notify(self, topics: Iterable[str] | None = None) -> None:
        """Wake the consumers of `topics` (of every topic when None)."""
        appended = None if topics is None else frozenset(topics)
        for watched, event in self._wakers:
            if appended is None or not watched.isdisjoint(appended):
                event.set()
