"""Builds the intake service from settings: its stores and unit of work, personal data, the
outbox relay, the ingress hygiene, and the dependencies its handler table is given.

Tests pass infrastructure (a bus, an engine), personal-data machinery or a clock of their own;
production passes nothing.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import overload

from services.intake.adapters.case_keys import CaseKeyRequestDigests, KeyStoreCases
from services.intake.adapters.decision_status import DecisionStatus, SqlDecisionStatuses
from services.intake.adapters.ledger import SqlLedger, SqlWriteBacks, create_ledger_tables
from services.intake.adapters.platforms.registry import (
    WebhookPlatform,
    ticket_writers,
    webhook_platforms,
)
from services.intake.adapters.platforms.resilience import Sleep
from services.intake.adapters.quarantine import Quarantine
from services.intake.domain.client_times import ClientTimeRules
from services.intake.service_layer.handlers import HANDLERS, case_status
from services.intake.service_layer.ingress_hygiene import IngressHygiene
from services.intake.service_layer.messages import Accepted, IntakeCommand, PrivacyEvent
from services.intake.service_layer.outbox import OutboxRelay
from services.intake.service_layer.ports import EventStatus
from services.intake.service_layer.recording import IntakeDependencies
from services.intake.service_layer.unit_of_work import IntakeStores, case_openings
from services.intake.service_layer.writeback import WriteBackDependencies
from shared.crypto.runtime import PersonalData, build_personal_data
from shared.envelope import utc_now
from shared.infrastructure import Infrastructure, build_infrastructure
from shared.settings import CaselogSettings

OUTBOX_INTERVAL_S = 1.0


@dataclass(frozen=True, slots=True)
class Intake:
    """The intake service, wired: entry points hand it messages."""

    settings: CaselogSettings
    infrastructure: Infrastructure
    personal: PersonalData
    stores: IntakeStores
    dependencies: IntakeDependencies
    webhooks: dict[str, WebhookPlatform]
    quarantine: Quarantine
    hygiene: IngressHygiene
    decisions: SqlDecisionStatuses
    writeback: WriteBackDependencies

    @overload
    async def handle(self, message: IntakeCommand) -> Accepted: ...

    @overload
    async def handle(self, message: PrivacyEvent) -> None: ...

    async def handle(self, message: IntakeCommand | PrivacyEvent) -> Accepted | None:
        """Dispatch to the handler table: a command answers Accepted, an event nothing."""
        return await HANDLERS.handle(message, self.dependencies)

    async def case_status(self, case_id: str, platform: str | None = None) -> list[EventStatus]:
        """The case's events; asked for `platform`, another platform's case is not found."""
        return await case_status(case_id, self.dependencies, platform)

    async def latest_decision(self, case_id: str) -> DecisionStatus | None:
        return await self.decisions.latest(case_id)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Create tables, then keep the outbox drained and the ingress purged until shutdown."""
        await self.personal.start()
        await create_ledger_tables(self.stores.ledger_engine)
        await self.quarantine.create_tables()
        await self.decisions.create_tables()
        stop = asyncio.Event()
        relay = asyncio.create_task(self.dependencies.relay.run(OUTBOX_INTERVAL_S, stop))
        purge = self.settings.intake_ingress_purge_interval_s
        hygiene = asyncio.create_task(self.hygiene.run(purge, stop))
        try:
            yield
        finally:
            stop.set()
            await relay
            await hygiene
            await self.personal.close()


def bootstrap(
    settings: CaselogSettings,
    infrastructure: Infrastructure | None = None,
    personal: PersonalData | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    sleep: Sleep = asyncio.sleep,
) -> Intake:
    """`sleep` is what the write-back waits with between retries (tests pass a recorder)."""
    infra = infrastructure or build_infrastructure(settings)
    personal_data = personal or build_personal_data(settings)
    stores = IntakeStores(
        ledger_engine=infra.engine,
        key_store_engine=personal_data.engine,
        ledger_on=SqlLedger,
        cases_on=partial(KeyStoreCases, index=personal_data.subjects, keys=personal_data.keys),
        writebacks_on=SqlWriteBacks,
    )
    quarantine = Quarantine(
        infra.engine,
        personal_data.keys,
        personal_data.subjects,
        timedelta(days=settings.intake_quarantine_retention_days),
    )
    dependencies = IntakeDependencies(
        stores=stores,
        openings=case_openings(
            stores,
            window_s=settings.intake_group_commit_window_ms / 1000,
            max_size=settings.intake_group_commit_max_size,
            # SQLite takes one writer at a time: a second group would only wait for its lock.
            concurrency=(
                1
                if "sqlite" in (infra.engine.dialect.name, personal_data.engine.dialect.name)
                else settings.intake_group_commit_concurrency
            ),
        ),
        encryptor=personal_data.codec,
        request_digests=CaseKeyRequestDigests(personal_data.keys),
        relay=OutboxRelay(stores, infra.bus),
        topic=settings.topics.intake,
        client_times=ClientTimeRules(
            future_skew=timedelta(seconds=settings.intake_client_time_future_skew_s),
            max_age=timedelta(days=settings.intake_client_time_max_age_days),
        ),
        cached_keys=personal_data.keys,
        dead_letters=quarantine,
        clock=clock,
    )
    hygiene = IngressHygiene(
        infra.bus, settings.intake_ingress_group, settings.topics.ingress, quarantine
    )
    return Intake(
        settings,
        infra,
        personal_data,
        stores,
        dependencies,
        webhook_platforms(settings),
        quarantine,
        hygiene,
        SqlDecisionStatuses(infra.engine),
        WriteBackDependencies(
            stores,
            ticket_writers(settings, sleep),
            settings.console_public_url,
            settings.writeback_default_language,
            timedelta(hours=settings.writeback_max_age_h),
            clock,
        ),
    )
