"""The FastAPI app factory every service uses: probes, metrics, request ids, limits, error shape."""

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline

from shared.errors import CaselogError
from shared.settings import CaselogSettings
from shared.web.health import ReadinessCheck, health_router
from shared.web.limits import DEFAULT_MAX_BODY_BYTES, RequestLimitMiddleware
from shared.web.metrics import HttpMetrics, MetricsMiddleware
from shared.web.openapi import MIDDLEWARE_STATUSES, problem_responses
from shared.web.problems import (
    DEFAULT_ERROR_STATUSES,
    UnexpectedErrorMiddleware,
    install_problem_handlers,
)
from shared.web.request_context import RequestContextMiddleware
from shared.web.throttle import AuthFailureThrottle, AuthFailureThrottleMiddleware

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
    install_problem_handlers(app, {**DEFAULT_ERROR_STATUSES, **(error_statuses or {})})
    # The probes are exempt from the throttle and take no body: only the header limit applies.
    app.include_router(
        health_router(readiness_checks, settings.readiness_timeout_s),
        responses=problem_responses(431),
    )
    app.include_router(metrics.router())
    for router in routers:
        # What the middleware answers before a route runs is in every route's OpenAPI too.
        app.include_router(router, responses=problem_responses(*MIDDLEWARE_STATUSES))
    throttle = AuthFailureThrottle(
        settings.http_auth_failures_per_window, settings.http_auth_failure_window_s
    )
    # The last middleware added runs first: ids are bound before anything is measured
    # or logged, and the catch-all sits innermost so its 500 is counted and carries the ids.
    # The limits come before the throttle's count, the throttle before any route reads a token.
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(AuthFailureThrottleMiddleware, throttle=throttle)
    app.add_middleware(
        RequestLimitMiddleware,
        max_body_bytes=max_body_bytes,
        max_header_bytes=settings.http_max_header_bytes,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestContextMiddleware)
    return app
