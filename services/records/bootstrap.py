"""Builds the records service from settings: the log and its unit of work, the signer and the
checkpoint issuer, the key store's reveals, and the one handler table they serve.

Tests pass their own infrastructure, personal-data machinery, unit of work or clock here;
production passes nothing.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar, cast

from services.records.adapters.append_only import create_schema
from services.records.adapters.event_store import SqlEventStore
from services.records.adapters.key_store_fields import KeyStoreFields
from services.records.adapters.log_identity import configured_witnesses, load_signer, log_origin
from services.records.adapters.tables import RecordsTables, records_tables
from services.records.domain.checkpoints import CheckpointPolicy, LogIdentity
from services.records.service_layer.checkpoints import CheckpointIssuer, Witnessing, issue_when_due
from services.records.service_layer.handlers import HANDLERS, RecordsDependencies
from services.records.service_layer.messages import Message
from services.records.service_layer.unit_of_work import RecordsUnitOfWork
from shared.crypto.runtime import PersonalData, build_personal_data
from shared.envelope import utc_now
from shared.infrastructure import Infrastructure, build_infrastructure
from shared.settings import CaselogSettings

MAX_TIMER_INTERVAL_S = 5.0
AnswerT = TypeVar("AnswerT")


@dataclass(frozen=True, slots=True)
class Records:
    """The records service, wired: entry points hand messages to `handle` and read through
    `store`; `running()` keeps the schema and the checkpoint timer."""

    settings: CaselogSettings
    infrastructure: Infrastructure
    personal: PersonalData
    tables: RecordsTables
    store: SqlEventStore
    deps: RecordsDependencies

    @property
    def identity(self) -> LogIdentity:
        return self.deps.identity

    @property
    def issuer(self) -> CheckpointIssuer:
        return self.deps.issuer

    async def handle(self, message: Message[AnswerT]) -> AnswerT:
        """Dispatches `message` to its handler in the table; answers what the message types."""
        return cast(AnswerT, await HANDLERS.handle(message, self.deps))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Create the tables and their guards, then sign checkpoints on time until shutdown."""
        await self.personal.start()
        await create_schema(self.infrastructure.engine, self.tables)
        every = self.settings.records_checkpoint_every_seconds
        stop = asyncio.Event()
        timer = asyncio.create_task(
            issue_when_due(self.issuer, min(every / 2, MAX_TIMER_INTERVAL_S), stop)
        )
        try:
            yield
        finally:
            stop.set()
            await timer
            await self.personal.close()


def bootstrap(
    settings: CaselogSettings,
    infrastructure: Infrastructure | None = None,
    personal: PersonalData | None = None,
    *,
    unit_of_work: Callable[[SqlEventStore], Callable[[], RecordsUnitOfWork]] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Records:
    """`unit_of_work` wraps the store's own (`store.writing`), e.g. to count transactions."""
    infra = infrastructure or build_infrastructure(settings)
    personal_data = personal or build_personal_data(settings)
    signer = load_signer(settings)
    origin = log_origin(settings)
    tables = records_tables()
    store = SqlEventStore(infra.engine, tables, clock=clock)
    policy = CheckpointPolicy(
        settings.records_checkpoint_every_events, settings.records_checkpoint_every_seconds
    )
    witnessing = Witnessing(store, configured_witnesses(settings.records_witnesses))
    issuer = CheckpointIssuer(
        store,
        signer,
        origin=origin,
        policy=policy,
        clock=clock,
        witnessing=witnessing,
        case_maps=store,
    )
    deps = RecordsDependencies(
        store=store,
        unit_of_work=store.writing if unit_of_work is None else unit_of_work(store),
        issuer=issuer,
        personal=KeyStoreFields(personal_data),
        publisher=infra.bus,
        topic=settings.topics.records,
        identity=LogIdentity(origin, signer.verifier.key_string()),
        clock=clock,
    )
    return Records(settings, infra, personal_data, tables, store, deps)
