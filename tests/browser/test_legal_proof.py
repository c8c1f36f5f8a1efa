"""Legal's proof in the browser (embedded runtime): the proof tab shows the bundle records just
produced verified against the pinned key, and the bundle and the exhibit PDF download (the
steps in journeys.py). Screenshots: docs/screenshots/proof-en.png, proof-ja.png."""

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
