"""The console in a real browser (Playwright + Debian's Chromium, headless) on the embedded
runtime: legal's main job end to end (its steps in journeys.py, shared with the distributed
runtime's test), the CSRF and session-cookie refusals, both languages.

Screenshots of the main pages land in docs/screenshots/ (shown in the README)."""

from urllib.parse import urlparse

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from services.runtime.embedded import SERVICES
from tests.browser import journeys
from tests.browser.conftest import SCREENSHOTS, ServedSystem
from tests.browser.journeys import VIEWPORT, Screenshots

COOKIE = "caselog_console"
ESCALATED_TICKET = "demo-4"  # services/runtime/demo.py: the threat's platform id


async def signed_in(browser: Browser, system: ServedSystem, role: str, locale: str) -> Page:
    return await journeys.signed_in(browser, system.console, role, locale)


async def test_legal_finds_a_case_by_ticket_moves_as_of_before_the_decision_and_reveals(
    browser: Browser, system: ServedSystem
) -> None:
    async with journeys.session(browser, system.console, "legal") as page:
        await journeys.legal_finds_and_reads_a_case(
            page,
            system.console,
            ESCALATED_TICKET,
            system.escalated_case_id,
            Screenshots(SCREENSHOTS),
        )


async def test_a_form_posted_without_its_csrf_token_is_refused(
    browser: Browser, system: ServedSystem
) -> None:
    page = await signed_in(browser, system, "legal", "en-US")
    await page.goto(f"{system.url}/cases/{system.escalated_case_id}")
    await page.fill("#purpose", "matter LIT-2026-8")
    await page.evaluate("document.querySelector('form.reveal input[name=csrf]').remove()")
    async with page.expect_response(lambda r: r.url.endswith("/reveal")) as posted:
        await page.locator("form.reveal button[type=submit]").click()
    answer = await posted.value
    assert answer.status == 403
    await expect(page.locator("[role=alert]")).to_contain_text("CSRF")
    await expect(page.get_by_test_id("access-recorded")).to_have_count(0)
    await page.context.close()


async def test_a_tampered_session_cookie_is_refused(browser: Browser, system: ServedSystem) -> None:
    page = await signed_in(browser, system, "legal", "en-US")
    context: BrowserContext = page.context
    (cookie,) = [c for c in await context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert not cookie["secure"]  # plain http on loopback; Secure is set over https
    payload, _, signature = cookie["value"].rpartition(".")
    # Another role in the payload, the old signature: what a forger would try.
    # A middle character: the last one of base64 may carry only padding bits.
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    await context.add_cookies([{**cookie, "value": f"{payload}.{flipped}"}])  # type: ignore[list-item]
    answer = await page.goto(f"{system.url}/cases/{system.escalated_case_id}")
    assert answer is not None
    assert answer.status == 401
    await expect(page.locator("[role=alert]")).to_contain_text("sign in again")
    await expect(page.get_by_test_id("decision")).to_have_count(0)
    await context.close()


async def test_the_pages_in_japanese(browser: Browser, system: ServedSystem) -> None:
    page = await signed_in(browser, system, "privacy_officer", "ja-JP")
    await expect(page.locator("h1")).to_contain_text("できること")
    await page.screenshot(path=SCREENSHOTS / "home-ja.png")
    await page.goto(f"{system.url}/cases/{system.escalated_case_id}")
    await expect(page.get_by_test_id("decision").locator(".badge")).to_have_text("エスカレーション")
    await page.screenshot(path=SCREENSHOTS / "case-ja.png", full_page=True)
    await page.get_by_test_id("tab-access").click()
    await expect(page.locator("h2#access-heading")).to_have_text("閲覧記録")
    await page.screenshot(path=SCREENSHOTS / "access-ja.png", full_page=True)
    # A hold placed through privacy's API is on the privacy page.
    async with httpx.AsyncClient(
        base_url=system.url, headers={"Authorization": f"Bearer {system.legal_token}"}
    ) as client:
        placed = await client.post(
            "/privacy/v1/holds",
            json={
                "case_id": system.escalated_case_id,
                "matter": "LIT-2026-7",
                "reason": "threat of violence: litigation expected (matter LIT-2026-7)",
            },
        )
    assert placed.status_code == 201, placed.text
    answer = await page.goto(f"{system.url}/privacy")
    assert answer is not None
    assert answer.status == 200
    await expect(page.locator("h1")).to_contain_text("個人情報保護")
    await expect(page.locator("#retention-heading")).to_have_text("保存期間")
    await expect(page.locator("section", has=page.locator("#holds-heading"))).to_contain_text(
        "LIT-2026-7"
    )
    await page.screenshot(path=SCREENSHOTS / "privacy-ja.png", full_page=True)
    # The switch: English from here on, whatever the browser asks for.
    await page.select_option("#lang", "en")
    await expect(page.locator("h1")).to_contain_text("Privacy: retention")
    await page.screenshot(path=SCREENSHOTS / "privacy-en.png", full_page=True)
    await page.context.close()


async def test_api_docs_render_their_operations_without_the_internet(
    browser: Browser, system: ServedSystem
) -> None:
    context = await browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    elsewhere: list[tuple[str, str]] = []

    async def loopback_only(route, request) -> None:  # type: ignore[no-untyped-def]
        if urlparse(request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:  # a CDN would be this: no network where legal teams sit
            elsewhere.append((request.resource_type, request.url))
            await route.abort()

    await context.route("**/*", loopback_only)
    page = await context.new_page()
    for service in SERVICES:
        # The operations the service declares, from its schema: each must be on the page.
        async with httpx.AsyncClient() as client:
            schema = (await client.get(f"{system.url}/{service}/openapi.json")).json()
        operations = [
            (path, operation["summary"])
            for path, methods in schema["paths"].items()
            if path.startswith("/v1/")
            for operation in methods.values()
        ]
        assert operations, service
        await page.goto(f"{system.url}/{service}/docs")
        for path, summary in operations[:3]:
            block = page.locator(".opblock-summary", has_text=path).first
            await expect(block).to_be_visible()
            await expect(
                page.locator(".opblock-summary-description", has_text=summary).first
            ).to_be_visible()
        if service == "records":
            await page.screenshot(path=SCREENSHOTS / "api-docs-records.png")
    await page.goto(f"{system.url}/records/redoc")
    # ReDoc draws each operation as a section headed by its summary.
    await expect(page.locator("h2", has_text="Timeline").first).to_be_visible()
    # Nothing the pages need came from elsewhere; ReDoc's own footer logo (an image from
    # cdn.redoc.ly, built into its bundle) is the one thing tried, and the page does without.
    assert [(kind, url) for kind, url in elsewhere if kind != "image"] == []
    await context.close()
