"""The records EventStore on SQLAlchemy (SQLite or PostgreSQL): appends, reads, proofs, checkpoints.

A single writer per store is assumed: the Merkle tree's right edge and the next positions are
read at the start of each append. In one process an asyncio lock serialises appends; across
processes PostgreSQL serialises them with an advisory lock, and on SQLite the primary keys
refuse the loser's batch whole (it may be retried).
"""

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from services.records.adapters import checkpoint_log, reading
from services.records.adapters.appending import append_events
from services.records.adapters.case_heads import Tail
from services.records.adapters.tables import RecordsTables
from services.records.domain.checkpoints import StoredCheckpoint
from services.records.domain.events import Appended, ReceivedEvent, StoredEvent
from services.records.domain.proofs import ConsistencyProof, InclusionProof
from services.records.service_layer.ports import EventStore
from shared.envelope import utc_now
from shared.sql_types import as_utc

P = ParamSpec("P")
T = TypeVar("T")
Work = Callable[Concatenate[Connection, RecordsTables, P], T]


class SqlEventStore(EventStore):
    """The append-only log in `tables` of `engine`; see `append_only` for the tables' guards."""

    def __init__(
        self,
        engine: AsyncEngine,
        tables: RecordsTables,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine = engine
        self._tables = tables
        self._clock = clock
        self._writer = asyncio.Lock()
        self._tail: Tail | None = None

    async def append_batch(self, events: Sequence[ReceivedEvent]) -> tuple[Appended, ...]:
        """Appends in one transaction (events, Merkle nodes, chain); all of the batch or none."""
        if not events:
            return ()
        stored_at = as_utc(self._clock())
        tail, self._tail = self._tail, None  # kept again only once this append has committed
        appended, self._tail = await self._write(append_events, events, stored_at, tail)
        return appended

    async def size(self) -> int:
        return await self._read(reading.tree_size)

    async def event(self, event_id: str) -> StoredEvent:
        return await self._read(reading.event_by_id, event_id)

    async def events(self) -> list[StoredEvent]:
        return await self._read(reading.select_events)

    async def events_from(self, position: int, limit: int) -> list[StoredEvent]:
        return await self._read(reading.events_page, position, limit)

    async def case_events(self, case_id: str) -> list[StoredEvent]:
        return await self._read(reading.select_events, self._tables.events.c.case_id == case_id)

    async def leaf_hashes(self) -> dict[int, bytes]:
        return await self._read(reading.stored_leaf_hashes)

    async def leaf_hashes_between(self, start: int, end: int) -> dict[int, bytes]:
        return await self._read(reading.stored_leaf_hashes, start, end)

    async def root(self, size: int) -> bytes:
        return await self._read(reading.root, size)

    async def inclusion_proof(self, event_id: str, size: int) -> InclusionProof:
        return await self._read(reading.inclusion, event_id, size)

    async def consistency_proof(self, old_size: int, new_size: int) -> ConsistencyProof:
        return await self._read(reading.consistency, old_size, new_size)

    async def add_checkpoint(self, checkpoint: StoredCheckpoint) -> StoredCheckpoint:
        return await self._write(checkpoint_log.add_checkpoint, checkpoint)

    async def checkpoint(self, size: int) -> StoredCheckpoint | None:
        return await self._read(checkpoint_log.checkpoint_at, size)

    async def latest_checkpoint(self) -> StoredCheckpoint | None:
        return await self._read(checkpoint_log.latest_checkpoint)

    async def checkpoints(self) -> list[StoredCheckpoint]:
        return await self._read(checkpoint_log.all_checkpoints)

    async def add_cosignature(self, size: int, witness: str, signature_line: str) -> None:
        await self._write(
            checkpoint_log.add_cosignature, size, witness, signature_line, as_utc(self._clock())
        )

    async def witnessed_size(self, witness: str) -> int | None:
        return await self._read(checkpoint_log.witnessed_size, witness)

    async def cosigned_witnesses(self, size: int) -> set[str]:
        return await self._read(checkpoint_log.cosigned_witnesses, size)

    async def _read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        # The log is append-only, so reads need no lock: what one statement saw stays true.
        async with self._engine.connect() as connection:
            return await connection.run_sync(work, self._tables, *args, **kwargs)

    async def _write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self._writer, self._engine.begin() as connection:
            return await connection.run_sync(work, self._tables, *args, **kwargs)
