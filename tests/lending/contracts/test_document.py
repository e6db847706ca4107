"""The contract PDF: both languages, readable by pyHanko, deterministic, and refused terms."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from fourflow.core.money import Money
from fourflow.lending.contracts.errors import ContractTermsInvalid
from fourflow.lending.contracts.service.document import font_for, money_text, percent_text, render_contract
from fourflow.lending.contracts.service.terms import ScheduleRow
from tests.lending.contracts.conftest import sample_terms, usd


@pytest.mark.parametrize(("language", "seller"), [("en", "Shenzhen Lumen Electronics Co., Ltd."),
                                                  ("zh_Hans", "深圳市流明电子有限公司")])
def test_the_contract_renders_as_a_three_page_pdf(language: str, seller: str) -> None:
    pdf = render_contract(sample_terms(language, seller))  # type: ignore[arg-type]
    reader = PdfFileReader(io.BytesIO(pdf))
    assert pdf.startswith(b"%PDF-1.4")
    assert len(reader.root["/Pages"]["/Kids"]) == 3
    assert str(reader.trailer["/Info"]["/Subject"]) == "FF-2026-000123"
    assert reader.embedded_signatures == []


def test_the_same_terms_give_the_same_bytes() -> None:
    first = render_contract(sample_terms("en"))
    second = render_contract(sample_terms("en"))
    chinese = render_contract(sample_terms("zh_Hans"))
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    assert first == second
    assert chinese != first
    assert render_contract(sample_terms("zh_Hans")) == chinese


def test_chinese_text_is_set_in_the_cid_font() -> None:
    assert font_for("Lumen Electronics Co., Ltd. — 25,000.00") == "Helvetica"
    assert font_for("深圳市流明电子有限公司") == "STSong-Light"
    assert font_for("Total", bold=True) == "Helvetica-Bold"
    assert b"/BaseFont /STSong-Light" in render_contract(sample_terms("zh_Hans", "深圳市流明电子有限公司"))


def test_amounts_and_rates_are_printed_exactly() -> None:
    assert money_text(Money(Decimal("25000"), "USD")) == "USD 25,000.00"
    assert money_text(Money(Decimal("1234567"), "JPY")) == "JPY 1,234,567"
    assert percent_text(Decimal("0.1452")) == "14.52 %"
    terms = sample_terms()
    assert (terms.currency, terms.maturity_date) == ("USD", date(2027, 3, 1))
    assert terms.total_interest == usd("493.15")
    assert terms.total_fees == usd("250.00")
    assert terms.total_instalments == usd("25493.15")
    assert terms.total_cost_of_credit == usd("743.15")


def test_terms_that_do_not_add_up_are_refused() -> None:
    terms = sample_terms()
    wrong_total = ScheduleRow(date(2026, 12, 31), usd("8333.33"), usd("246.58"), usd("8579.90"))
    with pytest.raises(ContractTermsInvalid) as not_adding_up:
        dataclasses.replace(terms, schedule=(wrong_total, *terms.schedule[1:]))
    assert not_adding_up.value.field == "schedule"
    assert str(not_adding_up.value) == ("The contract terms are not consistent: instalment of 2026-12-31 "
                                        "does not add up")
    with pytest.raises(ContractTermsInvalid) as short:
        dataclasses.replace(terms, principal=usd("30000.00"))
    assert str(short.value) == ("The contract terms are not consistent: the schedule's principal differs "
                                "from the principal")
    with pytest.raises(ContractTermsInvalid) as euros:
        dataclasses.replace(terms, principal=Money(Decimal("25000.00"), "EUR"))
    assert str(euros.value) == "The contract terms are not consistent: every amount must be in EUR"
    with pytest.raises(ContractTermsInvalid) as language:
        dataclasses.replace(terms, language="fr")  # type: ignore[arg-type]
    assert language.value.field == "language"
