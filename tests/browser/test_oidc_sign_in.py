"""Production sign-in in a real browser: the console (environment=production, so OpenID
Connect is its only way in) signs people in through a real Ory Hydra with the authorization
code flow and PKCE, maps their roles from the ID token's claim, and signs them out at Hydra
too; a tampered session cookie and a form without its CSRF token are refused.

Hydra is named `localhost` and the console `127.0.0.1`: two sites, as a real provider and
console are, so the SameSite rules the browser applies on the way back are the real ones.
The services (the embedded system) trust Hydra's keys only."""

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from playwright.async_api import Browser, Page, expect
from pydantic import SecretStr

from services.console.entrypoints.http import create_app
from services.console.settings import ConsoleSettings
from services.runtime.embedded import data_dir_settings, embedded_app
from shared.settings import load_settings
from tests.browser.conftest import ESCALATED_DEMO, REPO_ROOT, SCREENSHOTS, until_decided
from tests.integration.databases import fresh_database
from tests.integration.hydra.login_app import LoginDesk, login_app
from tests.integration.hydra.provider import (
    ProviderPages,
    RunningHydra,
    create_client,
    hydra,
    hydra_dsn,
    point_client_at,
    sign_in,
)
from tests.integration.serving import serving

AUDIENCE = "caselog"
COOKIE = "caselog_console"
FLOW_COOKIE = "caselog_console_signin"


@dataclass(frozen=True)
class ProductionConsole:
    url: str
    desk: LoginDesk
    provider: RunningHydra
    escalated_case_id: str


@pytest.fixture(scope="module")
async def console(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str
) -> AsyncIterator[ProductionConsole]:
    # Hydra keeps its store in a database of its own on the suite's PostgreSQL server.
    server = postgres_url
    folder = tmp_path_factory.mktemp("oidc")
    desk = LoginDesk()
    async with fresh_database(server) as database, serving(login_app(desk)) as login_url:
        pages = ProviderPages.under(login_url.replace("127.0.0.1", "localhost"))
        with hydra(folder, hydra_dsn(database), pages, public_host="localhost") as provider:
            desk.admin_url = provider.admin_url
            services_settings = data_dir_settings(
                load_settings(
                    service_name="caselog",
                    topics_file=REPO_ROOT / "deploy" / "kafka" / "topics.toml",
                    http_host="127.0.0.1",
                    auth_jwks_url=provider.jwks_url,
                    auth_issuer=provider.issuer,
                    auth_audience=AUDIENCE,
                ),
                folder / "data",
            )
            system = embedded_app(services_settings, folder / "data")
            async with serving(system) as services:
                client_id, client_secret = create_client(
                    provider, AUDIENCE, auth_method="client_secret_basic"
                )
                app = create_app(
                    load_settings(
                        service_name="console", environment="production", auth_audience=AUDIENCE
                    ),
                    ConsoleSettings(
                        session_secret=SecretStr(secrets.token_urlsafe(32)),
                        intake_url=f"{services}/intake",
                        policy_url=f"{services}/policy",
                        records_url=f"{services}/records",
                        privacy_url=f"{services}/privacy",
                        oidc_issuer=provider.issuer,
                        oidc_client_id=client_id,
                        oidc_client_secret=SecretStr(client_secret),
                        oidc_audience=AUDIENCE,
                    ),
                )
                async with serving(app) as url:
                    point_client_at(
                        provider, client_id, f"{url}/signin/oidc/callback", f"{url}/signin"
                    )
                    case_ids: list[str] = system.state.demo_case_ids
                    token = sign_in(
                        provider,
                        create_client(provider, AUDIENCE),
                        subject="fixture",
                        roles=["legal"],
                        audience=AUDIENCE,
                    )
                    await until_decided(f"{services}/records", token, case_ids)
                    yield ProductionConsole(url, desk, provider, case_ids[ESCALATED_DEMO])


async def through_provider(
    browser: Browser, console: ProductionConsole, user: str, *roles: str
) -> Page:
    """A new browser that signs in on the provider's own login form."""
    context = await browser.new_context(locale="en-US", timezone_id="Asia/Tokyo")
    page = await context.new_page()
    await page.goto(f"{console.url}/")
    assert urlparse(page.url).path == "/signin"
    if not (SCREENSHOTS / "signin-oidc-en.png").exists():
        await page.screenshot(path=SCREENSHOTS / "signin-oidc-en.png")
    await page.get_by_test_id("signin-oidc").click()
    await log_in_at_provider(page, user, *roles)
    return page


async def log_in_at_provider(page: Page, user: str, *roles: str) -> None:

    await page.wait_for_url("http://localhost:*/login?*")
    await page.fill("#subject", user)
    for role in roles:
        await page.check(f"#role-{role}")
    await page.locator("button[type=submit]").click()


async def test_legal_signs_in_at_the_provider_reads_a_case_and_signs_out_there_too(
    browser: Browser, console: ProductionConsole
) -> None:
    page = await through_provider(browser, console, "legal-officer-1", "legal", "no-such-role")
    await page.wait_for_url(f"{console.url}/")
    await expect(page.locator("h1")).to_contain_text("What you can do")
    # Roles from the ID token's claim: legal (the unknown one ignored), so legal's abilities.
    await expect(page.locator(".who")).to_contain_text("Legal")
    await expect(page.locator("main")).to_contain_text("Reveal personal data")
    cookies = {cookie["name"]: cookie for cookie in await page.context.cookies()}
    assert cookies[COOKIE]["httpOnly"]
    assert cookies[COOKIE]["sameSite"] == "Strict"
    assert FLOW_COOKIE not in cookies  # the flow's state is spent
    # The services accept the provider's access token the console holds for the user.
    await page.goto(f"{console.url}/cases/{console.escalated_case_id}")
    await expect(page.get_by_test_id("decision").locator(".badge")).to_have_text("escalate")

    logouts = console.desk.logouts
    await page.locator("form[action='/signout'] button[type=submit]").click()
    await page.wait_for_url(f"{console.url}/signin*")
    assert console.desk.logouts == logouts + 1  # the provider's logout page was passed
    await page.goto(f"{console.url}/")
    assert urlparse(page.url).path == "/signin"
    # The provider's session ended too: signing in again asks who you are (a remembered
    # session would have skipped its form).
    await page.get_by_test_id("signin-oidc").click()
    await log_in_at_provider(page, "legal-officer-1", "legal")
    await page.wait_for_url(f"{console.url}/")
    assert console.desk.logins.count("legal-officer-1") == 2
    await page.context.close()


async def test_roles_are_mapped_and_an_account_without_one_is_refused(
    browser: Browser, console: ProductionConsole
) -> None:
    agent = await through_provider(browser, console, "agent-7", "agent")
    await agent.wait_for_url(f"{console.url}/")
    await expect(agent.locator(".who")).to_contain_text("Support agent")
    await expect(agent.locator("main")).not_to_contain_text("Reveal personal data")
    await agent.context.close()

    stranger = await through_provider(browser, console, "stranger", "no-such-role")
    await stranger.wait_for_url(f"{console.url}/signin/oidc/callback*")
    await expect(stranger.locator("[role=alert]")).to_contain_text("no caselog role")
    await stranger.goto(f"{console.url}/")
    assert urlparse(stranger.url).path == "/signin"
    await stranger.context.close()


async def test_a_tampered_session_cookie_is_refused(
    browser: Browser, console: ProductionConsole
) -> None:
    page = await through_provider(browser, console, "legal-officer-2", "legal")
    await page.wait_for_url(f"{console.url}/")
    (cookie,) = [c for c in await page.context.cookies() if c["name"] == COOKIE]
    payload, _, signature = cookie["value"].rpartition(".")
    # A middle character: the last one of base64 may carry only padding bits.
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    await page.context.add_cookies([{**cookie, "value": f"{payload}.{flipped}"}])  # type: ignore[list-item]
    answer = await page.goto(f"{console.url}/cases/{console.escalated_case_id}")
    assert answer is not None
    assert answer.status == 401
    await expect(page.locator("[role=alert]")).to_contain_text("sign in again")
    await expect(page.get_by_test_id("decision")).to_have_count(0)
    await page.context.close()


async def test_a_sign_out_posted_without_its_csrf_token_is_refused(
    browser: Browser, console: ProductionConsole
) -> None:
    page = await through_provider(browser, console, "legal-officer-3", "legal")
    await page.wait_for_url(f"{console.url}/")
    await page.evaluate(
        "document.querySelector('form[action=\"/signout\"] input[name=csrf]').remove()"
    )
    async with page.expect_response(lambda r: r.url.endswith("/signout")) as posted:
        await page.locator("form[action='/signout'] button[type=submit]").click()
    assert (await posted.value).status == 403
    await expect(page.locator("[role=alert]")).to_contain_text("CSRF")
    await page.goto(f"{console.url}/")
    await expect(page.locator(".who")).to_contain_text("Legal")  # still signed in
    await page.context.close()
