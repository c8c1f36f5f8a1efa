"""The tables of the embedded log, created idempotently by every instance that opens the file."""

import sqlite3

TABLES = (
    # Partition counts never change once declared, as in Kafka without an admin raising them.
    """CREATE TABLE IF NOT EXISTS topics (
        name TEXT PRIMARY KEY,
        partitions INTEGER NOT NULL CHECK (partitions > 0),
        retention_ms INTEGER NOT NULL,
        compacted INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS messages (
        topic TEXT NOT NULL,
        partition INTEGER NOT NULL,
        log_offset INTEGER NOT NULL,
        key BLOB,
        value BLOB NOT NULL,
        headers TEXT NOT NULL,
        timestamp_ms INTEGER NOT NULL,
        PRIMARY KEY (topic, partition, log_offset)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS offsets (
        group_id TEXT NOT NULL,
        topic TEXT NOT NULL,
        partition INTEGER NOT NULL,
        next_offset INTEGER NOT NULL,
        PRIMARY KEY (group_id, topic, partition)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS members (
        group_id TEXT NOT NULL,
        member_id TEXT NOT NULL,
        topics TEXT NOT NULL,
        heartbeat_ms INTEGER NOT NULL,
        PRIMARY KEY (group_id, member_id)
    ) WITHOUT ROWID""",
    # Where a partition starts once its consumed records were deleted (Kafka's log start
    # offset): appends to an emptied partition continue from here, never from 0 again.
    """CREATE TABLE IF NOT EXISTS partition_starts (
        topic TEXT NOT NULL,
        partition INTEGER NOT NULL,
        start_offset INTEGER NOT NULL,
        PRIMARY KEY (topic, partition)
    ) WITHOUT ROWID""",
    # A partition moves only once its old owner released its claim, so two members of a
    # group never handle it at once; the offsets table alone could not promise that.
    """CREATE TABLE IF NOT EXISTS claims (
        group_id TEXT NOT NULL,
        topic TEXT NOT NULL,
        partition INTEGER NOT NULL,
        member_id TEXT NOT NULL,
        PRIMARY KEY (group_id, topic, partition)
    ) WITHOUT ROWID""",
)


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the tables that do not exist yet (call inside a write transaction)."""
    for statement in TABLES:
        conn.execute(statement)
