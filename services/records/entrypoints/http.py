"""The records HTTP API: the shared probes, metrics and error shape; its own routes join here."""

from fastapi import FastAPI

from shared.infrastructure import Infrastructure
from shared.settings import CaselogSettings
from shared.web.service import create_service_app


def create_app(settings: CaselogSettings, infrastructure: Infrastructure | None = None) -> FastAPI:
    """The records app on `infrastructure` (built from settings when not given)."""
    return create_service_app(settings, infrastructure, routers=())
