"""The intake HTTP API: the shared probes, metrics and error shape, plus intake's routes."""

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.intake.adapters.platforms.errors import (
    PlatformPayloadError,
    WebhookAuthenticationError,
)
from services.intake.adapters.platforms.zendesk import PlatformUnavailableError
from services.intake.bootstrap import Intake, bootstrap
from services.intake.domain.errors import CaseNotFoundError, IntakeError, TicketNotFoundError
from services.intake.entrypoints import webhooks
from services.intake.entrypoints.decision_status import decision_status_handler
from services.intake.entrypoints.decisions import decision_handler
from services.intake.entrypoints.erasure import erasure_handler
from services.intake.entrypoints.ingress import ingress_handler
from services.intake.entrypoints.routes import router
from shared.bus.interface import Consumer
from shared.bus.policy import DeliveryPolicy
from shared.bus.runner import supervised
from shared.crypto.errors import KeyDestroyedError
from shared.crypto.runtime import PersonalData
from shared.errors import CaselogError
from shared.infrastructure import Infrastructure
from shared.settings import CaselogSettings
from shared.web.service import create_service_app

ERROR_STATUSES: dict[type[CaselogError], int] = {
    IntakeError: 422,
    CaseNotFoundError: 404,
    TicketNotFoundError: 404,
    WebhookAuthenticationError: 401,
    PlatformUnavailableError: 503,
    PlatformPayloadError: 422,
    # A write on a case whose key was destroyed (erased): there is nothing to add it to.
    KeyDestroyedError: 409,
}


def create_app(
    settings: CaselogSettings,
    infrastructure: Infrastructure | None = None,
    personal: PersonalData | None = None,
) -> FastAPI:
    """The intake app; tests may pass infrastructure and personal-data machinery."""
    intake: Intake = bootstrap(settings, infrastructure, personal)

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[None]:
        bus = intake.infrastructure.bus
        # Ingress messages carry plaintext: a dead letter reaches the DLQ only sealed.
        sealed = DeliveryPolicy(seal_dead_letter=intake.quarantine.seal)

        def ingress() -> Consumer:
            handler = ingress_handler(intake.handle)
            return bus.subscribe_batch(
                settings.intake_ingress_group, [settings.topics.ingress], handler, sealed
            )

        def erasures() -> Consumer:
            handler = erasure_handler(intake.handle)
            return bus.subscribe(settings.intake_erasure_group, [settings.topics.privacy], handler)

        # Two groups on the policy topic: the platform's status read model, and the write-back
        # to the ticket (its own pace: a platform's rate limit never holds the status back).
        def decision_statuses() -> Consumer:
            handler = decision_status_handler(intake.decisions)
            group = settings.intake_decision_status_group
            return bus.subscribe_batch(group, [settings.topics.policy], handler)

        def writebacks() -> Consumer:
            handler = decision_handler(intake.writeback)
            group = settings.intake_writeback_group
            return bus.subscribe(group, [settings.topics.policy], handler)

        async with (
            intake.running(),
            supervised(ingress, count=1),
            supervised(erasures, count=1),
            supervised(decision_statuses, count=1),
            supervised(writebacks, count=1),
        ):
            yield

    app = create_service_app(
        settings,
        intake.infrastructure,
        routers=[router, webhooks.router],
        running=running,
        error_statuses=ERROR_STATUSES,
    )
    app.state.intake = intake
    return app
