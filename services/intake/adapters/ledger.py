"""Intake's ledger in SQL (SQLite or PostgreSQL): the cases it opened and the idempotent outbox,
read and written inside a unit of work's transaction."""

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

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
    delete,
    inspect,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import ReturningInsert

from services.intake.domain.errors import (
    IdempotencyKeyReusedError,
    IntakeError,
    InvalidRequestError,
)
from services.intake.service_layer.messages import Accepted
from services.intake.service_layer.ports import CaseRef, EventStatus, LedgerEntry, PendingMessage
from shared.bus.envelopes import HEADER_EVENT_TYPE
from shared.bus.messages import OutgoingMessage, decode_headers, encode_headers
from shared.database import insert_or_ignore
from shared.envelope import utc_now
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
    # The ticket's language (the consultation's `language`): the write-back note's language.
    Column("language", String(35), nullable=True),
    UniqueConstraint("platform", "external_id", name="intake_cases_ticket"),
)
# One row per decision written back to its ticket: a redelivered decision, or one seen again
# after a restart, finds its row and posts nothing (the platform's note id is kept).
writebacks = Table(
    "intake_writebacks",
    metadata,
    Column("decision_id", String(64), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("platform", String(40), nullable=False),
    Column("note_id", String(200), nullable=False),
    Column("sent_at", UtcDateTime, nullable=False),
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
# Columns added after the first release; `create_ledger_tables` adds them to older ledgers.
ADDED_COLUMNS = (cases.c.received_at, outbox.c.request_digest, cases.c.language)
# The relay's drain asks every second for what is unpublished: a few rows of a growing table.
UNPUBLISHED = outbox.c.published_at.is_(None)
Index(
    "intake_outbox_unpublished",
    outbox.c.seq,
    postgresql_where=UNPUBLISHED,
    sqlite_where=UNPUBLISHED,
)
_FIND = select(outbox.c.case_id, outbox.c.event_id, outbox.c.request_digest).where(
    outbox.c.key == bindparam("key")
)


async def create_ledger_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.run_sync(_add_missing_columns)


class SqlLedger:
    """The ledger inside the transaction of `connection` (see the `Ledger` port)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def find(self, key: str, request_digest: bytes | None = None) -> Accepted | None:
        """The answer first recorded under the idempotency key, as a duplicate; None if none.
        A request digest that differs from the recorded one is another request under the same
        key: IdempotencyKeyReusedError (as payment APIs answer), never the first answer."""
        row = (await self._connection.execute(_FIND, {"key": key})).first()
        if row is None:
            return None
        recorded = None if row.request_digest is None else bytes(row.request_digest)
        if request_digest is not None and recorded is not None and recorded != request_digest:
            raise IdempotencyKeyReusedError()
        return Accepted(row.case_id, row.event_id, duplicate=True)

    async def case(self, case_id: str) -> CaseRef | None:
        return await self._case(cases.c.case_id == case_id)

    async def case_for_ticket(self, platform: str, external_id: str) -> CaseRef | None:
        return await self._case(
            (cases.c.platform == platform) & (cases.c.external_id == external_id)
        )

    async def record(
        self,
        key: str,
        accepted: Accepted,
        message: OutgoingMessage,
        new_case: CaseRef | None,
        request_digest: bytes | None = None,
    ) -> Accepted:
        [answer] = await self.record_many(
            [LedgerEntry(key, accepted, message, new_case, request_digest)]
        )
        if isinstance(answer, IntakeError):
            raise answer
        return answer

    async def record_many(self, entries: Sequence[LedgerEntry]) -> list[Accepted | IntakeError]:
        """One multi-row INSERT for the cases the entries open, one for their outbox rows.

        ON CONFLICT DO NOTHING, not an IntegrityError: the transaction stays usable to read
        the first answers. A racing transaction's uncommitted row makes the insert wait for it
        to end, so those answers are committed ones (READ COMMITTED reads them); RETURNING
        says which rows went in (by case and event id, each new per entry).
        """
        now = utc_now()
        dialect = self._connection.dialect.name
        answers: dict[int, Accepted | IntakeError] = {}
        opening = [(at, entry) for at, entry in enumerate(entries) if entry.new_case is not None]
        if opening:
            rows = [_case_row(entry.new_case, now) for _, entry in opening if entry.new_case]
            opened = await self._connection.execute(_claiming_tickets(dialect), rows)
            new_cases = set(opened.scalars())
            for at, entry in opening:
                if entry.new_case is not None and entry.new_case.case_id not in new_cases:
                    # The digest is under the new case's own key, never comparable.
                    answers[at] = await self._answer_of(entry.key, None)
        to_append = [(at, entry) for at, entry in enumerate(entries) if at not in answers]
        if to_append:
            rows = [_outbox_row(entry, now) for _, entry in to_append]
            appended = await self._connection.execute(_appending(dialect), rows)
            new_events = set(appended.scalars())
            for at, entry in to_append:
                answers[at] = (
                    entry.accepted
                    if entry.accepted.event_id in new_events
                    else await self._answer_of(entry.key, entry.request_digest)
                )
        return [answers[at] for at in range(len(entries))]

    async def pending(self, limit: int) -> list[PendingMessage]:
        query = select(outbox).where(UNPUBLISHED).order_by(outbox.c.seq).limit(limit)
        rows = (await self._connection.execute(query)).all()
        return [
            PendingMessage(
                row.key,
                OutgoingMessage(row.topic, row.value, row.message_key, decode_headers(row.headers)),
            )
            for row in rows
        ]

    async def mark_published(self, keys: list[str]) -> None:
        await self._connection.execute(
            update(outbox).where(outbox.c.key.in_(keys)).values(published_at=utc_now())
        )

    async def forget_cases(self, case_ids: list[str]) -> int:
        """Forget the platform tickets of erased cases: their case and write-back rows go, and
        their outbox rows lose what names a ticket or a request (key, request digest) and, once
        published, the event bytes. Idempotent; returns how many cases were still known."""
        if not case_ids:
            return 0
        erased_key = literal("erased:") + outbox.c.event_id
        forgotten = await self._connection.execute(
            delete(cases).where(cases.c.case_id.in_(case_ids))
        )
        # A note id finds the ticket on its platform: it goes with the case's ticket.
        of_notes = writebacks.c.case_id.in_(case_ids)
        await self._connection.execute(delete(writebacks).where(of_notes))
        of_cases = outbox.c.case_id.in_(case_ids)
        await self._connection.execute(
            update(outbox).where(of_cases).values(key=erased_key, request_digest=None)
        )
        await self._connection.execute(
            update(outbox).where(of_cases & outbox.c.published_at.is_not(None)).values(value=b"")
        )
        return int(forgotten.rowcount)

    async def case_events(self, case_id: str) -> list[EventStatus]:
        query = (
            select(
                outbox.c.event_id, outbox.c.event_type, outbox.c.recorded_at, outbox.c.published_at
            )
            .where(outbox.c.case_id == case_id)
            .order_by(outbox.c.seq)
        )
        rows = (await self._connection.execute(query)).all()
        return [EventStatus(r.event_id, r.event_type, r.recorded_at, r.published_at) for r in rows]

    async def _case(self, condition: Any) -> CaseRef | None:
        row = (await self._connection.execute(select(cases).where(condition))).first()
        if row is None:
            return None
        return CaseRef(
            row.case_id,
            row.subject_id,
            row.platform,
            row.external_id,
            row.received_at,
            row.language,
        )

    async def _answer_of(self, key: str, request_digest: bytes | None) -> Accepted | IntakeError:
        """The first answer under `key`, or the error that refuses this entry."""
        try:
            found = await self.find(key, request_digest)
        except IdempotencyKeyReusedError as error:
            return error
        if found is None:
            # The ticket's case exists without an event under this key: not a retry of it.
            return InvalidRequestError("source", "the ticket's case was recorded another way")
        return found


@functools.cache
def _claiming_tickets(dialect_name: str) -> ReturningInsert[str]:
    return insert_or_ignore(dialect_name, cases).returning(cases.c.case_id)


@functools.cache
def _appending(dialect_name: str) -> ReturningInsert[str]:
    return insert_or_ignore(dialect_name, outbox).returning(outbox.c.event_id)


def _case_row(case: CaseRef, now: datetime) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "subject_id": case.subject_id,
        "platform": case.platform,
        "external_id": case.external_id,
        "opened_at": now,
        "received_at": case.received_at,
        "language": case.language,
    }


def _outbox_row(entry: LedgerEntry, now: datetime) -> dict[str, Any]:
    message = entry.message
    return {
        "key": entry.key,
        "case_id": entry.accepted.case_id,
        "event_id": entry.accepted.event_id,
        "topic": message.topic,
        "event_type": dict(message.headers).get(HEADER_EVENT_TYPE, b"unknown").decode(),
        "message_key": message.key,
        "value": message.value,
        "headers": encode_headers(message.headers),
        "recorded_at": now,
        "request_digest": entry.request_digest,
    }


class SqlWriteBacks:
    """The write-back table inside the transaction of `connection` (the `WriteBacks` port)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def sent_note(self, decision_id: str) -> str | None:
        query = select(writebacks.c.note_id).where(writebacks.c.decision_id == decision_id)
        return (await self._connection.execute(query)).scalar_one_or_none()

    async def record(self, decision_id: str, case_id: str, platform: str, note_id: str) -> None:
        await self._connection.execute(
            insert_or_ignore(self._connection.dialect.name, writebacks),
            {
                "decision_id": decision_id,
                "case_id": case_id,
                "platform": platform,
                "note_id": note_id,
                "sent_at": utc_now(),
            },
        )


def _add_missing_columns(connection: Connection) -> None:
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
