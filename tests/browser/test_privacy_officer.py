"""The privacy officer's main job in a real browser (Playwright + Debian's Chromium) on the
embedded runtime with its demo cases (the steps in journeys.py): the retention lists, a hold
placed, a DSAR export read and downloaded, a subject erased after the typed confirmation, and
a receipt downloaded that verifies with privacy's key pinned, then listed as bound to the log.

The embedded runtime cannot age a case (its clock is the wall clock), so the demo cases are
not yet due: the test checks the due list is shown, not that a case is on it (the distributed
runtime's test, with a retention of zero days, sees a due case)."""

import re

from playwright.async_api import Browser, expect

from tests.browser import journeys
from tests.browser.conftest import SCREENSHOTS, ServedSystem
from tests.browser.journeys import Screenshots
from tests.browser.test_console import signed_in

SUBJECT = "jane.doe@example.com"  # services/runtime/demo.py: JANE


async def test_the_privacy_officer_holds_exports_erases_and_verifies_a_receipt(
    browser: Browser, system: ServedSystem
) -> None:
    page = await signed_in(browser, system, "privacy_officer", "en-US")
    await journeys.privacy_officer_holds_exports_erases_and_verifies(
        page,
        system.console,
        SUBJECT,
        held_case=system.demo_case_ids[0],
        due_case=None,
        shots=Screenshots(SCREENSHOTS),
    )

    # Records reads the erasure's events from the bus and signs a checkpoint over them; then
    # the list shows the receipt bound to the log (privacy checks records' binding with the
    # log's key pinned, the embedded runtime's own).
    await journeys.until_reloaded(
        page, f"{system.url}/requests", "text=bound to the log at checkpoint"
    )
    receipts = page.locator("table:has(th:text-is('Verification'))")
    await expect(receipts).to_contain_text(re.compile(r"bound to the log at checkpoint \d+"))
    await page.screenshot(path=SCREENSHOTS / "privacy-receipt-bound-en.png", full_page=True)

    japanese = await signed_in(browser, system, "privacy_officer", "ja-JP")
    await japanese.goto(f"{system.url}/requests")
    await expect(japanese.locator("h1")).to_have_text("本人からの請求")
    await expect(japanese.locator(".badge.verified").first).to_have_text("検証済み")
    await expect(japanese.locator("body")).to_contain_text("ログに結び付け済み")
    await japanese.screenshot(path=SCREENSHOTS / "privacy-requests-ja.png", full_page=True)
