from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from fourflow.core.settings import FxSettings
from fourflow.ledger import service as ledger
from fourflow.ledger.errors import ConversionNotAllowed
from fourflow.ledger.service import fx
from fourflow.tradedata import service as tradedata
from tests.conftest import shared_data
from tests.helpers import sign_in
from tests.ledger.conftest import Books

ON = date(2016, 1, 29)


def _rates(books: Books) -> None:
    content = shared_data("fx/ecb_eurofxref-daily_2016-01-29.xml").read_bytes()
    tradedata.ingest_ecb_rates(books.session, content)


def test_a_conversion_is_one_balanced_entry_with_the_spread_as_income(books: Books) -> None:
    _rates(books)
    books.move(books.bank.id, books.wallet_a.id, "1000.00")
    gbp_wallet = ledger.open_account(books.session, books.wallet_a.organisation_id, "seller:wallet",
                                     "GBP", subject="test")
    result = fx.convert(books.session, books.context, FxSettings(), idempotency_key="fx-0001",
                        source_account_id=books.wallet_a.id, target_account_id=gbp_wallet.id,
                        amount=Decimal("1000.00"), on=ON)
    # mid 0.6997252747: 699.73 at mid, 696.23 to the seller at mid x 0.995, 3.50 of spread
    assert (result.target_amount, result.spread_amount, result.mid_rate) == (
        Decimal("696.23"), Decimal("3.50"), Decimal("0.6997252747"))
    assert books.posted(books.wallet_a) == "0.00"
    books.session.refresh(gbp_wallet)
    assert ledger.balance(books.session, gbp_wallet).posted == Decimal("696.23")
    assert fx.exposure(books.session) == {"GBP": Decimal("699.73"), "USD": Decimal("-1000.00")}
    entry = ledger.entry(books.session, result.entry_id)
    assert len(entry.postings) == 5
    assert entry.entry.details["rate_source"] == "ECB"
    again = fx.convert(books.session, books.context, FxSettings(), idempotency_key="fx-0001",
                       source_account_id=books.wallet_a.id, target_account_id=gbp_wallet.id,
                       amount=Decimal("1000.00"), on=ON)
    assert (again.entry_id, again.created) == (result.entry_id, False)
    invariants = ledger.check_invariants(books.session)
    assert (invariants.unbalanced_currencies, invariants.accounts_out_of_step) == ({}, [])


def test_conversions_between_different_owners_are_refused(books: Books) -> None:
    _rates(books)
    other = ledger.open_account(books.session, books.wallet_b.organisation_id, "seller:wallet", "EUR")
    with pytest.raises(ConversionNotAllowed):
        fx.convert(books.session, books.context, FxSettings(), idempotency_key="fx-0002",
                   source_account_id=books.wallet_a.id, target_account_id=other.id,
                   amount=Decimal("10.00"), on=ON)


def test_forward_quote_by_covered_interest_parity(books: Books) -> None:
    _rates(books)
    quote = fx.forward_quote(books.session, FxSettings(), "USD", "CNY", 90, ON)
    # spot CNY per USD = 7.1810 / 1.0920; F = S (1 + 0.02 x 90/365) / (1 + 0.045 x 90/365)
    spot = Decimal("7.1810") / Decimal("1.0920")
    expected = spot.quantize(Decimal("0.0000000001")) * (1 + Decimal("0.02") * Decimal(90) / 365) \
        / (1 + Decimal("0.045") * Decimal(90) / 365)
    assert quote.forward == expected.quantize(Decimal("0.000001"))
    assert quote.forward < quote.spot  # the higher-yielding dollar trades at a forward discount


def test_the_seller_converts_over_the_api_and_operations_see_the_exposure(
        books: Books, client: TestClient) -> None:
    _rates(books)
    books.move(books.bank.id, books.wallet_a.id, "200.00")
    eur_wallet = ledger.open_account(books.session, books.wallet_a.organisation_id, "seller:wallet",
                                     "EUR", subject="test")
    csrf = sign_in(client, "finance@lumen.demo")
    # The demo world's clock is today; rates are from 2016, the newest is used.
    response = client.post("/api/v1/ledger/conversions", headers={"X-CSRF-Token": csrf}, json={
        "idempotency_key": "api-fx-0001", "source_account_id": str(books.wallet_a.id),
        "target_account_id": str(eur_wallet.id), "amount": "200.00"})
    assert response.status_code == 201, response.text
    body = response.json()
    # 200 USD / 1.0920 = 183.15 EUR at mid; x 0.995 = 182.23 EUR to the seller
    assert (body["target_amount"], body["spread_amount"], body["rate_date"]) == (
        "182.23", "0.92", "2016-01-29")
    forward = client.get("/api/v1/ledger/fx/forward?base=usd&quote=eur&days=30").json()
    assert forward["forward"] == str(fx.forward_quote(books.session, FxSettings(), "USD", "EUR", 30,
                                                      date.today()).forward)
    client.post("/logout", data={"csrf_token": csrf})
    client.cookies.clear()
    sign_in(client, "operations@fourflow.demo")
    assert client.get("/api/v1/ledger/fx/exposure").json() == {"EUR": "183.15", "USD": "-200.00"}
