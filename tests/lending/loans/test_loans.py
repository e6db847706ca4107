"""Loans and their money, hand-computed (MONEY-FLOWS events 2–6): booking, disbursement, daily accrual,
repayment from payouts, and bad input that changes nothing. On the demo world (harbour-capital has
2,500,000.00 USD available) on a frozen clock."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.ledger import service as ledger
from fourflow.lending.applications.errors import OfferNotFound
from fourflow.lending.loans import service
from fourflow.lending.loans.errors import (
    AccrualDateInFuture,
    FunderCapitalInsufficient,
    LoanAlreadyBooked,
    OfferNotAccepted,
    PayoutAmountNotPositive,
    PayoutAmountTooPrecise,
    PayoutCurrencyMismatch,
    PayoutReferenceReused,
    SellerNotFound,
)
from tests.lending.conditions_helpers import book, disbursed_loan, meet_conditions
from tests.lending.loans.conftest import CONTEXT, NOW, OTHER_SELLER, accepted_offer, books, rows, seller_id

D = Decimal


def _actions(session: Session, subject: object) -> list[str]:
    return list(session.execute(text(
        "SELECT action FROM audit_events WHERE subject_id = :s ORDER BY sequence"),
        {"s": str(subject)}).scalars())


def test_a_bullet_loan_from_booking_to_closing(demo: Session, clock: FrozenClock) -> None:
    """10,000.00 USD at 12 % ACT/365F for 30 days (order financing, bullet, fee 1 %):
    fee = 10,000.00 × 0.01 = 100.00; interest = 10,000 × 0.12 × 30 ÷ 365 = 98.630… = 98.63."""
    offer = accepted_offer(demo, seller=seller_id(demo))
    loan = book(demo, offer.id, "book-1")
    assert (loan.status, loan.principal_amount, loan.currency, loan.annual_rate,
            loan.day_count_convention) == (
        "awaiting_disbursement", D("10000.00"), "USD", D("0.12"), "ACT/365F")
    assert (loan.start_on, loan.maturity_on) == (date(2026, 10, 15), date(2026, 11, 14))
    planned = service.schedule(demo, loan)
    assert [(i.due_on, str(i.principal.amount), str(i.interest.amount)) for i in planned.instalments] == [
        (date(2026, 11, 14), "10000.00", "98.63")]
    start = books(demo, loan)
    assert (start.principal, start.interest, start.fees) == (D("0.00"), D("0.00"), D("0.00"))

    # Disbursement: Dr principal 10,000.00; Cr wallet 9,900.00 and fees 100.00; funder 10,000.00 deployed.
    # The contract signed and the goods arrived (its conditions): the last event disburses the loan.
    meet_conditions(demo, loan)
    after = books(demo, loan)
    assert loan.status == "active"
    assert after.principal == D("10000.00")
    assert after.wallet - start.wallet == D("9900.00")
    assert after.income_fees - start.income_fees == D("100.00")
    assert start.funder_available - after.funder_available == D("10000.00")
    assert after.funder_deployed - start.funder_deployed == D("10000.00")
    before = rows(demo)
    service.disburse(demo, CONTEXT, loan.id)  # again: nothing new
    assert rows(demo) == before

    # Today's interest is not over yet.
    with pytest.raises(AccrualDateInFuture):
        service.accrue_interest(demo, CONTEXT, loan.id, NOW.date())
    # Ten days later, the ten days 15–24 October: 10,000 × 0.12 × 10 ÷ 365 = 32.876… = 32.88,
    # posted 3.29, 3.29, 3.28, … (each day the rounded running total less what was posted).
    clock.advance(timedelta(days=10))
    posted = service.accrue_interest(demo, CONTEXT, loan.id, date(2026, 10, 24))
    assert str(posted.amount) == "32.88"
    daily = demo.execute(text(
        "SELECT p.amount FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id "
        "WHERE e.idempotency_key LIKE :k AND p.amount > 0 ORDER BY e.idempotency_key"),
        {"k": f"lending:loan:{loan.id}:interest:%"}).scalars().all()
    assert [str(amount) for amount in daily][:3] == ["3.29", "3.29", "3.28"]
    assert sum(daily) == D("32.88")
    assert books(demo, loan).interest == D("32.88")
    before = rows(demo)
    assert service.accrue_interest(demo, CONTEXT, loan.id, date(2026, 10, 24)).is_zero()  # idempotent
    assert rows(demo) == before

    # At maturity, all 30 days add up to the contract's 98.63 to the cent; accrual stops there.
    clock.advance(timedelta(days=25))  # 19 November
    service.accrue_interest(demo, CONTEXT, loan.id, date(2026, 11, 18))
    assert books(demo, loan).interest == D("98.63")
    assert loan.interest_accrued_until == date(2026, 11, 14)

    # A payout of 12,000.00: interest 98.63, principal 10,000.00, the rest 1,901.37 to the wallet.
    applied = service.apply_payout(demo, CONTEXT, loan.seller_organisation_id, D("12000.00"), "USD", "AMZ-1")
    assert [(r.fees_amount, r.interest_amount, r.principal_amount) for r in applied.repayments] == [
        (D("0.00"), D("98.63"), D("10000.00"))]
    assert applied.payout.released_amount == D("1901.37")
    end = books(demo, loan)
    assert (end.principal, end.interest, end.fees, end.collections) == (D("0.00"),) * 4
    assert end.wallet - start.wallet == D("9900.00") + D("1901.37")
    assert end.bank - start.bank == D("12000.00")
    # interest-split@v1: the funder 80 % of 98.63 = 78.904 → 78.90, the platform the rest 19.73.
    assert end.funder_income - start.funder_income == D("78.90")
    assert end.income_interest - start.income_interest == D("19.73")
    assert (end.funder_available, end.funder_deployed) == (start.funder_available, start.funder_deployed)
    assert loan.status == "closed"
    assert ledger.check_invariants(demo).hold
    # Conditions evaluated at booking, on the countersignature and on the tracking file (the last one met).
    assert _actions(demo, loan.id) == ["lending:loan:booked", "lending:loan:conditions_evaluated",
                                       "lending:loan:conditions_evaluated",
                                       "lending:loan:conditions_evaluated",
                                       "lending:loan:disbursed",
                                       "lending:loan:interest_accrued", "lending:loan:interest_accrued",
                                       "lending:loan:closed"]

    # The same payout reference again: nothing.
    before = rows(demo)
    again = service.apply_payout(demo, CONTEXT, loan.seller_organisation_id, D("12000.00"), "USD", "AMZ-1")
    assert (again.created, again.payout.id) == (False, applied.payout.id)
    assert rows(demo) == before

    # A new payout after the loan closed repays nothing: all 500.00 reach the wallet.
    later = service.apply_payout(demo, CONTEXT, loan.seller_organisation_id, D("500.00"), "USD", "AMZ-2")
    assert (later.created, later.repayments, later.payout.released_amount) == (True, [], D("500.00"))
    closed = books(demo, loan)
    assert (closed.principal, closed.interest, closed.fees) == (D("0.00"),) * 3
    assert closed.wallet - end.wallet == D("500.00")
    assert loan.status == "closed"
    assert ledger.check_invariants(demo).hold


def test_a_payout_sweep_takes_the_minimum_due(demo: Session, clock: FrozenClock) -> None:
    """10,000.00 USD at 12 % for 90 days, receivables financing (25 % of each payout, a minimum every
    30 days, fee 0.5 % = 50.00). First minimum, due 14 November: principal 10,000 ÷ 3 = 3,333.33 plus
    interest 98.63 = 3,431.96."""
    offer = accepted_offer(demo, seller=seller_id(demo), product="receivables_financing", tenor_days=90)
    loan = disbursed_loan(demo, offer.id, "book-sweep")
    start = books(demo, loan)
    assert start.income_fees >= D("50.00")

    # 25 October: no minimum due yet; 25 % of 2,000.00 = 500.00: the ten days' interest 32.88 first,
    # then principal 467.12; 1,500.00 to the wallet.
    clock.advance(timedelta(days=10))
    first = service.apply_payout(demo, CONTEXT, loan.seller_organisation_id, D("2000.00"), "USD", "P-1")
    assert [(r.interest_amount, r.principal_amount) for r in first.repayments] == [(D("32.88"), D("467.12"))]
    assert first.payout.released_amount == D("1500.00")
    assert books(demo, loan).principal == D("9532.88")

    # 14 November, the first due date: the days 25 Oct – 13 Nov on 9,532.88: 9,532.88 × 0.12 × 20 ÷ 365
    # = 62.682… accrued as 62.68 (running total 32.876… + 62.682… = 95.559… → 95.56, less 32.88 posted).
    # Minimum due 3,431.96 − 500.00 paid = 2,931.96 > 25 % of 4,000.00: the loan takes 2,931.96,
    # interest 62.68, principal 2,869.28; 1,068.04 to the wallet.
    clock.advance(timedelta(days=20))
    second = service.apply_payout(demo, CONTEXT, loan.seller_organisation_id, D("4000.00"), "USD", "P-2")
    assert [(r.interest_amount, r.principal_amount) for r in second.repayments] == [
        (D("62.68"), D("2869.28"))]
    assert second.payout.released_amount == D("1068.04")
    end = books(demo, loan)
    assert (end.principal, end.interest) == (D("6663.60"), D("0.00"))
    assert start.funder_deployed - end.funder_deployed == D("467.12") + D("2869.28")
    assert loan.status == "active"
    assert ledger.check_invariants(demo).hold


def test_a_payout_for_a_seller_without_a_loan_goes_to_the_wallet(demo: Session,
                                                                 clock: FrozenClock) -> None:
    seller = seller_id(demo, OTHER_SELLER)
    wallet = ledger.open_account(demo, seller, "seller:wallet", "USD")
    before = ledger.balance(demo, wallet).posted
    applied = service.apply_payout(demo, CONTEXT, seller, D("750.25"), "USD", "SHOP-9")
    demo.refresh(wallet)
    assert ledger.balance(demo, wallet).posted - before == D("750.25")
    assert (applied.repayments, applied.payout.released_amount) == ([], D("750.25"))
    assert _actions(demo, applied.payout.id) == ["lending:payout:applied"]


def test_bad_bookings_are_refused_and_change_nothing(demo: Session, clock: FrozenClock) -> None:
    import uuid

    seller = seller_id(demo)
    open_offer = accepted_offer(demo, seller=seller, status="open")
    booked = accepted_offer(demo, seller=seller)
    loan = service.book_loan(demo, CONTEXT, booked.id, "key-a")
    before = rows(demo)
    with pytest.raises(OfferNotFound):
        service.book_loan(demo, CONTEXT, uuid.uuid4(), "key-x")
    with pytest.raises(OfferNotFound):  # another seller's offer
        service.book_loan(demo, CONTEXT, booked.id, "key-y",
                          seller_organisation_id=seller_id(demo, OTHER_SELLER))
    with pytest.raises(OfferNotAccepted) as refused:
        service.book_loan(demo, CONTEXT, open_offer.id, "key-b")
    assert refused.value.code == "offer_not_accepted"
    with pytest.raises(LoanAlreadyBooked):
        service.book_loan(demo, CONTEXT, booked.id, "key-c")
    assert service.book_loan(demo, CONTEXT, booked.id, "key-a").id == loan.id  # the same key: the same loan
    assert rows(demo) == before


def test_bad_payouts_are_refused_and_change_nothing(demo: Session, clock: FrozenClock) -> None:
    offer = accepted_offer(demo, seller=seller_id(demo))
    loan = disbursed_loan(demo, offer.id, "book-bad")
    seller = loan.seller_organisation_id
    before = rows(demo)
    with pytest.raises(PayoutCurrencyMismatch) as mismatch:
        service.apply_payout(demo, CONTEXT, seller, D("100.00"), "EUR", "EU-1")
    assert mismatch.value.code == "payout_currency_mismatch"
    with pytest.raises(PayoutAmountTooPrecise):
        service.apply_payout(demo, CONTEXT, seller, D("100.001"), "USD", "US-1")
    with pytest.raises(PayoutAmountNotPositive):
        service.apply_payout(demo, CONTEXT, seller, D("0"), "USD", "US-2")
    assert rows(demo) == before


def test_without_funder_capital_a_loan_is_not_disbursed(demo: Session, clock: FrozenClock) -> None:
    """harbour-capital has 2,500,000.00 USD available: 3,000,000.00 is too much."""
    offer = accepted_offer(demo, seller=seller_id(demo), amount="3000000.00")
    loan = meet_conditions(demo, book(demo, offer.id, "book-big"))  # the events' disbursement was refused
    assert loan.status == "awaiting_disbursement"
    before = rows(demo)
    with pytest.raises(FunderCapitalInsufficient) as refused:
        service.disburse(demo, CONTEXT, loan.id)
    assert refused.value.code == "funder_capital_insufficient"
    assert "2500000.00 USD" in str(refused.value)
    assert rows(demo) == before
    assert loan.status == "awaiting_disbursement"


def test_accrue_all_accrues_every_active_loan(demo: Session, clock: FrozenClock) -> None:
    """Two loans of 10,000.00 at 12 %: one day each is 10,000 × 0.12 ÷ 365 = 3.287… = 3.29."""
    first = disbursed_loan(demo, accepted_offer(demo, seller=seller_id(demo)).id, "all-1")
    second = disbursed_loan(demo, accepted_offer(demo, seller=seller_id(demo)).id, "all-2")
    clock.advance(timedelta(days=1))
    assert service.accrue_all(demo, CONTEXT, NOW.date()) == 2
    assert [books(demo, loan).interest for loan in (first, second)] == [D("3.29"), D("3.29")]
    assert service.accrue_all(demo, CONTEXT, NOW.date()) == 0


def test_a_payout_reference_reused_with_another_amount_or_an_unknown_seller_is_refused(
        demo: Session, clock: FrozenClock) -> None:
    import uuid

    seller = seller_id(demo, OTHER_SELLER)
    service.apply_payout(demo, CONTEXT, seller, D("10.00"), "USD", "ONCE")
    before = rows(demo)
    with pytest.raises(PayoutReferenceReused):
        service.apply_payout(demo, CONTEXT, seller, D("10.01"), "USD", "ONCE")
    with pytest.raises(SellerNotFound):
        service.apply_payout(demo, CONTEXT, uuid.uuid4(), D("10.00"), "USD", "ANY")
    with pytest.raises(SellerNotFound):  # the funder is no seller
        service.apply_payout(demo, CONTEXT, seller_id(demo, "harbour-capital"), D("10.00"), "USD", "ANY")
    assert rows(demo) == before


@pytest.mark.parametrize(("amount", "annual_rate", "tenor_days", "contract", "funder_part"), [
    # 10,000.00 × 0.12 × 30 ÷ 365 = 98.630… → 98.63; the funder's 80 %: 78.904 → 78.90
    ("10000.00", "0.12", 30, "98.63", "78.90"),
    # 7,345.67 × 0.0875 × 45 ÷ 365 = 79.2426… → 79.24; 80 %: 63.392 → 63.39
    ("7345.67", "0.0875", 45, "79.24", "63.39"),
    # 123,456.78 × 0.1999 × 120 ÷ 365 = 8,113.6472… → 8,113.65; 80 %: 6,490.92 exactly
    ("123456.78", "0.1999", 120, "8113.65", "6490.92"),
])
def test_daily_accrual_adds_up_to_the_contract_to_the_cent(demo: Session, clock: FrozenClock, amount: str,
                                                           annual_rate: str, tenor_days: int,
                                                           contract: str, funder_part: str) -> None:
    """Accrued in uneven runs (day 1, then 6 days, then the rest): the days add up to the bullet's
    interest computed at once, and the funder's daily parts to its 80 % of it (interest-split@v1),
    the platform's to the rest."""
    offer = accepted_offer(demo, seller=seller_id(demo), amount=amount, annual_rate=annual_rate,
                           tenor_days=tenor_days)
    loan = disbursed_loan(demo, offer.id, f"contract-{amount}")
    assert str(service.schedule(demo, loan).total_interest.amount) == contract
    for days in (1, 7, tenor_days + 3):
        clock.set(NOW + timedelta(days=days))
        service.accrue_interest(demo, CONTEXT, loan.id, (NOW + timedelta(days=days - 1)).date())
    assert books(demo, loan).interest == D(contract)
    assert loan.interest_accrued_amount == D(contract)
    assert loan.funder_interest_amount == D(funder_part)
    # Every day's entry: Dr loan:interest = Cr funder:income + Cr platform:income:interest (credits
    # are stored negative).
    legs = demo.execute(text(
        "SELECT -sum(CASE WHEN a.code = 'funder:income' THEN p.amount ELSE 0 END),"
        "       -sum(CASE WHEN a.code = 'platform:income:interest' THEN p.amount ELSE 0 END) "
        "FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id "
        "JOIN ledger_accounts a ON a.id = p.account_id WHERE e.idempotency_key LIKE :k"),
        {"k": f"lending:loan:{loan.id}:interest:%"}).one()
    assert (legs[0], legs[1]) == (D(funder_part), D(contract) - D(funder_part))
