"""Intake's ledger in SQL (SQLite or PostgreSQL): opened cases and the idempotent outbox."""

import contextlib
import json
from base64 import b64decode, b64encode
from collections.abc import AsyncIterator
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
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.intake.domain.errors import InvalidRequestError
from services.intake.service_layer.commands import Accepted
from services.intake.service_layer.ports import CaseRef, EventStatus, PendingMessage
from shared.bus.envelopes import HEADER_EVENT_TYPE
from shared.bus.messages import OutgoingMessage
from shared.envelope import utc_now

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
_UNPUBLISHED = outbox.c.published_at.is_(None)
Index(
    "intake_outbox_unpublished",
    outbox.c.seq,
    postgresql_where=_UNPUBLISHED,
    sqlite_where=_UNPUBLISHED,
)


class SqlLedger:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create_tables(self) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def find(self, key: str) -> Accepted | None:
        async with self._engine.connect() as connection:
            return await _find(connection, key)

    async def case(self, case_id: str) -> CaseRef | None:
        return await self._case(cases.c.case_id == case_id)

    async def case_for_ticket(self, platform: str, external_id: str) -> CaseRef | None:
        return await self._case(
            (cases.c.platform == platform) & (cases.c.external_id == external_id)
        )

    async def record(
        self, key: str, accepted: Accepted, message: OutgoingMessage, new_case: CaseRef | None
    ) -> Accepted:
        try:
            async with self.writing() as write:
                stored = await write.record(key, accepted, message, new_case)
                if stored.duplicate:
                    raise _Recorded(stored)  # rolls back whatever this write inserted
        except _Recorded as recorded:
            return recorded.answer
        return stored

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator["SqlLedgerWrite"]:
        async with self._engine.begin() as connection:
            yield SqlLedgerWrite(connection)

    async def pending(self, limit: int) -> list[PendingMessage]:
        query = select(outbox).where(_UNPUBLISHED).order_by(outbox.c.seq).limit(limit)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [
            PendingMessage(
                row.key,
                OutgoingMessage(
                    row.topic, row.value, row.message_key, _decode_headers(row.headers)
                ),
            )
            for row in rows
        ]

    async def mark_published(self, keys: list[str]) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(outbox).where(outbox.c.key.in_(keys)).values(published_at=utc_now())
            )

    async def case_events(self, case_id: str) -> list[EventStatus]:
        query = (
            select(
                outbox.c.event_id, outbox.c.event_type, outbox.c.recorded_at, outbox.c.published_at
            )
            .where(outbox.c.case_id == case_id)
            .order_by(outbox.c.seq)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [EventStatus(r.event_id, r.event_type, r.recorded_at, r.published_at) for r in rows]

    async def _case(self, condition: object) -> CaseRef | None:
        query = select(cases).where(condition)  # type: ignore[arg-type]
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        return CaseRef(row.case_id, row.subject_id, row.platform, row.external_id)


class SqlLedgerWrite:
    """One transaction's records; see `LedgerWrite`."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def record(
        self, key: str, accepted: Accepted, message: OutgoingMessage, new_case: CaseRef | None
    ) -> Accepted:
        # ON CONFLICT DO NOTHING, not an IntegrityError: the transaction stays usable to read
        # the first answer. A racing request's uncommitted row makes the insert wait for its
        # transaction to end, so that answer is committed (READ COMMITTED reads it).
        now = utc_now()
        if new_case is not None:
            opened = await self._connection.execute(
                _insert_ignoring_conflicts(self._connection, cases),
                {
                    "case_id": new_case.case_id,
                    "subject_id": new_case.subject_id,
                    "platform": new_case.platform,
                    "external_id": new_case.external_id,
                    "opened_at": now,
                },
            )
            if opened.rowcount != 1:
                return await self._first_answer(key)
        recorded = await self._connection.execute(
            _insert_ignoring_conflicts(self._connection, outbox),
            {
                "key": key,
                "case_id": accepted.case_id,
                "event_id": accepted.event_id,
                "topic": message.topic,
                "event_type": _event_type(message),
                "message_key": message.key,
                "value": message.value,
                "headers": _encode_headers(message),
                "recorded_at": now,
            },
        )
        return accepted if recorded.rowcount == 1 else await self._first_answer(key)

    async def _first_answer(self, key: str) -> Accepted:
        found = await _find(self._connection, key)
        if found is None:
            # The ticket's case exists without an event under this key: not a retry of it.
            raise InvalidRequestError("source", "the ticket's case was recorded another way")
        return found


class _Recorded(Exception):  # noqa: N818 - control flow, never escapes this module
    def __init__(self, answer: Accepted) -> None:
        self.answer = answer


async def _find(connection: AsyncConnection, key: str) -> Accepted | None:
    row = (await connection.execute(_FIND, {"key": key})).first()
    return None if row is None else Accepted(row.case_id, row.event_id, duplicate=True)


_FIND = select(outbox.c.case_id, outbox.c.event_id).where(outbox.c.key == bindparam("key"))


def _insert_ignoring_conflicts(connection: AsyncConnection, table: Table) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return _INSERTS[dialect.__name__, table.name]


_INSERTS = {
    (dialect.__name__, table.name): dialect.insert(table).on_conflict_do_nothing()
    for dialect in (postgresql, sqlite)
    for table in (cases, outbox)
}


def _event_type(message: OutgoingMessage) -> str:
    return dict(message.headers).get(HEADER_EVENT_TYPE, b"unknown").decode()


def _encode_headers(message: OutgoingMessage) -> str:
    return json.dumps([[name, b64encode(value).decode()] for name, value in message.headers])


def _decode_headers(text: str) -> tuple[tuple[str, bytes], ...]:
    return tuple((name, b64decode(value)) for name, value in json.loads(text))
