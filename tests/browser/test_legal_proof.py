"""Legal's proof in the browser (embedded runtime): the proof tab shows the bundle records just
produced verified against the pinned key, the bundle and the exhibit PDF download, and a
bundle someone gave them, changed by one byte, is uploaded and fails on the events check.
Screenshots: docs/screenshots/proof-en.png, proof-ja.png, verify-upload-en.png, -ja.png."""

import httpx
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import SCREENSHOTS, ServedSystem
from tests.browser.test_console import signed_in


async def _proof_page(browser: Browser, system: ServedSystem, locale: str) -> Page:
    page = await signed_in(browser, system, "legal", locale)
    await page.goto(f"{system.url}/cases/{system.escalated_case_id}")
    await page.get_by_test_id("tab-proof").click()
    await expect(page.get_by_test_id("proof-checks")).to_be_visible()
    return page


async def test_legal_sees_the_bundle_verified_and_downloads_it_and_the_exhibit_pdf(
    browser: Browser, system: ServedSystem
) -> None:
    page = await _proof_page(browser, system, "en-US")
    await expect(page.get_by_test_id("proof-verdict")).to_have_text("The bundle verifies.")
    assert await page.locator('[data-state="failed"]').count() == 0
    assert await page.locator('[data-state="passed"]').count() == 4
    # A signed note: the body, a blank line, then signature lines starting with an em dash.
    await expect(page.get_by_test_id("proof-checkpoint")).to_contain_text("\u2014 ")
    await page.screenshot(path=SCREENSHOTS / "proof-en.png", full_page=True)
    async with page.expect_download() as bundle_info:
        await page.get_by_test_id("download-bundle").click()
    bundle = await bundle_info.value
    assert b'"caselog.bundle.v1"' in (await bundle.path()).read_bytes()
    async with page.expect_download() as pdf_info:
        await page.get_by_test_id("download-exhibit").click()
    pdf = await pdf_info.value
    assert (await pdf.path()).read_bytes().startswith(b"%PDF")
    await page.context.close()


async def test_the_proof_page_in_japanese(browser: Browser, system: ServedSystem) -> None:
    page = await _proof_page(browser, system, "ja-JP")
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
        page = await _proof_page(browser, system, locale)
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
