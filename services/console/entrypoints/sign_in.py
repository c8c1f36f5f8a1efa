"""Signing in and out: OpenID Connect (production, and development where configured), the
development role picker (development only), and sign-out, which also ends the provider's
session when the user came through it."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.console.adapters.oidc_sign_in import FLOW_COOKIE, FLOW_PATH, FLOW_TTL_S, OidcSignIn
from services.console.adapters.sessions import new_csrf
from services.console.entrypoints.visits import FormVisitDep, Visit, VisitDep
from services.console.service_layer.errors import (
    BadInputError,
    SignInFailedError,
    SignInRefusedError,
)
from shared.auth.roles import Role

router = APIRouter(include_in_schema=False)
CALLBACK_PATH = f"{FLOW_PATH}/callback"
SIGN_IN_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.LEGAL, Role.PRIVACY_OFFICER, Role.ADMIN)


def sign_in_page(visit: Visit, status: int = 200, notice: str | None = None) -> HTMLResponse:
    """The sign-in page with the methods this console offers (503 if it offers none)."""
    state = visit.request.app.state
    development = state.development_sign_in is not None
    oidc = state.oidc_sign_in is not None
    return visit.render(
        "signin.html",
        status=status if development or oidc else 503,
        development=development,
        oidc=oidc,
        roles=SIGN_IN_ROLES,
        notice=notice,
    )


@router.get("/signin", response_class=HTMLResponse)
async def sign_in(visit: VisitDep) -> Response:
    return sign_in_page(visit)


@router.post("/signin/development")
async def sign_in_for_development(visit: FormVisitDep) -> Response:
    method = visit.request.app.state.development_sign_in
    if method is None:
        raise SignInRefusedError("development sign-in is refused in production")
    try:
        role = Role(visit.form.get("role", ""))
    except ValueError:
        raise BadInputError("role") from None
    if role not in SIGN_IN_ROLES:
        raise BadInputError("role")
    visit.session = visit.session.signed_in(method.sign_in(role), new_csrf())
    return visit.redirect("/")


@router.post(FLOW_PATH)
async def sign_in_with_provider(visit: FormVisitDep) -> Response:
    """Off to the identity provider (a form, so it carries the CSRF token); the flow's
    state waits in its own cookie."""
    provider = _provider(visit)
    destination, flow = await provider.start(visit.request, _public(visit.request, CALLBACK_PATH))
    response = onward(visit, destination, "signin.to_provider", "signin.continue_provider")
    response.set_cookie(
        FLOW_COOKIE,
        flow,
        max_age=FLOW_TTL_S,
        path=FLOW_PATH,
        httponly=True,
        # Lax, not Strict: the provider brings the browser back from another site.
        samesite="lax",
        secure=visit.request.url.scheme == "https",
    )
    return response


@router.get(CALLBACK_PATH, response_class=HTMLResponse)
async def provider_callback(visit: VisitDep) -> Response:
    provider = _provider(visit)
    user = await provider.finish(visit.request, visit.request.cookies.get(FLOW_COOKIE))
    visit.session = visit.session.signed_in(user, new_csrf())
    response = onward(visit, "/", "signin.done", "signin.continue")
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


@router.post("/signout")
async def sign_out(visit: FormVisitDep) -> Response:
    user = visit.session.user
    visit.session = visit.session.signed_out(new_csrf())
    provider: OidcSignIn | None = visit.request.app.state.oidc_sign_in
    if user is not None and user.method == "oidc" and provider is not None:
        logout = await provider.sign_out_url(user, _public(visit.request, "/signin"))
        if logout is not None:
            return onward(visit, logout, "signout.to_provider", "signin.continue_provider")
    return visit.redirect("/signin")


def onward(visit: Visit, destination: str, heading: str, link: str) -> HTMLResponse:
    """A page that moves the browser on to `destination` at once (and a link, if it does
    not). Used where a redirect would do elsewhere: a redirect answering a form is held to
    the Content-Security-Policy's `form-action 'self'` all along its chain (the provider's
    own pages included), and one answering the provider's callback would arrive without
    the SameSite=Strict session cookie."""
    return visit.render("onward.html", onward=destination, heading=heading, link=link)


def _provider(visit: Visit) -> OidcSignIn:
    provider: OidcSignIn | None = visit.request.app.state.oidc_sign_in
    if provider is None:
        raise SignInFailedError("signin.no_provider", status=404)
    return provider


def _public(request: Request, path: str) -> str:
    """`path` on the console as the provider must see it (registered with the client): under
    CASELOG_CONSOLE_PUBLIC_URL, else under the address this request came to."""
    base: str | None = request.app.state.public_url
    return (base or str(request.base_url).rstrip("/")) + path
