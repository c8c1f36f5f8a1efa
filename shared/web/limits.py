"""Request limits checked before any route runs: header size (431), body size (413), media type
(415), and a JSON body a parser could not read without recursing too deep (422)."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.web.problems import problem

DEFAULT_MAX_BODY_BYTES = 256 * 1024
# Browsers and proxies keep a request's headers within 8-16 KiB (nginx: 4 x 8 KiB); a bearer
# token and a webhook's signature headers take well under 4 KiB.
DEFAULT_MAX_HEADER_BYTES = 16 * 1024
# No caselog body nests deeper than a handful of levels; a platform's payload a dozen. Past
# this, recursive parsers and copies (json, copy.deepcopy, pydantic) could exhaust the stack.
MAX_JSON_DEPTH = 64
JSON_MEDIA_TYPES = ("application/json",)
BODYLESS_METHODS = ("GET", "HEAD", "OPTIONS", "DELETE")


class RequestLimitMiddleware:
    """Answers 431, 413, 415 or 422 in the problem shape; nothing over a limit reaches a route.

    A body is read here, whether announced by Content-Length or streamed (chunked), so the
    limit and the media type hold for both; the route then reads the bytes read here.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header_bytes = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
        if header_bytes > self.max_header_bytes:
            reason = f"the request headers are larger than {self.max_header_bytes} bytes"
            await problem(431, reason, "headers")(scope, receive, send)
            return
        if scope["method"] in BODYLESS_METHODS:
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
        body, complete = await self._read(receive)
        if not complete:
            await self._too_large(scope, receive, send)
            return
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if body and media_type not in JSON_MEDIA_TYPES:
            reason = "send the body as application/json"  # the caller's type is not repeated
            await problem(415, reason, "content-type")(scope, receive, send)
            return
        if json_depth_exceeds(body, MAX_JSON_DEPTH):
            reason = f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels"
            await problem(422, reason, "body")(scope, receive, send)
            return
        await self.app(scope, _replaying(body, receive), send)

    async def _read(self, receive: Receive) -> tuple[bytes, bool]:
        """The body, and False if it passed the limit (reading stops there)."""
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), True  # the client left; the route sees an empty body
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_body_bytes:
                return b"", False
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), True

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        reason = f"the body is larger than {self.max_body_bytes} bytes"
        await problem(413, reason, "body")(scope, receive, send)


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """True if the brackets of `body` (outside strings) nest deeper than `limit`.

    Only bodies that contain that many opening brackets are scanned character by character;
    an ordinary body costs one `count` per bracket kind.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the route the body read already, then the client's own events."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
