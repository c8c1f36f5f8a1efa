"""Policy's own tables: inputs processed (with the decision each yielded), subject states, what
was erased, and the text of every policy version it has run. None holds personal data."""

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.sql_types import UtcDateTime

metadata = MetaData()

# One row per intake event decided or folded into a state; the decision message is kept as
# sent, so a redelivered input re-sends the same bytes (see decide_intake_events). When its case
# is erased the message goes (its evidence points into erased text) and the row stays.
processed_events = Table(
    "policy_processed_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("subject_key", String(200), nullable=False, index=True),
    Column("output_topic", String(249), nullable=True),
    Column("output_key", LargeBinary, nullable=True),
    Column("output_value", LargeBinary, nullable=True),
    Column("output_headers", Text, nullable=True),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

subject_states = Table(
    "policy_subject_states",
    metadata,
    Column("subject_key", String(200), primary_key=True),
    Column("version", Integer, nullable=False),  # compare-and-set token, +1 per write
    Column("state", Text, nullable=False),  # SubjectState as JSON
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Erased subjects (by subject id) and cases (by case key): random ids, never personal data.
# An intake event arriving after the erasure is still decided but builds no state on them.
erased_keys = Table(
    "policy_erased_keys",
    metadata,
    Column("erased_key", String(200), primary_key=True),
    Column("erased_at", DateTime(timezone=True), nullable=False),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("version", String(64), primary_key=True),  # SHA-256 of the canonical JSON
    Column("file_text", Text, nullable=False),
    Column("canonical_json", Text, nullable=False),
    Column("first_seen_at", UtcDateTime, nullable=False),  # answered by the API: aware
)


async def create_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
