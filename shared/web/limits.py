"""Request limits checked before any route runs: body size (413) and media type (415)."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import CaselogError
from shared.web.problems import problem

DEFAULT_MAX_BODY_BYTES = 256 * 1024
JSON_MEDIA_TYPES = ("application/json",)


class BodyLimitMiddleware:
    """Answers 413 for bodies over the limit, whether announced by Content-Length or streamed,
    and 415 for a body whose media type the service does not read. Nothing reaches a route."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope["headers"]
        }
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if (length not in (None, "0")) and media_type not in JSON_MEDIA_TYPES:
            reason = f"send the body as application/json, not {media_type or 'an unnamed type'}"
            await problem(415, reason, "content-type")(scope, receive, send)
            return
        await self.app(scope, self._counting(receive), send)

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def receive_counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLargeError(self.max_body_bytes)
            return message

        return receive_counted

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        reason = f"the body is larger than {self.max_body_bytes} bytes"
        await problem(413, reason, "body")(scope, receive, send)


class BodyTooLargeError(CaselogError):
    """A streamed body passed the limit (no Content-Length announced it): answered 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.field = "body"
