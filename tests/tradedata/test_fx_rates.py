"""ECB reference rates, read from the public daily file in place."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from fourflow.tradedata import service as tradedata
from fourflow.tradedata.connectors.fx.ecb import RatesFileMalformed, parse_ecb_rates
from tests.conftest import shared_data


def _ecb() -> bytes:
    return shared_data("fx/ecb_eurofxref-daily_2016-01-29.xml").read_bytes()


def test_parses_every_rate_of_the_daily_file() -> None:
    rates = list(parse_ecb_rates(_ecb()))
    assert len(rates) == 31
    assert {rate.rate_date for rate in rates} == {date(2016, 1, 29)}
    by_currency = {rate.currency: rate.rate for rate in rates}
    assert (by_currency["USD"], by_currency["JPY"], by_currency["GBP"]) == (
        Decimal("1.0920"), Decimal("132.25"), Decimal("0.76410"))


def test_ingests_once_and_crosses_through_the_euro(session: Session) -> None:
    first = tradedata.ingest_ecb_rates(session, _ecb())
    again = tradedata.ingest_ecb_rates(session, _ecb())
    assert (first.rates, first.inserted, first.duplicates) == (31, 31, 0)
    assert (again.inserted, again.duplicates) == (0, 31)
    usd_gbp = tradedata.reference_rate(session, "USD", "GBP", date(2016, 2, 1))
    assert usd_gbp.rate == Decimal("0.6997252747")  # 0.76410 / 1.0920, a weekend later
    assert usd_gbp.rate_date == date(2016, 1, 29)
    assert tradedata.reference_rate(session, "EUR", "USD", date(2016, 1, 29)).rate == Decimal("1.0920")
    with pytest.raises(tradedata.RateUnavailable):
        tradedata.reference_rate(session, "USD", "GBP", date(2016, 1, 28))


@pytest.mark.parametrize(("content", "position"), [
    (b"<Envelope><Cube><Cube time='2016-01-29'><Cube currency='USD' rate='abc'/>", "2016-01-29 USD"),
    (b"<Envelope><Cube><Cube time='not-a-date'>", "not-a-date"),
    (b"<!DOCTYPE x [<!ENTITY a 'b'>]><Envelope/>", "<!DOCTYPE>"),
    (b"<Envelope><Cube>", "line 1, column 16"),
])
def test_malformed_files_name_the_position(content: bytes, position: str) -> None:
    with pytest.raises(RatesFileMalformed) as refused:
        list(parse_ecb_rates(content))
    assert refused.value.params["position"] == position
