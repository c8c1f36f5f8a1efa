"""A service's app on its infrastructure: bus and database probes, a lifespan that runs them."""

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import APIRouter, FastAPI

from shared.auth.factory import build_verifier
from shared.auth.verifier import TokenVerifier
from shared.errors import CaselogError
from shared.infrastructure import Infrastructure, build_infrastructure
from shared.settings import CaselogSettings
from shared.web.app import create_app
from shared.web.limits import DEFAULT_MAX_BODY_BYTES

Running = Callable[[], AbstractAsyncContextManager[None]]


def create_service_app(
    settings: CaselogSettings,
    infrastructure: Infrastructure | None = None,
    routers: Sequence[APIRouter] = (),
    running: Running | None = None,
    error_statuses: Mapping[type[CaselogError], int] | None = None,
    verifier: TokenVerifier | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """The app starts the bus (declaring topics) and then `running` (the service's own
    start-up: tables, consumers, background tasks) and stops them in reverse order.
    Tests pass infrastructure made of fakes."""
    infra = infrastructure or build_infrastructure(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with infra.running():
            if running is None:
                yield
                return
            async with running():
                yield

    app = create_app(
        settings,
        readiness_checks=infra.readiness_checks(),
        routers=routers,
        lifespan=lifespan,
        error_statuses=error_statuses,
        max_body_bytes=max_body_bytes,
    )
    app.state.token_verifier = verifier or build_verifier(settings)
    return app
