"""The intake HTTP API: the shared probes, metrics and error shape, plus intake's routes."""

from fastapi import FastAPI

from services.intake.bootstrap import Intake, bootstrap
from services.intake.domain.errors import CaseNotFoundError, IntakeError
from services.intake.entrypoints.routes import router
from shared.crypto.runtime import PersonalData
from shared.infrastructure import Infrastructure
from shared.settings import CaselogSettings
from shared.web.service import create_service_app

ERROR_STATUSES = {IntakeError: 422, CaseNotFoundError: 404}


def create_app(
    settings: CaselogSettings,
    infrastructure: Infrastructure | None = None,
    personal: PersonalData | None = None,
) -> FastAPI:
    """The intake app; tests may pass infrastructure and personal-data machinery."""
    intake: Intake = bootstrap(settings, infrastructure, personal)
    app = create_service_app(
        settings,
        intake.infrastructure,
        routers=[router],
        running=intake.running,
        error_statuses=ERROR_STATUSES,
    )
    app.state.intake = intake
    return app
