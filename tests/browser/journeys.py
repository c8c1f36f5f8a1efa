"""Each user's main job in the console, step by step, written once: the embedded runtime's
browser tests and the distributed one walk the same steps, given where the console is.

What differs between the runtimes is passed in (which case, which subject, whether a case
can be due yet); the steps and what they check do not."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
from playwright.async_api import Browser, Page, expect

from services.privacy.adapters.signing import verify_receipt

VIEWPORT = {"width": 1200, "height": 900}
DECISION = "[data-testid=decision]"
RELOADS = 60  # of half a second: records and policy follow asynchronously
PURPOSE = "matter LIT-2026-7"
MATTER = "L-2026-0077"


@dataclass(frozen=True)
class Console:
    """Where the console serves, and what a journey asks a service directly, as a user
    pinning a key would: privacy's API and a token to read its receipt key with."""

    url: str
    privacy_api: str
    api_token: str


@dataclass(frozen=True)
class Screenshots:
    """Where the pages are photographed (docs/screenshots/), or nowhere: one runtime's
    pictures are the README's, another run must not overwrite them."""

    folder: Path | None

    async def take(self, page: Page, name: str, *, full_page: bool = True) -> None:
        if self.folder is not None:
            await page.screenshot(path=self.folder / name, full_page=full_page)


async def signed_in(browser: Browser, console: Console, role: str, locale: str) -> Page:
    """A new browser context signed in by the development role picker."""
    context = await browser.new_context(
        locale=locale,
        timezone_id="Asia/Tokyo",
        viewport=VIEWPORT,  # type: ignore[arg-type]
    )
    page = await context.new_page()
    await page.goto(f"{console.url}/")
    assert urlparse(page.url).path == "/signin"  # not signed in: sent to sign in
    await page.locator(f"label[for=role-{role}]").click()
    await page.locator("form[action='/signin/development'] button[type=submit]").click()
    await page.wait_for_url(f"{console.url}/")
    return page


@contextlib.asynccontextmanager
async def session(
    browser: Browser, console: Console, role: str, locale: str = "en-US"
) -> AsyncIterator[Page]:
    """A page signed in as `role`, its browser context closed afterwards."""
    page = await signed_in(browser, console, role, locale)
    try:
        yield page
    finally:
        await page.context.close()


async def legal_finds_and_reads_a_case(
    page: Page, console: Console, ticket: str, case_id: str, shots: Screenshots
) -> None:
    """Legal finds the escalated threat (services/runtime/demo.py's fourth consultation) by
    its ticket id, reads the decision and the timeline, moves as-of to before the decision
    and sees it gone, reveals with a purpose and finds the access in the trail."""
    await expect(page.locator("h1")).to_contain_text("What you can do")
    await shots.take(page, "home-en.png", full_page=False)

    await page.goto(f"{console.url}/search")
    await page.fill("#ticket", ticket)
    await page.locator("form[action='/search'] button[type=submit]").click()
    await page.wait_for_url("**/search?*")
    found = page.locator("table.results tbody tr")
    await expect(found).to_have_count(1)
    await expect(found).to_contain_text(ticket)
    case_url = f"{console.url}/cases/{case_id}"
    async with page.expect_response(case_url) as opened:
        await found.locator(f"a[href='/cases/{case_id}']").click()
    answer = await opened.value
    assert answer.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    decision = page.get_by_test_id("decision")
    await expect(decision).to_have_count(1)
    await expect(decision.locator(".badge")).to_have_text("escalate")
    await expect(decision).to_contain_text("art. 10")  # the damages rule's article
    await expect(decision).to_contain_text("殺すぞ")  # the evidence the conduct rule cites
    rows = page.get_by_test_id("timeline").locator("tbody tr")
    await expect(rows).to_have_count(2)  # consultation.received, policy.decided
    opened_at = page.locator("dl.summary time").first
    # Shown in the viewer's zone (Asia/Tokyo here), the UTC value on hover.
    assert await opened_at.get_attribute("title") == "2026-11-02T01:00:00Z UTC"
    await expect(opened_at).to_contain_text("10:00")
    await shots.take(page, "case-en.png")

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
    await page.fill("#purpose", PURPOSE)
    await page.locator("form.reveal button[type=submit]").click()
    recorded = page.get_by_test_id("access-recorded")
    await expect(recorded).to_contain_text("recorded in the log")
    await expect(recorded).to_contain_text(PURPOSE)
    # Plaintext, each fragment a rule fired on marked: the demand and the threat.
    await expect(body.locator("mark")).to_have_text(["返金", "殺すぞ"])
    # The access is in the case's record once records consumed it: a reload lists its event.
    await until_reloaded(page, case_url, "[data-testid=timeline] tr:has-text('access.recorded')")
    # The access trail, its own tab: who revealed, why, which fields (never their values).
    await page.get_by_test_id("tab-access").click()
    await page.wait_for_url(f"{case_url}/access")
    trail = page.get_by_test_id("access-trail").locator("tbody tr")
    await expect(trail).to_have_count(1)
    await expect(trail).to_contain_text("console-dev-legal")
    await expect(trail).to_contain_text(PURPOSE)
    await expect(trail).not_to_contain_text("殺すぞ")
    await shots.take(page, "access-en.png")


async def open_proof(page: Page, console: Console, case_id: str) -> None:
    await page.goto(f"{console.url}/cases/{case_id}")
    await page.get_by_test_id("tab-proof").click()
    await expect(page.get_by_test_id("proof-checks")).to_be_visible()


async def legal_downloads_the_verified_proof(
    page: Page, console: Console, case_id: str, shots: Screenshots
) -> None:
    """The proof tab shows the bundle records just produced verified against the pinned key;
    the bundle and the exhibit PDF download."""
    await open_proof(page, console, case_id)
    await expect(page.get_by_test_id("proof-verdict")).to_have_text("The bundle verifies.")
    assert await page.locator('[data-state="failed"]').count() == 0
    assert await page.locator('[data-state="passed"]').count() == 4
    # A signed note: the body, a blank line, then signature lines starting with an em dash.
    await expect(page.get_by_test_id("proof-checkpoint")).to_contain_text("\u2014 ")
    await shots.take(page, "proof-en.png")
    async with page.expect_download() as bundle_info:
        await page.get_by_test_id("download-bundle").click()
    bundle = await bundle_info.value
    assert b'"caselog.bundle.v1"' in (await bundle.path()).read_bytes()
    async with page.expect_download() as pdf_info:
        await page.get_by_test_id("download-exhibit").click()
    pdf = await pdf_info.value
    assert (await pdf.path()).read_bytes().startswith(b"%PDF")


async def privacy_officer_holds_exports_erases_and_verifies(
    page: Page,
    console: Console,
    subject: str,
    held_case: str,
    due_case: str | None,
    shots: Screenshots,
) -> None:
    """The retention lists (with `due_case` on the due list; None: a runtime that cannot
    age a case, where the due list is shown empty), a hold placed on `held_case`, a DSAR
    export of `subject` read and downloaded, the subject erased after the typed
    confirmation, and a receipt downloaded that verifies with privacy's key pinned (the
    library `caselog verify-receipt` calls)."""
    await page.goto(f"{console.url}/privacy")
    await expect(page.locator("#retention-heading")).to_be_visible()
    if due_case is None:
        await expect(page.get_by_role("heading", name="Due 0", exact=True)).to_be_visible()
    else:
        due_list = page.locator("table:has(> caption:text-is('Due'))")
        await expect(due_list.locator(f"a[href='/cases/{due_case}']")).to_be_visible()
    await page.fill("#hold-case", held_case)
    await page.fill("#hold-matter", MATTER)
    await page.fill("#hold-reason", "pending litigation")
    await page.locator("form[action='/holds'] button[type=submit]").click()
    await expect(page.get_by_role("status")).to_contain_text("The hold was placed.")

    await page.goto(f"{console.url}/requests")
    await page.fill("#access-subject", subject)
    await page.locator("form[action='/requests/access'] button").click()
    await expect(page.locator("h1")).to_have_text("Access export")
    assert subject not in page.url
    assert subject not in await page.title()
    async with page.expect_download() as exported:
        await page.locator("form[action$='/export.json'] button").click()
    export_text = (await (await exported.value).path()).read_text()
    assert '"cases"' in export_text
    async with page.expect_download() as printed:
        await page.get_by_test_id("export-pdf").click()
    pdf = await printed.value
    assert subject not in pdf.suggested_filename
    assert pdf.suggested_filename.endswith(".pdf")
    assert (await pdf.path()).read_bytes().startswith(b"%PDF")

    await page.goto(f"{console.url}/requests")
    await shots.take(page, "privacy-requests-en.png")
    await _erase_confirming_as(page, subject, "someone.else@example.com")
    await expect(page.locator("body")).to_contain_text("confirm_subject")
    # The preview came from a POST and is not cached (no-store): ask for it again.
    await page.goto(f"{console.url}/requests")
    await _erase_confirming_as(page, subject, subject)
    await expect(page.get_by_role("status")).to_have_text("The subject was erased.")
    await expect(page.locator(".badge.verified")).to_be_visible()
    async with page.expect_download() as downloaded:
        await page.get_by_role("link", name="Download the receipt (JSON)").click()
    receipt_file = (await (await downloaded.value).path()).read_bytes()

    async with httpx.AsyncClient(base_url=console.privacy_api) as client:
        answer = await client.get(
            "/v1/receipts/key", headers={"Authorization": f"Bearer {console.api_token}"}
        )
    verified = verify_receipt(receipt_file, answer.json()["verifier_key"])
    assert verified.receipt.erased_case_ids, "the subject's cases were erased"
    assert held_case not in verified.receipt.erased_case_ids or verified.receipt.held_cases


async def _erase_confirming_as(page: Page, subject: str, typed: str) -> None:
    """From the requests page: the erasure's preview of `subject`, then the confirmation
    with `typed` where the officer types the subject again."""
    await page.fill("#erasure-subject", subject)
    await page.locator("form[action='/requests/erasure/preview'] button").click()
    await expect(page.get_by_role("heading", name="Cases whose keys are destroyed")).to_be_visible()
    await page.fill("#confirm-subject", typed)
    await page.locator("form[action='/requests/erasure'] button").click()


async def agent_answers_closes_and_sees_the_decision(
    page: Page, console: Console, case_id: str, shots: Screenshots
) -> None:
    """An agent records a final answer on `case_id`, asks to close it after the record
    check, and sees policy's decision on the close appear."""
    case_url = f"{console.url}/cases/{case_id}"
    await page.goto(case_url)
    before = await page.locator(DECISION).count()

    await page.select_option("#contact-kind", "agent_response")
    await page.fill("#contact-body", "A replacement was shipped today. This is our final answer.")
    await page.check("#contact-final")
    await page.locator(f"form[action='/cases/{case_id}/contacts'] button").click()
    await expect(page.get_by_test_id("action-recorded")).to_contain_text("recorded")
    # Records has the response once it consumed it: the check turns present on a reload.
    handler = "[data-testid=record-checks] li[data-item=handler].present"
    await until_reloaded(page, case_url, handler)

    await page.select_option("#close-reason", "satisfied")
    await page.check("#close-confirm")
    await page.locator(f"form[action='/cases/{case_id}/close'] button").click()
    await expect(page.get_by_test_id("action-recorded")).to_contain_text("close request")
    await until_reloaded(page, case_url, DECISION, before + 1)
    await shots.take(page, "case-agent-en.png")


async def until_reloaded(page: Page, url: str, selector: str, at_least: int = 1) -> None:
    """Records and policy follow asynchronously: load `url` again, as the page's link
    offers, until the page shows `at_least` of `selector`. The page is loaded first: the one
    shown before may hold the same text (a receipt's page and the list of requests both say
    "bound to the log")."""
    for _ in range(RELOADS):
        await page.goto(url)
        if await page.locator(selector).count() >= at_least:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"fewer than {at_least} of {selector} on {url} after {RELOADS / 2} s")
