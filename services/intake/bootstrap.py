"""Builds the intake service from settings: ledger, personal data, outbox relay, handlers."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from services.intake.adapters.case_keys import CaseKeyRequestDigests, KeyStoreCaseOpener
from services.intake.adapters.ledger import SqlLedger
from services.intake.adapters.platforms.registry import WebhookPlatform, webhook_platforms
from services.intake.adapters.quarantine import Quarantine
from services.intake.domain.client_times import ClientTimeRules
from services.intake.service_layer.commands import Accepted, IntakeCommand
from services.intake.service_layer.handlers import HANDLERS, IntakeDependencies
from services.intake.service_layer.ingress_hygiene import IngressHygiene
from services.intake.service_layer.outbox import OutboxRelay
from shared.crypto.runtime import PersonalData, build_personal_data
from shared.infrastructure import Infrastructure, build_infrastructure
from shared.settings import CaselogSettings

OUTBOX_INTERVAL_S = 1.0


@dataclass(frozen=True, slots=True)
class Intake:
    """The intake service, wired: entry points hand it commands."""

    settings: CaselogSettings
    infrastructure: Infrastructure
    personal: PersonalData
    ledger: SqlLedger
    relay: OutboxRelay
    dependencies: IntakeDependencies
    webhooks: dict[str, WebhookPlatform]
    quarantine: Quarantine
    hygiene: IngressHygiene

    async def handle(self, command: IntakeCommand, correlation_id: str | None = None) -> Accepted:
        return await HANDLERS[type(command)](command, self.dependencies, correlation_id)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Create tables, then keep the outbox drained and the ingress purged until shutdown."""
        await self.personal.start()
        await self.ledger.create_tables()
        await self.quarantine.create_tables()
        stop = asyncio.Event()
        relay = asyncio.create_task(self.relay.run(OUTBOX_INTERVAL_S, stop))
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
) -> Intake:
    infra = infrastructure or build_infrastructure(settings)
    personal_data = personal or build_personal_data(settings)
    ledger = SqlLedger(infra.engine)
    relay = OutboxRelay(ledger, infra.bus)
    dependencies = IntakeDependencies(
        ledger=ledger,
        encryptor=personal_data.codec,
        cases=KeyStoreCaseOpener(personal_data.engine, personal_data.subjects, personal_data.keys),
        relay=relay,
        topic=settings.topics.intake,
        request_digests=CaseKeyRequestDigests(personal_data.keys),
        client_times=ClientTimeRules(
            future_skew=timedelta(seconds=settings.intake_client_time_future_skew_s),
            max_age=timedelta(days=settings.intake_client_time_max_age_days),
        ),
    )
    quarantine = Quarantine(
        infra.engine,
        personal_data.keys,
        personal_data.subjects,
        timedelta(days=settings.intake_quarantine_retention_days),
    )
    hygiene = IngressHygiene(
        infra.bus, settings.intake_ingress_group, settings.topics.ingress, quarantine
    )
    return Intake(
        settings,
        infra,
        personal_data,
        ledger,
        relay,
        dependencies,
        webhook_platforms(settings),
        quarantine,
        hygiene,
    )
