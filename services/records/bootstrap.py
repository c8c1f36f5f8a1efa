"""Builds the records service from settings: the log, its signer, the recorder, reads, bundles."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from services.records.adapters.append_only import create_schema
from services.records.adapters.event_store import SqlEventStore
from services.records.adapters.key_store_fields import KeyStoreFields
from services.records.adapters.signing_key import load_signer, log_origin
from services.records.adapters.tables import RecordsTables, records_tables
from services.records.adapters.witness_client import configured_witnesses
from services.records.domain.checkpoints import CheckpointPolicy
from services.records.service_layer.bundles import Bundles, LogIdentity
from services.records.service_layer.checkpoints import CheckpointIssuer, issue_when_due
from services.records.service_layer.reads import CaseReads
from services.records.service_layer.recorder import Recorder
from services.records.service_layer.witnessing import Witnessing
from shared.crypto.runtime import PersonalData, build_personal_data
from shared.infrastructure import Infrastructure, build_infrastructure
from shared.merkle.keys import NoteSigner
from shared.settings import CaselogSettings

MAX_TIMER_INTERVAL_S = 5.0


@dataclass(frozen=True, slots=True)
class Records:
    """The records service, wired: entry points use the recorder, reads, bundles and issuer."""

    settings: CaselogSettings
    infrastructure: Infrastructure
    personal: PersonalData
    tables: RecordsTables
    store: SqlEventStore
    signer: NoteSigner
    issuer: CheckpointIssuer
    recorder: Recorder
    reads: CaseReads
    bundles: Bundles
    identity: LogIdentity

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
) -> Records:
    infra = infrastructure or build_infrastructure(settings)
    personal_data = personal or build_personal_data(settings)
    signer = load_signer(settings)
    origin = log_origin(settings)
    tables = records_tables()
    store = SqlEventStore(infra.engine, tables)
    policy = CheckpointPolicy(
        settings.records_checkpoint_every_events, settings.records_checkpoint_every_seconds
    )
    witnessing = Witnessing(store, configured_witnesses(settings.records_witnesses))
    issuer = CheckpointIssuer(store, signer, origin=origin, policy=policy, witnessing=witnessing)
    recorder = Recorder(store, issuer, infra.bus, topic=settings.topics.records)
    reads = CaseReads(store, KeyStoreFields(personal_data), recorder)
    identity = LogIdentity(origin, signer.verifier.key_string())
    bundles = Bundles(reads, issuer, identity)
    return Records(
        settings,
        infra,
        personal_data,
        tables,
        store,
        signer,
        issuer,
        recorder,
        reads,
        bundles,
        identity,
    )
