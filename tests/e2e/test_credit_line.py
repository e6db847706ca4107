"""The credit line panel in a real browser, at desktop and 375-px phone width in both languages: the
seller types a wrong amount and reads the message under the field (HTMX, nothing drawn), then draws;
no horizontal scrolling, and a screenshot kept for review."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from fourflow.lending.lines import service as lines
from tests.conftest import _worker_suffix
from tests.e2e.conftest import LiveServer, live_server_on, screenshot
from tests.e2e.test_loans import VIEWPORTS, _no_clipped_table, _no_horizontal_scroll, _sign_in
from tests.lending.conditions_helpers import sign_contract
from tests.lending.lines.conftest import open_line
from tests.lending.loans.conftest import seller_id

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SELLER = "owner@lumen.demo"
WRONG = {"en": "You can draw at most", "zh_Hans": "目前最多可提款"}
DRAWN = {"en": "is in your wallet", "zh_Hans": "已转入您的钱包"}


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    """A server of this module's own: its line lends to a demo seller."""
    with live_server_on(f"fourflow_e2e_lines_{_worker_suffix()}") as server:
        with server.database.unit_of_work() as session:
            line = open_line(session, seller_id(session), amount="10000.00")
            sign_contract(session, line.offer_id)
        yield server


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_seller_draws_on_the_line(browser: Browser, live: LiveServer, viewport: str,
                                      language: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="en-GB")
    page = context.new_page()
    try:
        _sign_in(page, live.url, SELLER, language)
        page.goto(f"{live.url}/loans")
        panel = page.locator("section.credit-line")
        expect(panel).to_be_visible()
        _no_horizontal_scroll(page)
        panel.locator("input[name=amount]").fill("99999.00")
        panel.locator("button[type=submit]").click()
        expect(page.locator("section.credit-line .field-error")).to_contain_text(WRONG[language])
        _no_horizontal_scroll(page)
        page.locator("section.credit-line input[name=amount]").fill("100.00")
        page.locator("section.credit-line button[type=submit]").click()
        expect(page.locator("section.credit-line .notice.success")).to_contain_text(DRAWN[language])
        _no_horizontal_scroll(page)
        page.goto(f"{live.url}/loans")
        _no_horizontal_scroll(page)
        _no_clipped_table(page)
        screenshot(page, f"credit-line-{viewport}-{language}")
    finally:
        context.close()
    with live.database.unit_of_work() as session:
        (line,) = lines.list_lines(session, seller_id(session), lines.PageRequest(page=1, page_size=5)).items
        assert all(row.amount == 100 for row, _loan in lines.draws(session, line))
