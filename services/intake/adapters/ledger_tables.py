"""Intake's ledger tables (opened cases, the outbox) and the statements shared by its writes."""

from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.service_layer.commands import Accepted

metadata = MetaData()
cases = Table(
    "intake_cases",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("subject_id", String(64), nullable=True),
    Column("platform", String(40), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("platform", "external_id", name="intake_cases_ticket"),
)
# Values are envelopes whose personal fields are already ciphertext.
outbox = Table(
    "intake_outbox",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("case_id", String(64), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("event_type", String(128), nullable=False),
    Column("message_key", LargeBinary, nullable=True),
    Column("value", LargeBinary, nullable=False),
    Column("headers", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
)
# The relay's drain asks every second for what is unpublished: a few rows of a growing table.
UNPUBLISHED = outbox.c.published_at.is_(None)
Index(
    "intake_outbox_unpublished",
    outbox.c.seq,
    postgresql_where=UNPUBLISHED,
    sqlite_where=UNPUBLISHED,
)


async def find_accepted(connection: AsyncConnection, key: str) -> Accepted | None:
    """The answer first recorded under the idempotency key, as a duplicate; None if none."""
    row = (await connection.execute(_FIND, {"key": key})).first()
    return None if row is None else Accepted(row.case_id, row.event_id, duplicate=True)


_FIND = select(outbox.c.case_id, outbox.c.event_id).where(outbox.c.key == bindparam("key"))


def insert_ignoring_conflicts(connection: AsyncConnection, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING into the table, in the connection's dialect."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return _INSERTS[dialect.__name__, table.name]


_INSERTS = {
    (dialect.__name__, table.name): dialect.insert(table).on_conflict_do_nothing()
    for dialect in (postgresql, sqlite)
    for table in (cases, outbox)
}
