"""The records tables: the event log, the Merkle tree's nodes, the signed checkpoints, the
witnesses' cosignatures of them and the signed case map statement beside each."""

import re
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from services.records.domain.errors import RecordsError

_PREFIX = re.compile(r"[a-z_][a-z0-9_]{0,30}|")


@dataclass(frozen=True, slots=True)
class RecordsTables:
    """One set of tables; a prefix lets tests (and several logs) share one database."""

    prefix: str
    metadata: MetaData
    events: Table
    merkle_nodes: Table
    checkpoints: Table
    cosignatures: Table
    case_maps: Table

    @property
    def all(self) -> tuple[Table, ...]:
        return (self.events, self.merkle_nodes, self.checkpoints, self.cosignatures, self.case_maps)


def records_tables(prefix: str = "") -> RecordsTables:
    """The tables named `<prefix>events`, `<prefix>merkle_nodes`, `<prefix>checkpoints`,
    `<prefix>cosignatures`, `<prefix>case_maps`."""
    # The names go into trigger DDL as they are, so only plain lower-case names are allowed.
    if not _PREFIX.fullmatch(prefix):
        raise RecordsError("a table prefix is lower-case letters, digits and underscores")
    metadata = MetaData()
    # position is the event's leaf index in the Merkle tree, so it is dense from 0. The column
    # order is the one rows.stored_event unpacks.
    events = Table(
        f"{prefix}events",
        metadata,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("event_id", String(36), nullable=False),
        Column("case_id", String(128), nullable=False),
        Column("case_position", BigInteger, nullable=False),
        Column("event_type", String(128), nullable=False),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        Column("stored_at", DateTime(timezone=True), nullable=False),
        Column("origin_topic", String(249), nullable=True),
        Column("origin_partition", Integer, nullable=True),
        Column("origin_offset", BigInteger, nullable=True),
        Column("leaf", LargeBinary, nullable=False),
        Column("prev_hash", LargeBinary(32), nullable=False),
        Column("chain_hash", LargeBinary(32), nullable=False),
        UniqueConstraint("event_id", name=f"{prefix}events_event_id"),
        UniqueConstraint("case_id", "case_position", name=f"{prefix}events_case_position"),
        CheckConstraint("position >= 0 AND case_position >= 0", name=f"{prefix}events_positions"),
    )
    merkle_nodes = Table(
        f"{prefix}merkle_nodes",
        metadata,
        Column("level", SmallInteger, primary_key=True, autoincrement=False),
        Column("idx", BigInteger, primary_key=True, autoincrement=False),
        Column("hash", LargeBinary(32), nullable=False),
    )
    checkpoints = Table(
        f"{prefix}checkpoints",
        metadata,
        Column("size", BigInteger, primary_key=True, autoincrement=False),
        Column("root_hash", LargeBinary(32), nullable=False),
        Column("note", Text, nullable=False),
        Column("issued_at", DateTime(timezone=True), nullable=False),
    )
    # One witness's cosignature line (C2SP tlog-cosignature) on the checkpoint of `size`;
    # `witness` is the witness key's name and hex key ID, so a rotated key is another witness.
    cosignatures = Table(
        f"{prefix}cosignatures",
        metadata,
        Column("size", BigInteger, primary_key=True, autoincrement=False),
        Column("witness", String(300), primary_key=True),
        Column("signature_line", Text, nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False),
    )
    # The log key's signed statement of the case map at `size` (shared.merkle.case_map): the
    # map itself is derived from the events, so only the note that commits to it is kept.
    case_maps = Table(
        f"{prefix}case_maps",
        metadata,
        Column("size", BigInteger, primary_key=True, autoincrement=False),
        Column("statement", Text, nullable=False),
    )
    return RecordsTables(
        prefix, metadata, events, merkle_nodes, checkpoints, cosignatures, case_maps
    )
