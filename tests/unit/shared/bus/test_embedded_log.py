"""The embedded log's storage rules: Kafka's partitioner, dense offsets, headers, topic checks."""

import sqlite3
from collections.abc import Iterator

import pytest
from aiokafka.partitioner import DefaultPartitioner

from shared.bus.embedded import log
from shared.bus.embedded.schema import create_schema
from shared.bus.errors import UnknownTopicError
from shared.bus.messages import OutgoingMessage
from shared.bus.topics import TopicSpec


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    create_schema(connection)
    yield connection
    connection.close()


# Partitions Kafka's Java producer picks among 1000 (the vectors kafka-python checks against).
JAVA_PARTITIONS = [
    (b"", 681),
    (b"a", 524),
    (b"ab", 434),
    (b"abc", 107),
    (b"123456789", 566),
    (b"\x00 ", 742),
]


@pytest.mark.parametrize(("key", "expected"), JAVA_PARTITIONS)
def test_a_key_lands_where_the_java_producer_puts_it(key: bytes, expected: int) -> None:
    assert log.partition_for(key, 1000) == expected


def test_a_key_lands_where_aiokafka_puts_it() -> None:
    partitioner = DefaultPartitioner()
    for count in (1, 3, 12):
        everything = list(range(count))
        for i in range(200):
            key = f"case-{i}".encode()
            assert log.partition_for(key, count) == partitioner(key, everything, everything)


def test_messages_without_key_spread_over_all_partitions() -> None:
    assert {log.partition_for(None, 4) for _ in range(400)} == {0, 1, 2, 3}


def test_offsets_start_at_zero_and_are_dense_per_partition(conn: sqlite3.Connection) -> None:
    log.declare_topics(conn, [TopicSpec("t", 3)])
    log.append(
        conn, [OutgoingMessage("t", str(i).encode(), f"k{i}".encode()) for i in range(30)], 7
    )

    for partition in range(3):
        read = log.read(conn, [(("t", partition), 0)], limit=100)
        assert [m.offset for m in read] == list(range(len(read)))
        assert {m.partition for m in read} == {partition}
    total = sum(len(log.read(conn, [(("t", p), 0)], limit=100)) for p in range(3))
    assert total == 30


def test_a_message_reads_back_with_its_key_headers_and_timestamp(conn: sqlite3.Connection) -> None:
    log.declare_topics(conn, [TopicSpec("t")])
    headers = (("trace", b"\x00\xff"), ("trace", b"second"), ("empty", b""))
    log.append(conn, [OutgoingMessage("t", b"value", b"key", headers)], 1234)

    (message,) = log.read(conn, [(("t", 0), 0)], limit=10)
    assert (message.key, message.value, message.headers) == (b"key", b"value", headers)
    assert message.timestamp_ms == 1234
    assert message.header("trace") == b"second"


def test_reading_respects_the_position_and_the_limit(conn: sqlite3.Connection) -> None:
    log.declare_topics(conn, [TopicSpec("a"), TopicSpec("b")])
    log.append(conn, [OutgoingMessage(t, str(i).encode()) for t in "ab" for i in range(5)], 0)

    read = log.read(conn, [(("b", 0), 3), (("a", 0), 1)], limit=4)
    assert [(m.topic, m.offset) for m in read] == [("b", 3), ("b", 4), ("a", 1), ("a", 2)]


def test_appending_to_an_undeclared_topic_fails(conn: sqlite3.Connection) -> None:
    with pytest.raises(UnknownTopicError, match="nowhere"):
        log.append(conn, [OutgoingMessage("nowhere", b"x")], 0)


def test_a_missing_dead_letter_topic_is_created_like_its_origin(conn: sqlite3.Connection) -> None:
    log.declare_topics(conn, [TopicSpec("orders", 4)])
    log.append(conn, [OutgoingMessage("orders.dlq", b"poison", b"k")], 0)
    assert log.partition_count(conn, "orders.dlq") == 4


def test_declaring_again_keeps_the_partition_count(conn: sqlite3.Connection) -> None:
    log.declare_topics(conn, [TopicSpec("t", 3)])
    log.declare_topics(conn, [TopicSpec("t", 6)])
    assert log.partition_count(conn, "t") == 3
