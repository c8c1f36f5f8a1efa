"""Intake's ledger in SQL (SQLite or PostgreSQL): opened cases and the idempotent outbox."""

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import delete, literal, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from services.intake.adapters.ledger_tables import (
    UNPUBLISHED,
    add_missing_columns,
    cases,
    find_accepted,
    metadata,
    outbox,
)
from services.intake.adapters.ledger_write import SqlLedgerWrite
from services.intake.service_layer.commands import Accepted
from services.intake.service_layer.ports import CaseRef, EventStatus, PendingMessage
from shared.bus.messages import OutgoingMessage, decode_headers
from shared.envelope import utc_now


class SqlLedger:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create_tables(self) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.run_sync(add_missing_columns)

    async def find(self, key: str, request_digest: bytes | None = None) -> Accepted | None:
        async with self._engine.connect() as connection:
            return await find_accepted(connection, key, request_digest)

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
        try:
            async with self.writing() as write:
                stored = await write.record(key, accepted, message, new_case, request_digest)
                if stored.duplicate:
                    raise _Recorded(stored)  # rolls back whatever this write inserted
        except _Recorded as recorded:
            return recorded.answer
        return stored

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[SqlLedgerWrite]:
        async with self._engine.begin() as connection:
            yield SqlLedgerWrite(connection)

    async def pending(self, limit: int) -> list[PendingMessage]:
        query = select(outbox).where(UNPUBLISHED).order_by(outbox.c.seq).limit(limit)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [
            PendingMessage(
                row.key,
                OutgoingMessage(row.topic, row.value, row.message_key, decode_headers(row.headers)),
            )
            for row in rows
        ]

    async def mark_published(self, keys: list[str]) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(outbox).where(outbox.c.key.in_(keys)).values(published_at=utc_now())
            )

    async def forget_cases(self, case_ids: list[str]) -> int:
        """Forget the platform tickets of erased cases: their case rows go, and their outbox
        rows lose what names a ticket or a request (key, request digest) and, once published,
        the event bytes. Idempotent; returns how many cases were still known."""
        if not case_ids:
            return 0
        erased_key = literal("erased:") + outbox.c.event_id
        async with self._engine.begin() as connection:
            forgotten = await connection.execute(delete(cases).where(cases.c.case_id.in_(case_ids)))
            of_cases = outbox.c.case_id.in_(case_ids)
            await connection.execute(
                update(outbox).where(of_cases).values(key=erased_key, request_digest=None)
            )
            await connection.execute(
                update(outbox)
                .where(of_cases & outbox.c.published_at.is_not(None))
                .values(value=b"")
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
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [EventStatus(r.event_id, r.event_type, r.recorded_at, r.published_at) for r in rows]

    async def _case(self, condition: object) -> CaseRef | None:
        query = select(cases).where(condition)  # type: ignore[arg-type]
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        return CaseRef(row.case_id, row.subject_id, row.platform, row.external_id, row.received_at)


class _Recorded(Exception):  # noqa: N818 - control flow, never escapes this module
    def __init__(self, answer: Accepted) -> None:
        self.answer = answer
