"""The FastAPI app factory every service uses: probes, metrics, request ids and error shape."""

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

from shared.errors import CaselogError
from shared.settings import CaselogSettings
from shared.web.health import ReadinessCheck, health_router
from shared.web.limits import DEFAULT_MAX_BODY_BYTES, BodyLimitMiddleware, BodyTooLargeError
from shared.web.metrics import HttpMetrics, MetricsMiddleware
from shared.web.problems import (
    DEFAULT_ERROR_STATUSES,
    UnexpectedErrorMiddleware,
    install_problem_handlers,
)
from shared.web.request_context import RequestContextMiddleware

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    settings: CaselogSettings,
    *,
    readiness_checks: Mapping[str, ReadinessCheck],
    routers: Sequence[APIRouter] = (),
    lifespan: Lifespan | None = None,
    error_statuses: Mapping[type[CaselogError], int] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """A service's app. `readiness_checks` are named ("bus", "database") so /readyz can say
    which one failed; `error_statuses` maps the service's own errors to HTTP statuses."""
    # /docs and /redoc load Swagger UI and ReDoc from the package, not a CDN: legal and
    # privacy teams often sit on networks without internet access.
    app = FastAPIOffline(title=f"caselog {settings.service_name}", lifespan=lifespan)
    metrics = HttpMetrics()
    app.state.settings = settings
    app.state.metrics = metrics
    statuses = {**DEFAULT_ERROR_STATUSES, BodyTooLargeError: 413, **(error_statuses or {})}
    install_problem_handlers(app, statuses)
    app.include_router(health_router(readiness_checks, settings.readiness_timeout_s))
    app.include_router(metrics.router())
    for router in routers:
        app.include_router(router)
    # The last middleware added runs first: ids are bound before anything is measured
    # or logged, and the catch-all sits innermost so its 500 is counted and carries the ids.
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestContextMiddleware)
    return app
