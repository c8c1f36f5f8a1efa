"""Legal finds a person's cases by their e-mail in a real browser (Playwright + Debian's
Chromium) on the embedded runtime with its demo cases: the subject search form on /search, the
case listed with the note that the search was recorded, the identity in no URL or title, and
the search on the case's access trail tab. Screenshots in both languages."""

from urllib.parse import urlparse

from playwright.async_api import Browser, expect

from tests.browser.conftest import SCREENSHOTS, ServedSystem
from tests.browser.test_console import signed_in

JANE = "jane.doe@example.com"  # services/runtime/demo.py: the second demo case's customer
JANES_CASE = 1


async def test_legal_finds_janes_case_by_her_e_mail_and_sees_the_search_on_its_access_trail(
    browser: Browser, system: ServedSystem
) -> None:
    for locale, language in (("en-US", "en"), ("ja-JP", "ja")):
        page = await signed_in(browser, system, "legal", locale)
        await page.goto(f"{system.url}/search")
        form = page.get_by_test_id("subject-search")
        await form.locator("#subject").fill(JANE)
        await form.locator("#subject-purpose").fill("Matter LIT-2026-9")
        await form.locator("#subject-matter").fill("2026-(wa)-9")
        await form.locator("button[type=submit]").click()
        await page.wait_for_url(f"{system.url}/search/subject")

        case_id = system.demo_case_ids[JANES_CASE]
        await expect(page.locator("table.results tbody tr")).to_have_count(1)
        await expect(page.locator(f"a[href='/cases/{case_id}']")).to_be_visible()
        recorded = page.get_by_test_id("search-recorded")
        await expect(recorded).to_contain_text("Matter LIT-2026-9")
        await expect(recorded).to_contain_text(
            "This search was recorded as an access" if language == "en" else "閲覧として記録"
        )
        assert JANE not in page.url
        assert JANE not in await page.title()
        assert urlparse(page.url).query == ""
        await page.screenshot(path=SCREENSHOTS / f"subject-search-{language}.png", full_page=True)

        await page.locator(f"a[href='/cases/{case_id}']").click()
        await page.get_by_test_id("tab-access").click()
        trail = page.get_by_test_id("access-trail")
        searched = page.locator("td[data-view=subject_search]")
        for _reload in range(50):  # records stores privacy's event a moment after the answer
            if await searched.count():
                break
            await page.wait_for_timeout(100)
            await page.reload()
        await expect(searched.first).to_be_visible()
        await expect(trail).to_contain_text("Matter LIT-2026-9")
        assert JANE not in await page.content()
        await page.context.close()
