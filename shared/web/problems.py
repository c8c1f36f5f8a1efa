"""Errors as JSON problems `{status, field?, reason}`: what to fix, never a stack trace or input."""

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth.errors import ForbiddenError, NotAuthenticatedError
from shared.bus.errors import BusError
from shared.database import DatabaseUnavailableError
from shared.errors import CaselogError
from shared.validation import field_problems

log = structlog.get_logger(__name__)

# A CaselogError whose class (or a base class) is not mapped answers 400.
DEFAULT_STATUS = 400
DEFAULT_ERROR_STATUSES: Mapping[type[CaselogError], int] = {
    NotAuthenticatedError: 401,
    ForbiddenError: 403,
    BusError: 503,
    DatabaseUnavailableError: 503,
}
FASTAPI_UNPARSABLE_BODY = "There was an error parsing the body"
UNPARSABLE_BODY_REASON = "the body is not a JSON document in UTF-8"
INTERNAL_ERROR_REASON = "internal error; quote the X-Request-ID of this response when reporting it"


def problem(status: int, reason: str, field: str | None = None, **extra: Any) -> JSONResponse:
    """The one error body every service returns."""
    body: dict[str, Any] = {"status": status, "reason": reason}
    if field is not None:
        body["field"] = field
    return JSONResponse({**body, **extra}, status_code=status)


def install_problem_handlers(app: FastAPI, statuses: Mapping[type[CaselogError], int]) -> None:
    """Answer CaselogError, request validation and HTTP errors in the problem shape.

    A CaselogError may carry a `field` attribute (str) naming the input to fix.
    """

    async def caselog_error(request: Request, error: Exception) -> JSONResponse:
        status = next(
            (statuses[kind] for kind in type(error).__mro__ if kind in statuses), DEFAULT_STATUS
        )
        field = getattr(error, "field", None)
        log.info("request refused", status=status, error_type=type(error).__name__)
        return problem(status, str(error), field if isinstance(field, str) else None)

    async def invalid_request(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        # FastAPI's own answer echoes the input, which is personal data here.
        # A body field is named by its path in the body ("customer.name"); query, path
        # and header problems keep their prefix ("header.Idempotency-Key").
        items = [
            {**item, "loc": tuple(item["loc"])[1:]} if tuple(item["loc"])[:1] == ("body",) else item
            for item in error.errors()
        ]
        found = field_problems(items)
        details = [{"field": item.field, "reason": item.reason} for item in found]
        return problem(422, found[0].reason, found[0].field, errors=details)

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        if error.status_code == 400 and error.detail == FASTAPI_UNPARSABLE_BODY:
            # FastAPI's answer when reading the body fails other than by a JSON syntax error
            # (bytes that are not UTF-8, a parser giving up): a body problem like any other.
            return problem(422, UNPARSABLE_BODY_REASON, "body")
        response = problem(error.status_code, str(error.detail))
        response.headers.update(error.headers or {})
        if error.status_code == 405:
            # Starlette names the methods of the first route on the path only; a path served
            # by several routes (GET and POST /v1/holds) allows what all of them allow.
            response.headers["Allow"] = ", ".join(_allowed_methods(request))
        return response

    app.add_exception_handler(CaselogError, caselog_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes on this path (routers included into the app hide their
    routes' methods, so each method is tried against the app's routes)."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


class UnexpectedErrorMiddleware:
    """Turns any other exception into a generic 500 and logs it (redacted, without locals)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracking_start)
        except Exception as error:  # the last line of defence for a request
            log.exception("unhandled error", error_type=type(error).__name__)
            if started:
                raise  # too late to answer; the server closes the connection
            await problem(500, INTERNAL_ERROR_REASON)(scope, receive, send)
