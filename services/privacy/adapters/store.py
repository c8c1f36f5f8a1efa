"""Privacy's store in SQL: reads, and changes applied once per event id, inside a unit of work.

Outside a unit of work (`SqlPrivacyStore(engine)`) each read opens a connection of its own;
inside one (`SqlUnitOfWork`) reads and writes share the unit's transaction, so a handler reads
what it has applied so far and nothing is left half-written when it fails.
"""

import contextlib
import json
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import UTC, datetime
from itertools import groupby
from typing import Any, Self

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.privacy.adapters import batch_writes, case_writes, record_writes
from services.privacy.adapters.case_writes import BATCHED, apply_batched
from services.privacy.adapters.tables import (
    cases,
    checkpoint,
    completions,
    copies,
    erased_subjects,
    erasure_positions,
    holds,
    kept_events,
    metadata,
    receipt_states,
    recommendations,
    requests,
    seen_events,
)
from services.privacy.domain.cases import CaseRecord, CopyMeta
from services.privacy.domain.holds import Hold, Recommendation
from services.privacy.domain.receipt import RecordsCheckpoint, SignedCompletion, SignedReceipt
from services.privacy.domain.requests import PrivacyRequest, RequestKind
from services.privacy.service_layer.changes import Change, SealedCopy
from services.privacy.service_layer.ports import KeptCopy
from shared.crypto.tables import insert_all_unless_present
from shared.envelope import Envelope, decode_envelope
from shared.handling import SqlUnitOfWork as SharedSqlUnitOfWork
from shared.sql_types import as_utc

_MOMENTS = ("opened_at", "closed_at", "anonymized_at", "erased_at", "key_destroyed_at")

APPLY = {**case_writes.WRITES, **record_writes.WRITES}
"""Each change, by type, and the function that writes it."""


class SqlPrivacyStore:
    def __init__(self, engine: AsyncEngine, connection: AsyncConnection | None = None) -> None:
        self._engine = engine
        self._bound = connection

    async def create_tables(self) -> None:
        async with self._engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    async def apply(self, event_id: str | None, found: Sequence[Change]) -> bool:
        [applied] = await self.apply_each([(event_id, found)])
        return applied

    async def apply_each(self, events: Sequence[tuple[str | None, Sequence[Change]]]) -> list[bool]:
        connection = self._in_unit_of_work()
        applied = await self.first_seen([event_id for event_id, _ in events])
        todo = [
            change
            for (_, found), new in zip(events, applied, strict=True)
            if new
            for change in found
        ]
        # In order, except that a run of erasure changes goes in a few statements.
        for batched, run in groupby(todo, key=lambda change: isinstance(change, BATCHED)):
            if batched:
                await apply_batched(connection, list(run))
            else:
                for change in run:
                    await APPLY[type(change)](connection, change)
        return applied

    async def first_seen(self, event_ids: Sequence[str | None]) -> list[bool]:
        return await _first_seen(self._in_unit_of_work(), list(event_ids))

    async def apply_together(self, found: Sequence[Change]) -> None:
        await batch_writes.apply_together(self._in_unit_of_work(), found)

    async def case(self, case_id: str) -> CaseRecord | None:
        rows = await self._rows(select(cases).where(cases.c.case_id == case_id))
        return _case(rows[0]) if rows else None

    async def cases(self, subject_ids: Collection[str] | None = None) -> list[CaseRecord]:
        query = select(cases).order_by(cases.c.case_id)
        if subject_ids is not None:
            query = query.where(cases.c.subject_id.in_(list(subject_ids)))
        return [_case(row) for row in await self._rows(query)]

    async def case_envelopes(self, case_id: str) -> list[Envelope]:
        query = (
            select(kept_events.c.envelope)
            .where(kept_events.c.case_id == case_id)
            .order_by(kept_events.c.occurred_at, kept_events.c.event_id)
        )
        return [decode_envelope(row.envelope.encode()) for row in await self._rows(query)]

    async def kept_events(self, case_ids: Collection[str]) -> int:
        query = select(func.count()).where(kept_events.c.case_id.in_(list(case_ids)))
        async with self._connection() as connection:
            return int(await connection.scalar(query) or 0)

    async def decision_caused_by(self, event_id: str) -> Envelope | None:
        query = select(kept_events.c.envelope).where(kept_events.c.causation_id == event_id)
        rows = await self._rows(query)
        return decode_envelope(rows[0].envelope.encode()) if rows else None

    async def decisions_caused_by(self, event_ids: Collection[str]) -> dict[str, Envelope]:
        kept = kept_events.c
        query = select(kept.causation_id, kept.envelope).where(
            kept.causation_id.in_(list(event_ids))
        )
        found: dict[str, Envelope] = {}
        for row in await self._rows(query):
            if row.causation_id not in found:
                found[row.causation_id] = decode_envelope(row.envelope.encode())
        return found

    async def erasures_of(self, subject_ids: Collection[str]) -> dict[str, str]:
        erased = erased_subjects.c
        query = select(erased.subject_id, erased.request_id).where(
            erased.subject_id.in_(list(subject_ids))
        )
        return {row.subject_id: str(row.request_id) for row in await self._rows(query)}

    async def erasure_of(self, subject_id: str) -> str | None:
        query = select(erased_subjects.c.request_id).where(
            erased_subjects.c.subject_id == subject_id
        )
        rows = await self._rows(query)
        return str(rows[0].request_id) if rows else None

    async def holds(self, *, active_only: bool) -> list[Hold]:
        query = select(holds.c.document).order_by(holds.c.hold_id)
        if active_only:
            query = query.where(holds.c.active)
        found = [Hold.model_validate_json(row.document) for row in await self._rows(query)]
        return sorted(found, key=lambda hold: hold.placed_at)

    async def hold(self, hold_id: str) -> Hold | None:
        rows = await self._rows(select(holds.c.document).where(holds.c.hold_id == hold_id))
        return Hold.model_validate_json(rows[0].document) if rows else None

    async def recommendations(self, *, pending_only: bool) -> list[Recommendation]:
        query = select(recommendations).order_by(recommendations.c.recommendation_id)
        if pending_only:
            query = query.where(recommendations.c.hold_id.is_(None))
        return [_recommendation(row) for row in await self._rows(query)]

    async def recommendation(self, recommendation_id: str) -> Recommendation | None:
        key = recommendations.c.recommendation_id == recommendation_id
        rows = await self._rows(select(recommendations).where(key))
        return _recommendation(rows[0]) if rows else None

    async def copies(self, after: str | None, limit: int) -> list[SealedCopy]:
        query = select(copies).order_by(copies.c.copy_id).limit(limit)
        if after is not None:
            query = query.where(copies.c.copy_id > after)
        return [_sealed(row) for row in await self._rows(query)]

    async def copy(self, copy_id: str) -> KeptCopy | None:
        rows = await self._rows(select(copies).where(copies.c.copy_id == copy_id))
        if not rows:
            return None
        row = rows[0]
        return KeptCopy(row.case_id, _sealed(row), _moment(row.closed_at), row.closure_reason)

    async def copy_of_case(self, case_id: str) -> SealedCopy | None:
        rows = await self._rows(select(copies).where(copies.c.case_id == case_id))
        return _sealed(rows[0]) if rows else None

    async def copy_metas(self) -> list[CopyMeta]:
        query = select(
            copies.c.copy_id, copies.c.case_id, copies.c.closed_at, copies.c.closure_reason
        )
        return [
            CopyMeta(
                copy_id=row.copy_id,
                case_id=row.case_id,
                closed_at=as_utc(row.closed_at),
                closure_reason=row.closure_reason,
            )
            for row in await self._rows(query)
        ]

    async def requests(self, kind: RequestKind | None) -> list[PrivacyRequest]:
        query = select(requests.c.document).order_by(requests.c.request_id)
        if kind is not None:
            query = query.where(requests.c.kind == kind.value)
        return [PrivacyRequest.model_validate_json(r.document) for r in await self._rows(query)]

    async def request(self, request_id: str) -> PrivacyRequest | None:
        query = select(requests.c.document).where(requests.c.request_id == request_id)
        rows = await self._rows(query)
        return PrivacyRequest.model_validate_json(rows[0].document) if rows else None

    async def receipt(self, request_id: str) -> SignedReceipt | None:
        query = select(requests.c.receipt).where(requests.c.request_id == request_id)
        rows = await self._rows(query)
        if not rows or rows[0].receipt is None:
            return None
        return SignedReceipt.model_validate_json(rows[0].receipt)

    async def checkpoint(self) -> RecordsCheckpoint | None:
        rows = await self._rows(select(checkpoint.c.document))
        return RecordsCheckpoint.model_validate_json(rows[0].document) if rows else None

    async def unbound_receipts(self) -> list[tuple[str, tuple[str, ...]]]:
        """Receipts still waiting for a records checkpoint: request id and its event ids."""
        state = receipt_states.c
        query = select(state.request_id, state.event_ids).where(state.bound.is_(False))
        return [(r.request_id, tuple(json.loads(r.event_ids))) for r in await self._rows(query)]

    async def erasure_positions(self, event_ids: Collection[str]) -> dict[str, int]:
        query = select(erasure_positions).where(erasure_positions.c.event_id.in_(list(event_ids)))
        return {row.event_id: int(row.position) for row in await self._rows(query)}

    async def incomplete_receipts(self, up_to_epoch: int) -> list[tuple[str, int]]:
        """Receipts of epochs up to `up_to_epoch` that no completion statement names yet."""
        state = receipt_states.c
        query = (
            select(state.request_id, state.epoch)
            .where(state.completed_epoch.is_(None), state.epoch <= up_to_epoch)
            .order_by(state.request_id)
        )
        return [(row.request_id, int(row.epoch)) for row in await self._rows(query)]

    async def completion(self, closed_epoch: int) -> SignedCompletion | None:
        query = select(completions.c.document).where(completions.c.closed_epoch == closed_epoch)
        rows = await self._rows(query)
        return SignedCompletion.model_validate_json(rows[0].document) if rows else None

    async def completion_of(self, request_id: str) -> SignedCompletion | None:
        """The completion statement that names this receipt, once its epoch has closed."""
        state = receipt_states.c
        query = select(completions.c.document).join(
            receipt_states, completions.c.closed_epoch == state.completed_epoch
        )
        rows = await self._rows(query.where(state.request_id == request_id))
        return SignedCompletion.model_validate_json(rows[0].document) if rows else None

    async def _rows(self, query: Any) -> list[Any]:
        async with self._connection() as connection:
            return list((await connection.execute(query)).all())

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        if self._bound is not None:
            yield self._bound
            return
        async with self._engine.connect() as connection:
            yield connection

    def _in_unit_of_work(self) -> AsyncConnection:
        if self._bound is None:
            raise RuntimeError("privacy's store changes only inside a unit of work")
        return self._bound


class SqlUnitOfWork(SharedSqlUnitOfWork):
    """One transaction on privacy's database; `store` reads and writes inside it."""

    store: SqlPrivacyStore

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._engine = engine

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.store = SqlPrivacyStore(self._engine, self.connection(self._engine))
        return self


async def _first_seen(connection: AsyncConnection, event_ids: list[str | None]) -> list[bool]:
    """Records the event ids as seen; False for each one seen before (a redelivery)."""
    now = datetime.now(UTC)
    known = [event_id for event_id in dict.fromkeys(event_ids) if event_id is not None]
    rows = [{"event_id": event_id, "seen_at": now} for event_id in known]
    new = await insert_all_unless_present(connection, seen_events, rows) if rows else set()
    first: list[bool] = []
    for event_id in event_ids:
        first.append(event_id is None or event_id in new)
        new.discard(event_id)  # the same id twice in one call: applied once
    return first


def _case(row: Any) -> CaseRecord:
    values = dict(row._mapping)
    values.pop("closure_event_id", None)
    for name in (*_MOMENTS, "recording_expired_at"):
        values[name] = as_utc(values[name])
    return CaseRecord.model_validate(values)


def _moment(moment: datetime | None) -> datetime:
    found = as_utc(moment)
    assert found is not None  # a NOT NULL column
    return found


def _sealed(row: Any) -> SealedCopy:
    return SealedCopy(row.copy_id, row.version, row.key_slot, row.sha256, row.sealed)


def _recommendation(row: Any) -> Recommendation:
    found = Recommendation.model_validate_json(row.document)
    return found.model_copy(update={"hold_id": row.hold_id})
