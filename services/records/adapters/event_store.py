"""The records log on SQLAlchemy (SQLite or PostgreSQL): reads, proofs and checkpoints, and the
unit of work that writes it (events, Merkle nodes, chain links in one transaction).

A single writer per store is assumed: the Merkle tree's right edge and the next positions are
read at the start of each append. In one process the unit of work's lock serialises writes;
across processes PostgreSQL serialises them with an advisory lock, and on SQLite the primary
keys refuse the loser's batch whole (it may be retried).
"""

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.records.adapters import log_statements as statements
from services.records.adapters.appending import Tail, append_events
from services.records.adapters.tables import RecordsTables
from services.records.domain.checkpoints import ConsistencyProof, InclusionProof, StoredCheckpoint
from services.records.domain.events import (
    MAX_BATCH_EVENTS,
    Appended,
    LeafRow,
    ReceivedEvent,
    StoredEvent,
)
from services.records.domain.timeline import StoredFacts, Window
from services.records.service_layer.ports import EventStore
from services.records.service_layer.unit_of_work import RecordsUnitOfWork
from shared.envelope import utc_now
from shared.merkle.case_map import CaseHead
from shared.merkle.store import NodeId
from shared.sql_types import as_utc

P = ParamSpec("P")
T = TypeVar("T")
Work = Callable[Concatenate[Connection, RecordsTables, P], T]


class _WriterState:
    """What the store's writer keeps between its transactions: the log's tail, if it is known
    to be the one committed (voided while a transaction runs, kept again on its commit)."""

    __slots__ = ("tail",)

    def __init__(self) -> None:
        self.tail: Tail | None = None


class SqlLogTransaction:
    """The LogTransaction of one unit of work: statements on its connection, nothing committed
    here (the unit of work commits, or rolls back)."""

    def __init__(
        self,
        connection: AsyncConnection,
        tables: RecordsTables,
        writer: _WriterState,
        clock: Callable[[], datetime],
    ) -> None:
        self._connection, self._tables = connection, tables
        self._writer, self._clock = writer, clock
        self._tail: Tail | None = None

    async def append(self, events: Sequence[ReceivedEvent]) -> tuple[Appended, ...]:
        """Appends `events` in this transaction, MAX_BATCH_EVENTS at a time (each chunk's
        statements stay under the drivers' parameter limits); a later chunk sees the earlier
        ones, so an event id repeated across chunks is stored once all the same."""
        if not events:
            return ()
        stored_at = as_utc(self._clock())
        appended: list[Appended] = []
        for start in range(0, len(events), MAX_BATCH_EVENTS):
            # This transaction's own tail first: the writer's is voided until it commits.
            tail, self._writer.tail = self._tail or self._writer.tail, None
            chunk = events[start : start + MAX_BATCH_EVENTS]
            done, self._tail = await self._run(append_events, chunk, stored_at, tail)
            appended += done
        return tuple(appended)

    async def size(self) -> int:
        return await self._run(statements.tree_size)

    async def add_checkpoint(self, checkpoint: StoredCheckpoint) -> StoredCheckpoint:
        return await self._run(statements.add_checkpoint, checkpoint)

    async def add_cosignature(self, size: int, witness: str, signature_line: str) -> None:
        received_at = as_utc(self._clock())
        await self._run(statements.add_cosignature, size, witness, signature_line, received_at)

    async def add_case_map_statement(self, size: int, statement: str) -> str:
        return await self._run(statements.add_case_map_statement, size, statement)

    def committed(self) -> None:
        if self._tail is not None:
            self._writer.tail = self._tail

    async def _run(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._connection.run_sync(work, self._tables, *args, **kwargs)


class SqlEventStore(EventStore):
    """The append-only log in `tables` of `engine`; see `append_only` for the tables' guards.

    Reads run outside any transaction; writes run in a `writing()` unit of work (the three
    write methods here are one each, for callers that write nothing else with them).
    """

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
        self._lock = asyncio.Lock()
        self._writer = _WriterState()

    def writing(self) -> RecordsUnitOfWork:
        """A unit of work on the log: commit() keeps what it wrote, leaving otherwise undoes it."""
        return RecordsUnitOfWork(self._engine, self._transaction_on, self._lock)

    def _transaction_on(self, connection: AsyncConnection) -> SqlLogTransaction:
        return SqlLogTransaction(connection, self._tables, self._writer, self._clock)

    async def append_batch(self, events: Sequence[ReceivedEvent]) -> tuple[Appended, ...]:
        """Appends a batch of events (a bus consumer's, any size) in ONE transaction: their
        rows, their Merkle nodes and their case chain links; returns one Appended per event
        given, in the order given.

        - All or nothing: if any event is refused (EventConflictError: its id is stored with
          other bytes; InvalidEventError; StoreIntegrityError: another writer or damaged
          tables), nothing of the batch is written, and the caller may retry it whole.
        - Idempotent per event id: an event already stored, or earlier in the same batch, is
          not stored again; its Appended carries the first position and `is_new=False`.
        - Chains continue across batches: the first event of a case in this batch links to
          that case's last stored event.
        - Ordered: new events take the next positions in the order given.
        """
        async with self.writing() as work:
            appended = await work.log.append(events)
            await work.commit()
        return appended

    async def size(self) -> int:
        return await self._read(statements.tree_size)

    async def event(self, event_id: str) -> StoredEvent:
        return await self._read(statements.event_by_id, event_id)

    async def events(self) -> list[StoredEvent]:
        return await self._read(statements.select_events)

    async def events_from(self, position: int, limit: int) -> list[StoredEvent]:
        return await self._read(statements.events_page, position, limit)

    async def case_events(self, case_id: str) -> list[StoredEvent]:
        return await self._read(statements.case_events, case_id)

    async def leaf_hashes(self) -> dict[int, bytes]:
        return await self._read(statements.stored_leaf_hashes)

    async def case_facts(self, case_id: str, window: Window) -> list[StoredFacts]:
        return await self._read(statements.case_facts, case_id, window)

    async def leaf_rows(self, start: int, end: int) -> list[LeafRow]:
        return await self._read(statements.leaf_rows, start, end)

    async def nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        return await self._read(statements.nodes, ids)

    async def root(self, size: int) -> bytes:
        return await self._read(statements.root, size)

    async def inclusion_proof(self, event_id: str, size: int) -> InclusionProof:
        return await self._read(statements.inclusion, event_id, size)

    async def consistency_proof(self, old_size: int, new_size: int) -> ConsistencyProof:
        return await self._read(statements.consistency, old_size, new_size)

    async def add_checkpoint(self, checkpoint: StoredCheckpoint) -> StoredCheckpoint:
        async with self.writing() as work:
            kept = await work.log.add_checkpoint(checkpoint)
            await work.commit()
        return kept

    async def checkpoint(self, size: int) -> StoredCheckpoint | None:
        return await self._read(statements.checkpoint_at, size)

    async def latest_checkpoint(self) -> StoredCheckpoint | None:
        return await self._read(statements.latest_checkpoint)

    async def checkpoints(self) -> list[StoredCheckpoint]:
        return await self._read(statements.all_checkpoints)

    async def add_cosignature(self, size: int, witness: str, signature_line: str) -> None:
        async with self.writing() as work:
            await work.log.add_cosignature(size, witness, signature_line)
            await work.commit()

    async def add_case_map_statement(self, size: int, statement: str) -> str:
        async with self.writing() as work:
            kept = await work.log.add_case_map_statement(size, statement)
            await work.commit()
        return kept

    async def case_heads(self, start: int, end: int) -> list[CaseHead]:
        return await self._read(statements.case_heads, start, end)

    async def case_map_statement(self, size: int) -> str | None:
        return await self._read(statements.case_map_statement, size)

    async def witnessed_size(self, witness: str) -> int | None:
        return await self._read(statements.witnessed_size, witness)

    async def cosigned_witnesses(self, size: int) -> set[str]:
        return await self._read(statements.cosigned_witnesses, size)

    async def _read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        # The log is append-only, so reads need no lock: what one statement saw stays true.
        async with self._engine.connect() as connection:
            return await connection.run_sync(work, self._tables, *args, **kwargs)
