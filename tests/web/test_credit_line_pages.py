"""The seller's credit line panel on the Loans page (limit, drawn, available, the draw form answering
through HTMX with the field's message or the draw), the revolving offer's wording on Financing, and
operations' list of lines; on the demo world (lumen-electronics) on a frozen clock."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.lending.lines import service as lines
from tests.helpers import choose_language, sign_in
from tests.lending.conditions_helpers import sign_contract
from tests.lending.lines.conftest import open_line, rows
from tests.lending.loans.conftest import CONTEXT, NOW, accepted_offer, seller_id

SELLER = "owner@lumen.demo"
OPERATIONS = "operations@fourflow.demo"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


def _signed_in(client: TestClient, email: str, language: str = "en") -> str:
    csrf = sign_in(client, email)
    choose_language(client, language, csrf)
    return csrf


def _draw(client: TestClient, csrf: str, line_id: uuid.UUID, amount: str, key: str) -> str:
    response = client.post(f"/loans/lines/{line_id}/draws", headers={**HTMX, "X-CSRF-Token": csrf},
                           data={"csrf_token": csrf, "amount": amount, "idempotency_key": key})
    assert response.status_code == 200, response.text
    return response.text


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_panel_draws_and_says_what_is_wrong(client: TestClient, demo: Session,
                                                 clock: FrozenClock) -> None:
    line = open_line(demo, seller_id(demo), amount="10000.00")
    sign_contract(demo, line.offer_id)
    csrf = _signed_in(client, SELLER)
    page = _text(client.get("/loans").text)
    assert "Credit line · 10,000.00 USD" in page
    assert "Available 10,000.00 USD" in page
    assert "Origination fee: 1.0 % of each draw, deducted from what the draw pays out." in page

    before = rows(demo)
    for typed, message in (("lots", "Enter the amount as a number, e.g. 5000.00."),
                           ("10000.01", "You can draw at most 10000.00 USD now: 10000.01 USD is more than is "
                                        "available on the line."),
                           ("0", "The amount to draw must be greater than zero."),
                           ("1.001", "1.001 has more decimals than USD allows (2).")):
        answer = _draw(client, csrf, line.id, typed, f"web:bad:{typed}")
        assert message in _text(answer)
        assert 'aria-invalid="true"' in answer
    assert rows(demo) == before

    # 2,500.00 − 1 % (25.00) = 2,475.00 reaches the wallet at once (the contract is signed).
    answer = _text(_draw(client, csrf, line.id, "2,500.00", "web:draw-1"))
    assert "Drawn 2500.00 USD: 2475.00 USD is in your wallet." in answer
    assert "Available 7,500.00 USD" in answer
    # The same form sent twice draws once.
    _draw(client, csrf, line.id, "2,500.00", "web:draw-1")
    assert [row.amount for row, _loan in lines.draws(demo, line)] == [Decimal("2500.0000")]

    client.cookies.clear()
    chinese = _signed_in(client, SELLER, "zh_Hans")
    answer = _text(_draw(client, chinese, line.id, "9000.00", "web:zh"))
    assert "7500.00 USD" in answer
    assert "9000.00 USD" in answer
    assert "You can draw" not in answer


def test_the_revolving_offer_speaks_of_a_fee_per_draw(client: TestClient, demo: Session,
                                                    clock: FrozenClock) -> None:
    offer = accepted_offer(demo, seller=seller_id(demo), product="revolving_credit_line", tenor_days=180)
    lines.open_line(demo, CONTEXT, offer)
    _signed_in(client, SELLER)
    page = _text(client.get(f"/financing?application={offer.application_id}").text)
    assert "1.0 % of each draw" in page
    assert "Your credit line is open." in page
    assert "Take the loan" not in page


def test_operations_see_every_line(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    open_line(demo, seller_id(demo), amount="8000.00")
    _signed_in(client, OPERATIONS)
    page = _text(client.get("/operations").text)
    assert "Credit lines" in page
    assert "8,000.00 USD" in page
