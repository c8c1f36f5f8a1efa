"""Legal's proof in the browser (embedded runtime): the proof tab shows the bundle records just
produced verified against the pinned key, the bundle and the exhibit PDF download (the steps in
journeys.py), and a bundle someone gave them, changed by one byte, is uploaded and fails on the
events check. Screenshots: docs/screenshots/proof-en.png, proof-ja.png, verify-upload-en.png,
-ja.png."""

import httpx
from playwright.async_api import Browser, expect

from tests.browser import journeys
from tests.browser.conftest import SCREENSHOTS, ServedSystem
from tests.browser.journeys import Screenshots
from tests.browser.test_console import signed_in


async def test_legal_sees_the_bundle_verified_and_downloads_it_and_the_exhibit_pdf(
    browser: Browser, system: ServedSystem
) -> None:
    async with journeys.session(browser, system.console, "legal") as page:
        await journeys.legal_downloads_the_verified_proof(
            page, system.console, system.escalated_case_id, Screenshots(SCREENSHOTS)
        )


async def test_the_proof_page_in_japanese(browser: Browser, system: ServedSystem) -> None:
    page = await signed_in(browser, system, "legal", "ja-JP")
    await journeys.open_proof(page, system.console, system.escalated_case_id)
    await expect(page.get_by_test_id("proof-verdict")).to_have_text(
        "バンドルの検証に成功しました。"
    )
    await page.screenshot(path=SCREENSHOTS / "proof-ja.png", full_page=True)
    await page.context.close()


async def _tampered_bundle(system: ServedSystem) -> bytes:
    """Records' bundle of the case with one byte of its first event's leaf changed."""
    async with httpx.AsyncClient(base_url=system.url) as client:
        answer = await client.get(
            f"/records/v1/cases/{system.escalated_case_id}/bundle",
            headers={"Authorization": f"Bearer {system.legal_token}"},
        )
    data = answer.content
    at = data.index(b'"leaf": "') + len(b'"leaf": "') + 20
    return data[:at] + (b"A" if data[at : at + 1] != b"A" else b"B") + data[at + 1 :]


async def test_legal_uploads_a_tampered_bundle_and_sees_which_check_failed(
    browser: Browser, system: ServedSystem
) -> None:
    tampered = await _tampered_bundle(system)
    for locale, verdict, failed in (
        ("en-US", "The file you gave does NOT verify", "FAILED"),
        ("ja-JP", "受け取ったファイルの検証に失敗しました", "不合格"),
    ):
        page = await signed_in(browser, system, "legal", locale)
        await journeys.open_proof(page, system.console, system.escalated_case_id)
        await page.locator("#given-bundle").set_input_files(
            {"name": "bundle-from-counsel.json", "mimeType": "application/json", "buffer": tampered}
        )
        await page.get_by_test_id("verify-given").click()
        await expect(page.get_by_test_id("upload-verdict")).to_contain_text(verdict)
        checks = page.get_by_test_id("upload-checks")
        events = checks.locator('[data-check="events"]')
        await expect(events).to_have_attribute("data-state", "failed")
        await expect(events).to_contain_text(failed)
        await expect(checks.locator('[data-check="signature"]')).to_have_attribute(
            "data-state", "passed"
        )
        # The tab's own bundle, produced by records now, still verifies beside it.
        await expect(page.get_by_test_id("proof-verdict")).not_to_contain_text("NOT")
        await page.screenshot(path=SCREENSHOTS / f"verify-upload-{locale[:2]}.png", full_page=True)
        await page.context.close()
