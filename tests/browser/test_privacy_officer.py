"""The privacy officer's main job in a real browser (Playwright + Debian's Chromium) on the
embedded runtime with its demo cases: the retention lists, a hold placed, a DSAR export read
and downloaded, a subject erased after the typed confirmation, and a receipt downloaded that
verifies with privacy's key pinned (the library `caselog verify-receipt` calls).

The embedded runtime cannot age a case (its clock is the wall clock), so the demo cases are
not yet due: the test checks the due list is shown, not that a case is on it."""

import httpx
from playwright.async_api import Browser, expect

from services.privacy.adapters.signing import verify_receipt
from tests.browser.conftest import SCREENSHOTS, ServedSystem
from tests.browser.test_console import signed_in

SUBJECT = "jane.doe@example.com"  # services/runtime/demo.py: JANE
MATTER = "L-2026-0077"


async def test_the_privacy_officer_holds_exports_erases_and_verifies_a_receipt(
    browser: Browser, system: ServedSystem
) -> None:
    page = await signed_in(browser, system, "privacy_officer", "en-US")
    await page.goto(f"{system.url}/privacy")
    await expect(page.locator("#retention-heading")).to_be_visible()
    await expect(page.get_by_role("heading", name="Due 0", exact=True)).to_be_visible()
    held_case = system.demo_case_ids[0]
    await page.fill("#hold-case", held_case)
    await page.fill("#hold-matter", MATTER)
    await page.fill("#hold-reason", "pending litigation")
    await page.locator("form[action='/holds'] button[type=submit]").click()
    await expect(page.get_by_role("status")).to_contain_text("The hold was placed.")

    await page.goto(f"{system.url}/requests")
    await page.fill("#access-subject", SUBJECT)
    await page.locator("form[action='/requests/access'] button").click()
    await expect(page.locator("h1")).to_have_text("Access export")
    assert SUBJECT not in page.url
    assert SUBJECT not in await page.title()
    async with page.expect_download() as exported:
        await page.locator("form[action$='/export.json'] button").click()
    export_text = (await (await exported.value).path()).read_text()
    assert '"cases"' in export_text
    async with page.expect_download() as printed:
        await page.get_by_test_id("export-pdf").click()
    pdf = await printed.value
    assert SUBJECT not in pdf.suggested_filename
    assert pdf.suggested_filename.endswith(".pdf")
    assert (await pdf.path()).read_bytes().startswith(b"%PDF")

    await page.goto(f"{system.url}/requests")
    await page.screenshot(path=SCREENSHOTS / "privacy-requests-en.png", full_page=True)
    await page.fill("#erasure-subject", SUBJECT)
    await page.locator("form[action='/requests/erasure/preview'] button").click()
    await expect(page.get_by_role("heading", name="Cases whose keys are destroyed")).to_be_visible()
    await page.fill("#confirm-subject", "someone.else@example.com")
    await page.locator("form[action='/requests/erasure'] button").click()
    await expect(page.locator("body")).to_contain_text("confirm_subject")
    # The preview came from a POST and is not cached (no-store): ask for it again.
    await page.goto(f"{system.url}/requests")
    await page.fill("#erasure-subject", SUBJECT)
    await page.locator("form[action='/requests/erasure/preview'] button").click()
    await page.fill("#confirm-subject", SUBJECT)
    await page.locator("form[action='/requests/erasure'] button").click()
    await expect(page.get_by_role("status")).to_have_text("The subject was erased.")
    await expect(page.locator(".badge.verified")).to_be_visible()
    async with page.expect_download() as downloaded:
        await page.get_by_role("link", name="Download the receipt (JSON)").click()
    receipt_file = (await (await downloaded.value).path()).read_bytes()

    async with httpx.AsyncClient(base_url=system.url) as client:
        key = (
            await client.get(
                "/privacy/v1/receipts/key",
                headers={"Authorization": f"Bearer {system.legal_token}"},
            )
        ).json()["verifier_key"]
    verified = verify_receipt(receipt_file, key)
    assert verified.receipt.erased_case_ids, "the subject's cases were erased"
    assert held_case not in verified.receipt.erased_case_ids or verified.receipt.held_cases

    japanese = await signed_in(browser, system, "privacy_officer", "ja-JP")
    await japanese.goto(f"{system.url}/requests")
    await expect(japanese.locator("h1")).to_have_text("本人からの請求")
    await expect(japanese.locator(".badge.verified").first).to_have_text("検証済み")
    await japanese.screenshot(path=SCREENSHOTS / "privacy-requests-ja.png", full_page=True)
