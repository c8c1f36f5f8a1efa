"""The console's app: pages, its own static assets, error pages, and the headers that keep
personal data out of caches and other sites' scripts out of the page."""

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import fields
from pathlib import Path

import httpx
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.console.adapters.development_sign_in import DevelopmentIssuerSignIn
from services.console.adapters.oidc_sign_in import OidcSignIn
from services.console.adapters.services_http import ServiceUrls
from services.console.adapters.sessions import COOKIE_NAME, SessionCodec, new_csrf
from services.console.domain.language import DEFAULT_LANGUAGE, Language
from services.console.domain.messages import message
from services.console.domain.session import ConsoleSession
from services.console.entrypoints import (
    case_actions,
    pages,
    privacy_requests,
    proof,
    sign_in,
    subject_search,
)
from services.console.entrypoints.uploads import UploadTooLargeError
from services.console.entrypoints.visits import SignInRequiredError, Visit
from services.console.service_layer.errors import (
    BadInputError,
    ConsoleError,
    CsrfError,
    InvalidSessionError,
    ServiceRefusedError,
    ServiceUnavailableError,
    SignInFailedError,
    SignInRefusedError,
)
from services.console.settings import MIN_SESSION_SECRET_CHARS, ConsoleSettings
from shared.settings import CaselogSettings, SettingsError
from shared.web.health import health_router
from shared.web.metrics import HttpMetrics, MetricsMiddleware
from shared.web.problems import UnexpectedErrorMiddleware
from shared.web.request_context import RequestContextMiddleware

HERE = Path(__file__).parent
log = structlog.get_logger(__name__)
OIDC_SETTINGS = "set CASELOG_CONSOLE_OIDC_ISSUER and CASELOG_CONSOLE_OIDC_CLIENT_ID"
ASSETS_PATH = "/assets"
# No inline script or style anywhere: scripts and styles only from the console's own path.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    f"script-src 'self' {ASSETS_PATH}/; style-src 'self' {ASSETS_PATH}/; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"
)


def create_app(
    settings: CaselogSettings,
    console: ConsoleSettings | None = None,
    *,
    beside_services: bool = False,
) -> FastAPI:
    """The console app. `beside_services`: served in one process with the services' APIs (the
    embedded runtime), where production without an identity provider keeps those APIs up and
    the console refuses sign-in (saying what to set) instead of refusing to start: the APIs
    have their own bearer tokens, and signing no one in is the safe way to be unconfigured.
    The console alone (`caselog serve console`) has nothing else to offer, so it refuses."""
    console = console or ConsoleSettings()
    http_client = httpx.AsyncClient(timeout=console.service_timeout_s)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await http_client.aclose()

    # Not shared.web's service factory: that one reads JSON bodies only, and browsers post
    # forms. The same probes, metrics and request ids, though.
    app = FastAPI(
        title="caselog console",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    metrics = HttpMetrics()
    app.state.settings = settings
    app.state.metrics = metrics
    app.include_router(health_router({}, settings.readiness_timeout_s))
    app.include_router(metrics.router())
    app.include_router(sign_in.router)
    app.include_router(pages.router)
    app.include_router(case_actions.router)
    app.include_router(proof.router)
    app.state.log_verifier_key = console.log_verifier_key
    app.include_router(privacy_requests.router)
    app.include_router(subject_search.router)
    secret = _session_secret(settings, console)
    app.state.session_codec = SessionCodec(secret, console.session_ttl_s)
    app.state.oidc_sign_in = _oidc_sign_in(settings, console, secret, beside_services)
    app.state.public_url = console.public_url.rstrip("/") if console.public_url else None
    app.state.http_client = http_client
    app.state.service_urls = _service_urls(console)
    app.state.docs_links = _docs_links(app.state.service_urls)
    app.state.development_sign_in = (
        DevelopmentIssuerSignIn(settings.auth_dev_keys_dir, settings.auth_audience)
        if settings.environment == "development"
        else None
    )
    app.state.templates = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.mount(ASSETS_PATH, StaticFiles(directory=HERE / "assets"), name="console-assets")
    _install_error_pages(app)
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestContextMiddleware)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if not request.url.path.startswith(f"{ASSETS_PATH}/"):
            # Pages may show personal data: no browser or proxy keeps a copy.
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


def _session_secret(settings: CaselogSettings, console: ConsoleSettings) -> str:
    secret = console.session_secret.get_secret_value()
    if len(secret) >= MIN_SESSION_SECRET_CHARS:
        return secret
    if settings.environment == "production":
        raise SettingsError(
            f"CASELOG_CONSOLE_SESSION_SECRET must be set ({MIN_SESSION_SECRET_CHARS}+ characters)"
        )
    return secrets.token_urlsafe(32)


def offers_sign_in(app: FastAPI) -> bool:
    """Whether anyone can sign in to this console app (OpenID Connect or development)."""
    return app.state.oidc_sign_in is not None or app.state.development_sign_in is not None


def _oidc_sign_in(
    settings: CaselogSettings, console: ConsoleSettings, secret: str, beside_services: bool
) -> OidcSignIn | None:
    if console.oidc_issuer is None:
        if settings.environment != "production":
            return None
        if not beside_services:
            raise SettingsError(f"production signs in through OpenID Connect: {OIDC_SETTINGS}")
        log.warning("console sign-in off: production without an identity provider")
        return None
    if not console.oidc_client_id:
        raise SettingsError("CASELOG_CONSOLE_OIDC_CLIENT_ID must be set with the OIDC issuer")
    return OidcSignIn(console, secret)


def _service_urls(console: ConsoleSettings) -> ServiceUrls | None:
    urls = (console.intake_url, console.policy_url, console.records_url, console.privacy_url)
    if all(url is None for url in urls):
        return None  # embedded: the services share the console's server
    if any(url is None for url in urls):
        raise SettingsError("set all four CASELOG_CONSOLE_*_URL settings, or none")
    intake, policy, records, privacy = (str(url).rstrip("/") for url in urls)
    return ServiceUrls(intake, policy, records, privacy)


def _docs_links(urls: ServiceUrls | None) -> list[tuple[str, str]]:
    """Each service's offline API docs (its /docs page), for the console's header."""
    names = [field.name for field in fields(ServiceUrls)]
    if urls is None:
        return [(name, f"/{name}/docs") for name in names]
    return [(name, f"{getattr(urls, name)}/docs") for name in names]


def _install_error_pages(app: FastAPI) -> None:
    """Console errors answer as pages in the user's language, never with a service's text."""

    def page(request: Request, status: int, key: str, field: str | None = None) -> HTMLResponse:
        language: Language = getattr(request.state, "language", DEFAULT_LANGUAGE)
        codec: SessionCodec = request.app.state.session_codec
        try:
            session = codec.decode(request.cookies.get(COOKIE_NAME, ""))
        except InvalidSessionError:
            session = ConsoleSession(csrf=new_csrf())
        visit = Visit(request, session, language, codec)
        return visit.render("error.html", status=status, message_key=key, field=field)

    async def console_error(request: Request, error: Exception) -> Response:
        if isinstance(error, SignInRequiredError):
            return RedirectResponse("/signin", status_code=303)
        if isinstance(error, InvalidSessionError):
            # Refused, and replaced by a fresh anonymous session: sign in again.
            language: Language = getattr(request.state, "language", DEFAULT_LANGUAGE)
            codec: SessionCodec = request.app.state.session_codec
            visit = Visit(request, ConsoleSession(csrf=new_csrf()), language, codec)
            return sign_in.sign_in_page(visit, 401, message("signin.again", language))
        if isinstance(error, CsrfError):
            return page(request, 403, "error.csrf")
        if isinstance(error, SignInRefusedError):
            return page(request, 403, "signin.refused")
        if isinstance(error, SignInFailedError):
            return page(request, error.status, error.message_key)
        if isinstance(error, BadInputError):
            return page(request, 422, "error.bad_input", error.field)
        if isinstance(error, UploadTooLargeError):
            mib = error.limit_bytes // (1024 * 1024)
            return page(request, 413, "error.upload_too_large", str(mib))
        if isinstance(error, ServiceRefusedError):
            if error.status == 401:  # the user's token expired: sign in again
                return RedirectResponse("/signin", status_code=303)
            key = {403: "error.forbidden", 404: "error.not_found"}.get(error.status, "error.title")
            return page(request, error.status if error.status in (403, 404) else 502, key)
        if isinstance(error, ServiceUnavailableError):
            return page(request, 502, "error.unavailable")
        return page(request, 500, "error.title")

    app.add_exception_handler(ConsoleError, console_error)
