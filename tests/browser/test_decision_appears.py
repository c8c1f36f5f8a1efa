"""The case page shows policy's decision on its own (issue #17, items 8 and 11): after an
agent's post the page says a decision is pending and console.js asks the console's status
route until policy has decided, then reloads; nobody presses Reload.

The page is opened in the pending state first (as the redirect after a post renders it, with
the decisions it showed) and only then is the close request posted beside it, so the page is
certainly waiting when policy decides: on a fast machine a post through the form may well
come back decided already, which would test nothing here."""

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import SCREENSHOTS, ServedSystem
from tests.browser.test_console import signed_in

DECISION = "[data-testid=decision]"
DECIDED_ON_ITS_OWN_WITHIN_MS = 30_000  # the script's own limit: 15 asks, 2 s apart


async def test_the_case_page_shows_the_decision_once_policy_has_made_it(
    browser: Browser, system: ServedSystem
) -> None:
    case_id = system.demo_case_ids[0]  # this module has a system of its own
    page = await signed_in(browser, system, "agent", "en-US")
    await page.goto(f"{system.url}/cases/{case_id}")
    shown = await page.locator(DECISION).count()
    assert shown >= 1  # the consultation's decision

    await page.goto(f"{system.url}/cases/{case_id}?recorded=close&decisions={shown}")
    pending = page.get_by_test_id("decision-pending")
    await expect(pending).to_have_text(
        "Policy has not decided yet; this page shows the decision as soon as it is made."
    )
    await page.get_by_test_id("actions").screenshot(
        path=SCREENSHOTS / "case-decision-pending-en.png"
    )
    reloads: list[str] = []
    page.on("framenavigated", lambda frame: reloads.append(frame.url))

    await ask_to_close(page, system.url, case_id)

    recorded = page.get_by_test_id("action-recorded")
    await expect(recorded).to_contain_text(
        "Policy's decision on it is shown below.", timeout=DECIDED_ON_ITS_OWN_WITHIN_MS
    )
    await expect(page.locator(DECISION)).to_have_count(shown + 1)
    await expect(pending).to_have_count(0)
    assert reloads, "the page reloaded itself"


async def ask_to_close(page: Page, url: str, case_id: str) -> None:
    """A close request sent as the page's own form would send it (the agent's session, its
    CSRF token and Idempotency-Key), from outside the page, which stays as it is."""
    form = page.locator(f"form[action='/cases/{case_id}/close']")
    answer = await page.request.post(
        f"{url}/cases/{case_id}/close",
        form={
            "csrf": await form.locator("input[name=csrf]").input_value(),
            "idempotency_key": await form.locator("input[name=idempotency_key]").input_value(),
            "reason": "satisfied",
            "confirm": "on",
        },
        max_redirects=0,
    )
    assert answer.status == 303, await answer.text()
