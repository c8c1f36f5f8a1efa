"""An agent's main job in a real browser (Playwright + Debian's Chromium) on the embedded
runtime (the steps in journeys.py): record a final answer on a case, ask to close it after
the record check, and see policy's decision appear on the page."""

from playwright.async_api import Browser, expect

from tests.browser import journeys
from tests.browser.conftest import SCREENSHOTS, ServedSystem
from tests.browser.journeys import Screenshots
from tests.browser.test_console import signed_in


async def test_an_agent_records_a_final_answer_and_a_close_and_sees_the_decision(
    browser: Browser, system: ServedSystem
) -> None:
    # Not a case the other browser tests read (the escalated one, the one they hold).
    others = {system.escalated_case_id, system.demo_case_ids[0]}
    case_id = next(c for c in reversed(system.demo_case_ids) if c not in others)
    page = await signed_in(browser, system, "agent", "en-US")
    await journeys.agent_answers_closes_and_sees_the_decision(
        page, system.console, case_id, Screenshots(SCREENSHOTS)
    )

    japanese = await signed_in(browser, system, "agent", "ja-JP")
    await japanese.goto(f"{system.url}/cases/{case_id}")
    await expect(japanese.locator("#actions-heading")).to_have_text("この案件への記録")
    await japanese.screenshot(path=SCREENSHOTS / "case-agent-ja.png", full_page=True)
