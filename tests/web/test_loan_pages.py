"""The seller's Loans page (taking the loan from the accepted offer, balances, next due, schedule,
repayments, the chart, the statement) and operations' disbursement, on the demo world (lumen-electronics
borrows from harbour-capital) on a frozen clock."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.ledger import service as ledger
from fourflow.lending.contracts.service import contracts
from fourflow.lending.loans import service
from fourflow.lending.loans.models import Loan
from tests.conftest import TEST_SECRET_KEY
from tests.helpers import choose_language, count, organisation_id, sign_in
from tests.lending.conditions_helpers import (
    book,
    disbursed_loan,
    meet_conditions,
    register_seller,
    shipment_for,
)
from tests.lending.loans.conftest import CONTEXT, NOW, accepted_offer, rows, seller_id

SELLER = "owner@lumen.demo"
OTHER_SELLER = "owner@silkroad.demo"
OPERATIONS = "operations@fourflow.demo"


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(NOW)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


def _signed_in(client: TestClient, email: str) -> str:
    csrf = sign_in(client, email)
    choose_language(client, "en", csrf)
    return csrf


def _repaid_loan(demo: Session, clock: FrozenClock) -> Loan:
    """10,000.00 USD at 12 % for 30 days (bullet, fee 1 % = 100.00), disbursed on 15 October; on
    17 October a payout of 500.00 pays the interest of 15–16 October, 10,000 × 0.12 × 2 ÷ 365 =
    6.575… = 6.58 (posted 3.29 a day), and 493.42 of principal."""
    offer = accepted_offer(demo, seller=seller_id(demo))
    loan = disbursed_loan(demo, offer.id, "book-1")
    clock.advance(timedelta(days=2))
    service.apply_payout(demo, CONTEXT, loan.seller_organisation_id, Decimal("500.00"), "USD", "AMZ-77")
    return loan


def test_take_the_loan_from_the_accepted_offer(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    offer = accepted_offer(demo, seller=seller_id(demo))
    csrf = _signed_in(client, SELLER)
    page = client.get(f"/financing?application={offer.application_id}")
    assert "You accepted this offer" in page.text
    assert 'id="take-loan"' in page.text
    key = re.search(r'name="idempotency_key" value="([^"]+:loan)"', page.text)
    assert key is not None
    form = {"csrf_token": csrf, "idempotency_key": key.group(1)}
    taken = client.post(f"/financing/offers/{offer.id}/loan", data=form, follow_redirects=False)
    assert taken.status_code == 303, taken.text
    loan_id = demo.execute(text("SELECT id FROM lending_loans")).scalar_one()
    assert taken.headers["location"] == f"/loans#loan-{loan_id}"
    # The same form posted twice (a double click) books one loan.
    again = client.post(f"/financing/offers/{offer.id}/loan", data=form, follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, f"/loans#loan-{loan_id}")
    assert count(demo, "lending_loans") == 1
    # Another rendered form (another key) is refused in words.
    other = client.post(f"/financing/offers/{offer.id}/loan", data={**form, "idempotency_key": "web:x:loan"})
    assert other.status_code == 409
    assert "A loan has been booked on this offer already." in other.text
    after = client.get(f"/financing?application={offer.application_id}")
    assert "Your loan is booked." in after.text
    assert 'id="take-loan"' not in after.text
    loans_page = client.get("/loans")
    assert 'aria-current="page">Loans</a>' in loans_page.text
    assert "Awaiting disbursement" in loans_page.text
    assert "No repayments yet" in loans_page.text


def test_the_page_shows_exact_balances_schedule_and_repayments(client: TestClient, demo: Session,
                                                               clock: FrozenClock) -> None:
    loan = _repaid_loan(demo, clock)
    _signed_in(client, SELLER)
    page = client.get("/loans")
    assert page.status_code == 200
    section = page.text[page.text.index(f'id="loan-{loan.id}"'):]
    figures = re.findall(r'<strong class="figure">([^<]*)</strong>', section)
    # Principal outstanding, interest owed, fees owed, next due (all 10,098.63 by 14 November less 500.00).
    assert figures == ["9,506.58 USD", "0.00 USD", "0.00 USD", "9,598.63 USD"]
    assert "on 2026-11-14" in section
    assert "Repaying" in section
    schedule = re.findall(r'<td class="date">([0-9-]{10})</td>\s*<td class="number">([^<]*)</td>\s*'
                          r'<td class="number">([^<]*)</td>\s*<td class="number">([^<]*)</td>', section)
    assert schedule == [("2026-11-14", "10,000.00", "98.63", "10,098.63")]
    repayments = re.findall(r'<td class="date">(2026-10-17)<span[^>]*>([^<]*)</span></td>\s*'
                            r'<td class="hide-phone">[^<]*</td>\s*<td class="number">([^<]*)</td>\s*'
                            r'<td class="number">([^<]*)</td>\s*<td class="number">([^<]*)</td>', section)
    assert repayments == [("2026-10-17", "AMZ-77", "0.00", "6.58", "493.42")]
    # Payouts against repayments by month.
    assert '''data-labels='["2026-10"]\'''' in page.text
    assert '"values": ["500.00"]' in page.text
    assert 'data-chart="series"' in page.text
    assert f'href="/loans/{loan.id}/statement.csv"' in section
    # The day after the maturity on 14 November with 9,598.63 unpaid, the loan reads overdue.
    clock.set(datetime(2026, 11, 15, 9, tzinfo=UTC))
    client.cookies.clear()  # the session of a month ago has expired
    _signed_in(client, SELLER)
    later = client.get("/loans").text
    later_section = later[later.index(f'id="loan-{loan.id}"'):]
    assert '<span class="badge error">Overdue since 2026-11-14</span>' in later_section
    assert "Repaying" not in later_section[:later_section.index("</section>")]


def test_the_statement_csv_has_every_posting_with_a_running_balance(client: TestClient, demo: Session,
                                                                     clock: FrozenClock) -> None:
    loan = _repaid_loan(demo, clock)
    csrf = _signed_in(client, SELLER)
    statement = client.get(f"/loans/{loan.id}/statement.csv")
    assert statement.status_code == 200
    assert statement.headers["content-type"].startswith("text/csv")
    assert statement.text.splitlines() == [
        "Date (UTC),Description,Account,Debit,Credit,Balance",
        "2026-10-15 12:00,Loan paid into your wallet,Principal,10000.00,0.00,10000.00",
        "2026-10-17 12:00,Interest of 2026-10-15,Interest,3.29,0.00,10003.29",
        "2026-10-17 12:00,Interest of 2026-10-16,Interest,3.29,0.00,10006.58",
        "2026-10-17 12:00,Repaid from payout AMZ-77,Interest,0.00,6.58,10000.00",
        "2026-10-17 12:00,Repaid from payout AMZ-77,Principal,0.00,493.42,9506.58",
    ]
    choose_language(client, "zh_Hans", csrf)
    chinese = client.get(f"/loans/{loan.id}/statement.csv").text.splitlines()
    assert chinese[0] == "日期（UTC）,摘要,账户,借方,贷方,余额"
    assert chinese[-1] == "2026-10-17 12:00,从回款 AMZ-77 中还款,本金,0.00,493.42,9506.58"
    choose_language(client, "en", csrf)
    pdf = client.get(f"/loans/{loan.id}/statement.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert client.get(f"/loans/{loan.id}/statement.pdf").content == pdf.content  # deterministic


def test_another_seller_sees_nothing_of_the_loan(client: TestClient, demo: Session,
                                                 clock: FrozenClock) -> None:
    loan = _repaid_loan(demo, clock)
    _signed_in(client, OTHER_SELLER)
    assert client.get(f"/loans/{loan.id}/statement.csv").status_code == 404
    assert client.get(f"/loans/{loan.id}/statement.pdf").status_code == 404
    page = client.get("/loans")
    assert str(loan.id) not in page.text
    assert "No loans yet" in page.text
    client.cookies.clear()
    sign_in(client, OPERATIONS)
    assert client.get("/loans").status_code == 404  # staff read loans on the Operations page


def test_operations_disburse_a_loan(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    offer = accepted_offer(demo, seller=seller_id(demo))
    loan = book(demo, offer.id, "book-1")
    seller_csrf = _signed_in(client, SELLER)
    refused = client.post(f"/operations/loans/{loan.id}/disburse", data={"csrf_token": seller_csrf})
    assert refused.status_code == 403
    client.cookies.clear()
    csrf = _signed_in(client, OPERATIONS)
    page = client.get("/operations")
    assert "Loans awaiting disbursement" in page.text
    assert f'id="disburse-{loan.id}"' in page.text
    assert "9,900.00 USD" in page.text  # to the wallet, the 1 % fee netted
    # Why it waits: the contract is unsigned and the goods have not arrived; disbursing now is refused.
    assert "No contract has been made from the offer yet." in page.text
    tracking = shipment_for(offer.id).tracking_number
    assert f"The carrier has reported nothing about shipment {tracking} yet." in page.text
    before = rows(demo)
    unmet = client.post(f"/operations/loans/{loan.id}/disburse", data={"csrf_token": csrf})
    assert unmet.status_code == 409
    assert ("The loan cannot be disbursed yet: All signatures present, Financed goods arrived at the "
            "warehouse not met.") in unmet.text
    assert rows(demo) == before
    # Both conditions are met while another payment holds all but 5,000.00 of the funder's capital:
    # the automatic disbursement is refused and the loan still waits, all its conditions met.
    held = _hold_funder_capital(demo, keep=Decimal("5000.00"))
    meet_conditions(demo, loan)
    assert loan.status == "awaiting_disbursement"
    assert "All conditions met" in client.get("/operations").text
    ledger.void_pending(demo, CONTEXT, held, idempotency_key="test:funder-hold:void")
    done = client.post(f"/operations/loans/{loan.id}/disburse", data={"csrf_token": csrf})
    assert done.status_code == 200, done.text
    assert ("Loan disbursed: 9,900.00 USD paid into the wallet of Shenzhen Lumen Electronics Co., Ltd."
            in done.text)
    assert "No loans are waiting to be disbursed." in done.text
    demo.refresh(loan)
    assert loan.status == "active"
    # Twice changes nothing.
    assert client.post(f"/operations/loans/{loan.id}/disburse", data={"csrf_token": csrf}).status_code == 200
    assert demo.execute(text("SELECT count(*) FROM ledger_entries WHERE idempotency_key = :key"),
                        {"key": f"lending:loan:{loan.id}:disbursement"}).scalar_one() == 1


def test_operations_see_loans_paying_their_supplier(client: TestClient, demo: Session,
                                                    clock: FrozenClock) -> None:
    """A loan whose supplier payment no channel has taken yet is listed apart, with the payment's
    state in the reader's language."""
    supplier = service.SupplierPayee("Dongguan Precision Parts Co., Ltd.", "CN6212260200001234567", "CN")
    offer = accepted_offer(demo, seller=seller_id(demo))
    loan = meet_conditions(demo, book(demo, offer.id, "paying-1", supplier=supplier))
    assert loan.status == "disbursing"
    csrf = _signed_in(client, OPERATIONS)
    page = client.get("/operations").text
    section = page[page.index('id="loans-paying-suppliers"'):]
    assert "Paying suppliers" in section
    assert re.search(r"Dongguan Precision Parts Co., Ltd.</td>\s*<td class=\"number\">9,900.00 USD", section)
    assert ">Requested</span>" in page  # the payment waits for a channel
    choose_language(client, "zh_Hans", csrf)
    chinese = client.get("/operations").text
    assert "正在向供应商付款" in chinese
    assert ">已申请</span>" in chinese


def test_the_loans_are_paginated(client: TestClient, demo: Session, clock: FrozenClock) -> None:
    for number in range(6):
        offer = accepted_offer(demo, seller=seller_id(demo), amount=f"{1000 + number}.00")
        book(demo, offer.id, f"book-{number}")
        clock.advance(timedelta(minutes=1))  # newest first
    _signed_in(client, SELLER)
    first = client.get("/loans")
    assert first.text.count('class="card loan"') == 5
    assert "Page 1 of 2" in first.text
    assert "1,005.00 USD" in first.text
    second = client.get("/loans?page=2")
    assert second.text.count('class="card loan"') == 1
    assert "1,000.00 USD" in second.text


def _hold_funder_capital(session: Session, keep: Decimal) -> uuid.UUID:
    """A pending payout of harbour-capital's available USD but ``keep``: Dr funder:available /
    Cr platform:clearing (pending), as a supplier payment in flight holds it."""
    funder = uuid.UUID(organisation_id(session, "harbour-capital"))
    available = ledger.open_account(session, funder, "funder:available", "USD")
    platform = uuid.UUID(organisation_id(session, "fourflow"))
    clearing = ledger.open_account(session, platform, "platform:clearing", "USD", subject="payouts")
    amount = ledger.balance(session, available).available - keep
    return ledger.transfer(session, CONTEXT, ledger.Transfer(
        idempotency_key="test:funder-hold", pending=True, postings=(
            ledger.Posting(available.id, ledger.Side.DEBIT, amount, "USD"),
            ledger.Posting(clearing.id, ledger.Side.CREDIT, amount, "USD")))).entry_id


def test_the_seller_signs_the_contract_on_the_loans_page(client: TestClient, demo: Session,
                                                         clock: FrozenClock) -> None:
    """Receivables financing waits for the signed contract only: the Loans page makes the contract,
    mails a code to the signed-in user, a wrong code is refused (and counted, as in the API), the right
    one signs, the platform countersigns and the loan is disbursed; another seller cannot touch it."""
    offer = accepted_offer(demo, seller=seller_id(demo), product="receivables_financing", amount="5000.00")
    loan = book(demo, offer.id, "book-sign")
    register_seller(demo, offer.id)
    csrf = _signed_in(client, OTHER_SELLER)
    refused = client.post(f"/loans/{loan.id}/contract/signing-code", data={"csrf_token": csrf})
    assert refused.status_code == 404
    client.cookies.clear()
    csrf = _signed_in(client, SELLER)
    page = client.get("/loans")
    assert (page.status_code, "Send me a code" in page.text) == (200, True)

    sent = client.post(f"/loans/{loan.id}/contract/signing-code", data={"csrf_token": csrf})
    assert sent.status_code == 200, sent.text
    assert "We mailed a one-time code to owner@lumen.demo; enter it below to sign the contract." in sent.text
    code_id = demo.execute(text("SELECT c.id FROM lending_contract_signing_codes c JOIN lending_contracts k "
                                "ON k.id = c.contract_id WHERE k.offer_id = :offer"),
                           {"offer": offer.id}).scalar_one()
    code = contracts.signing_code_for(TEST_SECRET_KEY, code_id)
    wrong = client.post(f"/loans/{loan.id}/contract/sign",
                        data={"csrf_token": csrf, "code": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert wrong.status_code == 422
    assert "The one-time code is wrong, used or expired; ask for a new code." in wrong.text
    assert demo.execute(text("SELECT failed_attempts FROM lending_contract_signing_codes WHERE id = :id"),
                        {"id": code_id}).scalar_one() == 1
    demo.refresh(loan)
    assert loan.status == "awaiting_disbursement"

    signed = client.post(f"/loans/{loan.id}/contract/sign", data={"csrf_token": csrf, "code": code},
                         follow_redirects=False)
    assert (signed.status_code, signed.headers["location"]) == (
        303, f"/loans?signed={loan.id}#loan-{loan.id}")
    demo.refresh(loan)
    assert loan.status == "active"
    shown = client.get(signed.headers["location"])
    assert "You signed the contract and the platform countersigned it." in shown.text
    assert "Send me a code" not in shown.text
    assert ledger.check_invariants(demo).hold
