"""An agent's main job in a real browser (Playwright + Debian's Chromium) on the embedded
runtime: record a final answer on a case, ask to close it after the record check, and see
policy's decision appear on the page."""

import asyncio

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import SCREENSHOTS, ServedSystem
from tests.browser.test_console import signed_in

DECISION = "[data-testid=decision]"


async def test_an_agent_records_a_final_answer_and_a_close_and_sees_the_decision(
    browser: Browser, system: ServedSystem
) -> None:
    # Not a case the other browser tests read (the escalated one, the one they hold).
    others = {system.escalated_case_id, system.demo_case_ids[0]}
    case_id = next(c for c in reversed(system.demo_case_ids) if c not in others)
    page = await signed_in(browser, system, "agent", "en-US")
    await page.goto(f"{system.url}/cases/{case_id}")
    before = await page.locator(DECISION).count()

    await page.select_option("#contact-kind", "agent_response")
    await page.fill("#contact-body", "A replacement was shipped today. This is our final answer.")
    await page.check("#contact-final")
    await page.locator(f"form[action='/cases/{case_id}/contacts'] button").click()
    await expect(page.get_by_test_id("action-recorded")).to_contain_text("recorded")
    # Records has the response once it consumed it: the check turns present on a reload.
    handler = "[data-testid=record-checks] li[data-item=handler].present"
    await until_reloaded(page, handler, 1)

    await page.select_option("#close-reason", "satisfied")
    await page.check("#close-confirm")
    await page.locator(f"form[action='/cases/{case_id}/close'] button").click()
    await expect(page.get_by_test_id("action-recorded")).to_contain_text("close request")
    await until_reloaded(page, DECISION, before + 1)
    await page.screenshot(path=SCREENSHOTS / "case-agent-en.png", full_page=True)

    japanese = await signed_in(browser, system, "agent", "ja-JP")
    await japanese.goto(f"{system.url}/cases/{case_id}")
    await expect(japanese.locator("#actions-heading")).to_have_text("この案件への記録")
    await japanese.screenshot(path=SCREENSHOTS / "case-agent-ja.png", full_page=True)


async def until_reloaded(page: Page, selector: str, at_least: int) -> None:
    """Records and policy follow asynchronously: reload, as the page's link offers, until
    the page shows `at_least` of `selector`."""
    for _ in range(60):
        if await page.locator(selector).count() >= at_least:
            return
        await asyncio.sleep(0.5)
        await page.reload()
    raise AssertionError(f"fewer than {at_least} of {selector} on the page after 30 s")
