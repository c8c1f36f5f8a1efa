"""The login/consent/logout pages a person answers at the identity provider, as a tiny app
(Hydra ships none): a form to type who you are and tick your caselog roles, consent given
at once, logout accepted. Each answer goes to Hydra's admin API (`provider.accept_*`).

The admin calls block: endpoints are plain functions (FastAPI runs them on a thread) or
hand them to a thread, so they never stall the event loop that serves the console too."""

import asyncio
from dataclasses import dataclass, field
from html import escape
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tests.integration.hydra.provider import (
    accept_consent,
    accept_login,
    accept_logout,
    login_request,
)

ROLES = ("agent", "supervisor", "legal", "privacy_officer", "admin", "no-such-role")


@dataclass
class LoginDesk:
    """What the app needs (Hydra's admin URL, set once Hydra runs) and what it saw."""

    admin_url: str = ""
    # Who typed their name into the form (a remembered session skips the form).
    logins: list[str] = field(default_factory=list)
    logouts: int = 0
    roles: dict[str, list[str]] = field(default_factory=dict)


def login_app(desk: LoginDesk) -> FastAPI:
    app = FastAPI()

    @app.get("/login", response_class=HTMLResponse, response_model=None)
    def login_page(login_challenge: str) -> str | RedirectResponse:
        asked = login_request(desk.admin_url, login_challenge)
        if asked["skip"]:  # the provider's session knows the user: no form, as real ones do
            subject = asked["subject"]
            return RedirectResponse(
                accept_login(desk.admin_url, login_challenge, subject, desk.roles[subject]),
                status_code=303,
            )
        boxes = "".join(
            f'<div><input type="checkbox" id="role-{role}" name="roles" value="{role}">'
            f'<label for="role-{role}">{role}</label></div>'
            for role in ROLES
        )
        return (
            "<!doctype html><title>Identity provider</title><h1>Identity provider</h1>"
            '<form method="post" action="/login">'
            f'<input type="hidden" name="challenge" value="{escape(login_challenge)}">'
            '<label for="subject">User</label> <input id="subject" name="subject">'
            f"<fieldset><legend>Roles</legend>{boxes}</fieldset>"
            '<button type="submit">Log in</button></form>'
        )

    @app.post("/login")
    async def login(request: Request) -> RedirectResponse:
        # Parsed here: FastAPI's Form() needs python-multipart, which caselog does not use.
        form = parse_qs((await request.body()).decode())
        (challenge,), (subject,) = form["challenge"], form["subject"]
        roles = form.get("roles", [])
        desk.logins.append(subject)
        desk.roles[subject] = roles
        accepted = await asyncio.to_thread(
            accept_login, desk.admin_url, challenge, subject, roles, remember=True
        )
        return RedirectResponse(accepted, status_code=303)

    @app.get("/consent")
    def consent(consent_challenge: str) -> RedirectResponse:
        return RedirectResponse(accept_consent(desk.admin_url, consent_challenge), status_code=303)

    @app.get("/logout")
    def logout(logout_challenge: str) -> RedirectResponse:
        desk.logouts += 1
        return RedirectResponse(accept_logout(desk.admin_url, logout_challenge), status_code=303)

    return app
