"""Request and correlation ids for every HTTP request: taken or generated, echoed, bound to logs.

Hand-written rather than `asgi-correlation-id`: that library reads a single header, while
we keep two ids apart (X-Request-ID for this hop, X-Correlation-ID for the whole chain,
which becomes the `correlation_id` of the events a request causes), and it stores the id
in a context variable of its own where we need structlog's. What remains is a few lines.
"""

import re
from uuid import uuid4

import structlog
from fastapi import Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.ids import IDENTIFIER_PATTERN

REQUEST_ID_HEADER = "X-Request-ID"
CORRELATION_ID_HEADER = "X-Correlation-ID"

_ACCEPTABLE_ID = re.compile(IDENTIFIER_PATTERN)


def _accept(value: str | None) -> str | None:
    # A caller's id is logged and stored in events, so it must look like an id, not data.
    return value if value is not None and _ACCEPTABLE_ID.fullmatch(value) else None


class RequestContextMiddleware:
    """Puts `request_id` and `correlation_id` into the request state, the logs and the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = _accept(headers.get(REQUEST_ID_HEADER)) or str(uuid4())
        correlation_id = _accept(headers.get(CORRELATION_ID_HEADER)) or request_id
        scope.setdefault("state", {}).update(request_id=request_id, correlation_id=correlation_id)

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers[REQUEST_ID_HEADER] = request_id
                response_headers[CORRELATION_ID_HEADER] = correlation_id
            await send(message)

        with structlog.contextvars.bound_contextvars(
            request_id=request_id, correlation_id=correlation_id
        ):
            await self.app(scope, receive, send_with_ids)


async def request_correlation_id(request: Request) -> str:
    """The correlation id of the current request (a FastAPI dependency for routes; async,
    so FastAPI calls it in the event loop rather than in a worker thread)."""
    return str(request.state.correlation_id)
