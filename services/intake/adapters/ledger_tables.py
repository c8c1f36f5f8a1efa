"""Intake's ledger tables (opened cases, the outbox) and the statements shared by its writes."""

from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.domain.errors import IdempotencyKeyReusedError
from services.intake.service_layer.commands import Accepted
from shared.sql_types import UtcDateTime

metadata = MetaData()
cases = Table(
    "intake_cases",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("subject_id", String(64), nullable=True),
    Column("platform", String(40), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    # The consultation's own (checked) time: later events may not lie before it.
    Column("received_at", UtcDateTime, nullable=True),
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
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime, nullable=True),
    # For an Idempotency-Key: the request's digest under the case's data key (see
    # RequestDigests), so a key sent again with another body is refused, not dropped.
    Column("request_digest", LargeBinary, nullable=True),
)
# Columns added after the first release; `add_missing_columns` adds them to older ledgers.
ADDED_COLUMNS = (cases.c.received_at, outbox.c.request_digest)
# The relay's drain asks every second for what is unpublished: a few rows of a growing table.
UNPUBLISHED = outbox.c.published_at.is_(None)
Index(
    "intake_outbox_unpublished",
    outbox.c.seq,
    postgresql_where=UNPUBLISHED,
    sqlite_where=UNPUBLISHED,
)


async def find_accepted(
    connection: AsyncConnection, key: str, request_digest: bytes | None = None
) -> Accepted | None:
    """The answer first recorded under the idempotency key, as a duplicate; None if none.
    A request digest that differs from the recorded one is another request under the same
    key: IdempotencyKeyReusedError (as payment APIs answer), never the first answer."""
    row = (await connection.execute(_FIND, {"key": key})).first()
    if row is None:
        return None
    recorded = None if row.request_digest is None else bytes(row.request_digest)
    if request_digest is not None and recorded is not None and recorded != request_digest:
        raise IdempotencyKeyReusedError()
    return Accepted(row.case_id, row.event_id, duplicate=True)


_FIND = select(outbox.c.case_id, outbox.c.event_id, outbox.c.request_digest).where(
    outbox.c.key == bindparam("key")
)


def add_missing_columns(connection: Connection) -> None:
    """ALTER TABLE ... ADD COLUMN for each of ADDED_COLUMNS an older ledger lacks (all are
    nullable, so old rows stay valid). Runs inside `create_all`'s transaction."""
    inspector = inspect(connection)
    for column in ADDED_COLUMNS:
        present = {existing["name"] for existing in inspector.get_columns(column.table.name)}
        if column.name not in present:
            kind = column.type.compile(dialect=connection.dialect)
            connection.execute(
                text(f'ALTER TABLE {column.table.name} ADD COLUMN "{column.name}" {kind}')
            )
