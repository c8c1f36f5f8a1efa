"""The console in a real browser (Playwright + Debian's Chromium, headless) on the embedded
runtime: legal's main job end to end, the CSRF and session-cookie refusals, both languages.

Screenshots of the main pages land in docs/screenshots/ (shown in the README)."""

from urllib.parse import parse_qs, urlparse

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from services.runtime.embedded import SERVICES
from tests.browser.conftest import SCREENSHOTS, ServedSystem

COOKIE = "caselog_console"
VIEWPORT = {"width": 1200, "height": 900}


async def signed_in(browser: Browser, system: ServedSystem, role: str, locale: str) -> Page:
    context = await browser.new_context(
        locale=locale,
        timezone_id="Asia/Tokyo",
        viewport=VIEWPORT,  # type: ignore[arg-type]
    )
    page = await context.new_page()
    await page.goto(f"{system.url}/")
    assert urlparse(page.url).path == "/signin"  # not signed in: sent to sign in
    await page.locator(f"label[for=role-{role}]").click()
    await page.locator("form[action='/signin/development'] button[type=submit]").click()
    await page.wait_for_url(f"{system.url}/")
    return page


async def test_legal_reads_a_case_moves_as_of_before_the_decision_and_reveals(
    browser: Browser, system: ServedSystem
) -> None:
    page = await signed_in(browser, system, "legal", "en-US")
    await expect(page.locator("h1")).to_contain_text("What you can do")
    await page.screenshot(path=SCREENSHOTS / "home-en.png")

    case_url = f"{system.url}/cases/{system.escalated_case_id}"
    answer = await page.goto(case_url)
    assert answer is not None
    assert answer.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    decision = page.get_by_test_id("decision")
    await expect(decision).to_have_count(1)
    await expect(decision.locator(".badge")).to_have_text("escalate")
    await expect(decision).to_contain_text("art. 10")  # the damages rule's article
    await expect(decision).to_contain_text("殺すぞ")  # the evidence the conduct rule cites
    rows = page.get_by_test_id("timeline").locator("tbody tr")
    await expect(rows).to_have_count(2)  # consultation.received, policy.decided
    opened = page.locator("dl.summary time").first
    # Shown in the viewer's zone (Asia/Tokyo here), the UTC value on hover.
    assert await opened.get_attribute("title") == "2026-11-02T01:00:00Z UTC"
    await expect(opened).to_contain_text("10:00")
    await page.screenshot(path=SCREENSHOTS / "case-en.png", full_page=True)

    # The as-of control: the case as recorded just after the consultation, before policy.
    option = page.locator("#as_of option", has_text="consultation.received")
    before_decision = await option.get_attribute("value")
    assert before_decision
    await page.select_option("#as_of", before_decision)  # the script submits on change
    await page.wait_for_url("**as_of=*")
    assert parse_qs(urlparse(page.url).query)["as_of"] == [before_decision]
    await expect(page.get_by_test_id("decision")).to_have_count(0)
    await expect(page.get_by_test_id("no-decision")).to_be_visible()
    await expect(rows).to_have_count(1)

    # Back to now, and reveal: a purpose first; the page says the access was recorded.
    await page.goto(case_url)
    body = page.locator("ol.thread .body").first
    await expect(body).to_contain_text("encrypted")
    await page.fill("#purpose", "matter LIT-2026-7")
    await page.locator("form.reveal button[type=submit]").click()
    recorded = page.get_by_test_id("access-recorded")
    await expect(recorded).to_contain_text("recorded in the log")
    await expect(recorded).to_contain_text("matter LIT-2026-7")
    # Plaintext, each fragment a rule fired on marked: the demand and the threat.
    await expect(body.locator("mark")).to_have_text(["返金", "殺すぞ"])
    # The access is in the case's record: the next read counts it and lists its event.
    await page.goto(case_url)
    await expect(page.get_by_test_id("timeline")).to_contain_text("access.recorded")
    # The access trail, its own tab: who revealed, why, which fields (never their values).
    await page.get_by_test_id("tab-access").click()
    await page.wait_for_url(f"{case_url}/access")
    trail = page.get_by_test_id("access-trail").locator("tbody tr")
    await expect(trail).to_have_count(1)
    await expect(trail).to_contain_text("console-dev-legal")
    await expect(trail).to_contain_text("matter LIT-2026-7")
    await expect(trail).not_to_contain_text("殺すぞ")
    await page.screenshot(path=SCREENSHOTS / "access-en.png", full_page=True)
    await page.context.close()


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
