"""One request to the console: its session (from the signed cookie), language and rendering.

Every HTML answer goes through `Visit.render`, which re-signs the session cookie with the
attributes the issue asks for (HttpOnly, SameSite=Strict, Secure over https).
"""

import hmac
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment

from services.console.adapters.sessions import COOKIE_NAME, SessionCodec, new_csrf
from services.console.domain.language import LANGUAGES, Language, negotiate
from services.console.domain.messages import message, rule_name
from services.console.domain.session import ConsoleSession, SignedInUser
from services.console.service_layer.errors import ConsoleError, CsrfError
from shared.auth.roles import REVEALING_ROLES

LANGUAGE_COOKIE = "caselog_console_lang"
MAX_FORM_FIELDS = 20
MAX_FORM_BYTES = 16 * 1024  # the console's forms are a few short fields
# Past a limit the rest of a body is read and dropped, up to this much, so that the browser
# reads the console's answer instead of a connection reset in the middle of its upload.
DRAIN_BYTES = 64 * 1024 * 1024


class SignInRequiredError(ConsoleError):
    """A page that needs a signed-in user was asked for without one."""


@dataclass
class Visit:
    request: Request
    session: ConsoleSession
    language: Language
    codec: SessionCodec
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # a multipart form's files, by name

    @property
    def user(self) -> SignedInUser:
        if self.session.user is None:
            raise SignInRequiredError("sign in first")
        return self.session.user

    def t(self, key: str) -> str:
        return message(key, self.language)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        environment: Environment = self.request.app.state.templates
        page = environment.get_template(template).render(
            t=self.t,
            rule_name=lambda rule: rule_name(rule, self.language),
            language=self.language,
            languages=LANGUAGES,
            session=self.session,
            user=self.session.user,
            path=self.request.url.path,
            docs_links=self.request.app.state.docs_links,
            # The proof tab: records exports bundles to the revealing roles only.
            can_prove=bool(self.session.user and self.session.user.has_any(*REVEALING_ROLES)),
            **context,
        )
        response = HTMLResponse(page, status_code=status)
        self.keep_session(response)
        return response

    def redirect(self, to: str) -> RedirectResponse:
        response = RedirectResponse(to, status_code=303)
        self.keep_session(response)
        return response

    def keep_session(self, response: Response) -> None:
        response.set_cookie(
            COOKIE_NAME,
            self.codec.encode(self.session),
            max_age=self.codec.ttl_s,
            path="/",
            httponly=True,
            samesite="strict",
            secure=self.request.url.scheme == "https",
        )

    def check_csrf(self) -> None:
        """The posted form's `csrf` must be this session's secret (compared in constant time)."""
        if not hmac.compare_digest(self.form.get("csrf", ""), self.session.csrf):
            raise CsrfError("the form's CSRF token is missing or wrong")


def session_of(request: Request, codec: SessionCodec) -> ConsoleSession:
    """The cookie's session, a new anonymous one if there is none; `InvalidSessionError`
    (raised by the codec) if a cookie is there and does not verify."""
    value = request.cookies.get(COOKIE_NAME)
    if value is None:
        return ConsoleSession(csrf=new_csrf())
    return codec.decode(value)


async def visit(request: Request) -> Visit:
    codec: SessionCodec = request.app.state.session_codec
    language = negotiate(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )
    request.state.language = language  # for the error pages, which have no Visit
    return Visit(request, session_of(request, codec), language, codec)


async def form_visit(request: Request) -> Visit:
    """A visit posting a form: the form is read (urlencoded, as browsers send it) and its
    CSRF token checked before any route code runs."""
    current = await visit(request)
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        body = await read_body(request, MAX_FORM_BYTES)
        if body is None:
            raise CsrfError("a form larger than any console form")
        try:
            fields = parse_qs(
                body.decode("utf-8", errors="replace"),
                keep_blank_values=True,
                max_num_fields=MAX_FORM_FIELDS,
            )
        except ValueError:  # more fields than any console form has: not one of ours
            fields = {}
        current.form = {name: values[0] for name, values in fields.items()}
    current.check_csrf()
    return current


async def read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None if it is larger than `limit` bytes (its rest then read and dropped,
    up to DRAIN_BYTES)."""
    body = bytearray()
    dropped = 0
    async for chunk in request.stream():
        if len(body) + len(chunk) <= limit and not dropped:
            body += chunk
            continue
        dropped += len(chunk)
        if dropped > DRAIN_BYTES:
            break
    return None if dropped else bytes(body)


VisitDep = Annotated[Visit, Depends(visit)]
FormVisitDep = Annotated[Visit, Depends(form_visit)]


def safe_next(path: str | None) -> str:
    """Where to go back to after a form: a path on this console only (never //host)."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"
