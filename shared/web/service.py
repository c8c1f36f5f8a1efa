"""A service's app on its infrastructure: bus and database probes, a lifespan that runs them."""

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from shared.infrastructure import Infrastructure, build_infrastructure
from shared.settings import CaselogSettings
from shared.web.app import create_app


def create_service_app(
    settings: CaselogSettings,
    infrastructure: Infrastructure | None = None,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The app starts the bus (declaring topics) on start-up and closes bus and database on
    shutdown; tests pass infrastructure made of fakes."""
    infra = infrastructure or build_infrastructure(settings)
    return create_app(
        settings,
        readiness_checks=infra.readiness_checks(),
        routers=routers,
        lifespan=lambda _app: infra.running(),
    )
