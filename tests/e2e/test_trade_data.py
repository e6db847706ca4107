"""Trade-data upload in a real browser: a file dropped onto the drop zone (and one chosen with
the file picker) goes up with a progress bar, the summary or the problems come back, and the
overview then draws its charts."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from fourflow.demo_data import DEMO_PASSWORD
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tradedata"
SETTLEMENT = FIXTURES / "amazon" / "settlement_v2_us.txt"


def _sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server}/")


def _drop(page: Page, name: str, content: str) -> None:
    """What a drag from the desktop delivers: a drop event whose DataTransfer holds the file."""
    transfer = page.evaluate_handle(
        "([name, content]) => { const transfer = new DataTransfer();"
        " transfer.items.add(new File([content], name, {type: 'text/plain'})); return transfer; }",
        [name, content])
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})


def test_upload_by_drag_and_drop_then_see_the_overview(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    try:
        _sign_in(page, live_server, "finance@lumen.demo")
        page.click("button[value=en]")
        page.click("nav.nav >> text=Trade data")
        expect(page.locator("h1")).to_have_text("Trade data")
        page.click("text=Upload a file")
        expect(page.locator("h1")).to_have_text("Upload trade data")
        page.select_option("#upload-format", "amazon-settlement")
        expect(page.locator("#upload-file")).to_have_attribute("accept", ".txt,.tsv")
        expect(page.locator(".stock-options")).to_be_hidden()
        _drop(page, "settlement-us.txt", SETTLEMENT.read_text())
        expect(page.locator("#chosen-file")).to_have_text("settlement-us.txt")
        page.click("#upload-form button.primary")
        summary = page.locator(".upload-summary")
        expect(summary).to_contain_text("File stored")
        expect(summary.locator("[data-field=rows]")).to_have_text("20")
        # The bar followed the upload to its end, and is hidden now that the outcome shows.
        expect(page.locator("#upload-progress")).to_have_attribute("data-percent", "100")
        expect(page.locator("#upload-progress")).to_be_hidden()
        expect(page.locator("#recent-uploads")).to_contain_text("settlement-us.txt")
        screenshot(page, "trade-data-upload-summary-desktop-en")

        # A broken file through the file picker: the problems, by line and column, nothing stored.
        page.set_input_files("#upload-file", files=[{
            "name": "broken.txt", "mimeType": "text/plain",
            "buffer": SETTLEMENT.read_bytes().replace(b"\t59.98\t", b"\tfifty\t")}])
        page.click("#upload-form button.primary")
        problems = page.locator(".upload-problems")
        expect(problems).to_contain_text("Nothing was stored")
        expect(problems.locator("tbody tr").first).to_contain_text("amount")
        expect(page.locator("#recent-uploads tbody tr")).to_have_count(1)
        screenshot(page, "trade-data-upload-problems-desktop-en")

        page.click("text=Overview")
        page.click("text=Show the 12 months to 2021-03")
        expect(page.locator(".kpi").first).to_contain_text("Sales in 2021-03")
        expect(page.locator(".chart canvas")).to_have_count(2)  # money and on-time; no stock yet
        screenshot(page, "trade-data-overview-desktop-en")
    finally:
        context.close()


def _overflow(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return width


def test_upload_page_on_a_phone(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        _sign_in(page, live_server, "owner@lumen.demo")
        page.goto(f"{live_server}/trade-data/uploads")
        page.select_option("#upload-format", "warehouse-stock")
        expect(page.locator(".stock-options")).to_be_visible()
        page.set_input_files("#upload-file", str(FIXTURES / "warehouse" / "fba_manage_inventory.txt"))
        page.fill("#upload-warehouse", "AMAZON-FBA-US")
        page.click("#upload-form button.primary")
        expect(page.locator(".upload-summary")).to_contain_text("3")
        assert _overflow(page) == 0
        language = page.locator("html").get_attribute("lang") or "en"
        screenshot(page, f"trade-data-upload-summary-phone-{'zh' if language.startswith('zh') else 'en'}")
        page.goto(f"{live_server}/trade-data")
        expect(page.locator(".chart canvas")).to_have_count(3)  # the stock is today's: all three charts
        assert _overflow(page) == 0
        screenshot(page, f"trade-data-overview-phone-{'zh' if language.startswith('zh') else 'en'}")
    finally:
        context.close()
