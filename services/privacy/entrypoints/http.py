"""The privacy HTTP API: the shared probes, metrics and error shape; its own routes join here."""

from fastapi import FastAPI

from services.privacy.bootstrap import bootstrap
from shared.infrastructure import Infrastructure
from shared.settings import CaselogSettings
from shared.web.app import create_app as create_service_app


def create_app(settings: CaselogSettings, infrastructure: Infrastructure | None = None) -> FastAPI:
    """The privacy app; it starts the bus on start-up and closes bus and database on shutdown."""
    service = bootstrap(settings, infrastructure)
    return create_service_app(
        settings,
        readiness_checks=service.infrastructure.readiness_checks(),
        lifespan=lambda _app: service.infrastructure.running(),
    )
