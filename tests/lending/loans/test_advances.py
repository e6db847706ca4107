"""The daily advance (issue 7): enrolment, the morning's advance on yesterday's shipped-but-unpaid
sales (exact amounts, once per seller and day), the cap, netting from the payout that covers the
orders (fee, then principal, then the loans as before), a payout applied twice, bad enrolments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.core.database import Database
from fourflow.core.pagination import PageRequest
from fourflow.ledger import service as ledger
from fourflow.lending.loans import service
from fourflow.lending.loans.errors import (
    DailyAdvanceAlreadyEnrolled,
    DailyAdvanceNotEnrolled,
    DailyAdvanceNotOffered,
    ReceivablesFacilityMissing,
)
from fourflow.lending.loans.models import DailyAdvanceEnrolment
from fourflow.lending.loans.tasks import advance_all
from tests.helpers import count, organisation_id
from tests.lending.advance_helpers import enrolled_seller, settlement, shipped_order
from tests.lending.conditions_helpers import disbursed_loan
from tests.lending.loans.conftest import CONTEXT, OTHER_SELLER, accepted_offer, books, seller_id

D = Decimal
SALES_DAY = date(2026, 10, 15)


def at(hour: int, day: date = SALES_DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class AdvanceBooks:
    principal: Decimal
    fees: Decimal
    wallet: Decimal
    funder_available: Decimal
    funder_deployed: Decimal
    income_fees: Decimal


def advance_books(session: Session, seller: uuid.UUID, funder: uuid.UUID) -> AdvanceBooks:
    platform = uuid.UUID(organisation_id(session, "fourflow"))

    def posted(owner: uuid.UUID, code: str, subject: str = "") -> Decimal:
        account = ledger.open_account(session, owner, code, "USD", subject=subject)
        session.refresh(account)
        return ledger.balance(session, account).posted

    return AdvanceBooks(posted(seller, "loan:principal", "daily-advances"),
                        posted(seller, "loan:fees", "daily-advances"),
                        posted(seller, "seller:wallet"), posted(funder, "funder:available"),
                        posted(funder, "funder:deployed"), posted(platform, "platform:income:fees"))


def yesterdays_orders(session: Session, seller: uuid.UUID) -> None:
    """Shipped on 15 October and unpaid: 1,000.00 and 234.56 (1,234.56). Not counted: shipped the day
    before, refunded, paid already, in euros, a label never scanned."""
    shipped_order(session, seller, "1001", "1000.00", at(9))
    shipped_order(session, seller, "1002", "234.56", at(15))
    shipped_order(session, seller, "1003", "500.00", at(9, date(2026, 10, 14)))
    shipped_order(session, seller, "1004", "300.00", at(10), status="refunded/fulfilled")
    shipped_order(session, seller, "1005", "200.00", at(11))
    settlement(session, seller, "EARLIER-PAYOUT", {"1005": "200.00"}, at(8))
    shipped_order(session, seller, "1006", "100.00", at(12), currency="EUR")
    shipped_order(session, seller, "1007", "50.00", at(13), scanned=False)


def advance_rows(session: Session) -> dict[str, int]:
    return {table: count(session, table) for table in (
        "lending_daily_advance_enrolments", "lending_daily_advances", "lending_daily_advance_orders",
        "lending_daily_advance_nettings", "ledger_entries")}


def test_the_morning_advance_is_the_share_of_yesterdays_unpaid_sales_posted_once(
        demo: Session, clock: FrozenClock, database: Database) -> None:
    seller = seller_id(demo)
    enrolment = enrolled_seller(demo, seller)
    assert (enrolment.terms_version, enrolment.advance_share, enrolment.fee_rate, enrolment.cap_amount) == (
        "daily-advance@v1", D("0.800000"), D("0.001000"), D("10000.0000"))
    facility = service.get_loan(demo, enrolment.loan_id, None)
    yesterdays_orders(demo, seller)
    clock.advance(timedelta(days=1))
    before = advance_books(demo, seller, facility.funder_organisation_id)

    outcome = service.advance_day(demo, CONTEXT, seller, SALES_DAY)
    # 80 % of 1,234.56 = 987.648 → 987.64 (rounded down); fee 0.1 % of 987.64 = 0.98764 → 0.99.
    advance = outcome.advance
    assert outcome.reason == "advanced"
    assert advance is not None
    assert (advance.sales_amount, advance.principal_amount, advance.fee_amount, advance.orders_count,
            advance.status, advance.advanced_on, advance.due_on) == (
        D("1234.56"), D("987.64"), D("0.99"), 2, "outstanding", date(2026, 10, 16), date(2026, 11, 15))
    assert advance.inputs == {
        "definition": "shipped-unpaid@v1", "sales_on": "2026-10-15", "orders": 2, "sales": "1234.56",
        "advance_share": "0.800000", "fee_rate": "0.001000", "uncapped": "987.64", "cap": "10000.00",
        "outstanding_before": "0.00", "headroom": "10000.00", "facility_loan_id": str(facility.id)}
    orders = service.orders_of(demo, [advance])[advance.id]
    assert [(row.order_id, row.amount, row.shipped_at) for row in orders] == [
        ("1001", D("1000.0000"), at(9)), ("1002", D("234.5600"), at(15))]
    after = advance_books(demo, seller, facility.funder_organisation_id)
    assert (after.principal, after.fees) == (D("987.64"), D("0.99"))
    assert after.wallet - before.wallet == D("987.64")
    assert after.income_fees - before.income_fees == D("0.99")
    assert before.funder_available - after.funder_available == D("987.64")
    assert after.funder_deployed - before.funder_deployed == D("987.64")
    assert ledger.check_invariants(demo).hold

    # The job for the day again, and the service again: nothing more is posted.
    demo.flush()
    rows = advance_rows(demo)
    assert advance_all(database, SALES_DAY) == {seller: "already_advanced"}
    again = service.advance_day(demo, CONTEXT, seller, SALES_DAY)
    assert (again.reason, again.advance and again.advance.id) == ("already_advanced", advance.id)
    assert advance_rows(demo) == rows
    assert advance_books(demo, seller, facility.funder_organisation_id) == after
    assert count(demo, "ledger_entries WHERE idempotency_key = "
                       f"'lending:daily-advance:{seller}:2026-10-15'") == 1
    # The next morning has no new sales: nothing; the orders advanced on are not advanced on again.
    assert service.advance_day(demo, CONTEXT, seller, date(2026, 10, 16)).reason == "no_sales"


def test_the_cap_keeps_outstanding_advances_within_the_approved_amount(
        demo: Session, clock: FrozenClock) -> None:
    seller = seller_id(demo)
    enrolled_seller(demo, seller, amount="1000.00")
    yesterdays_orders(demo, seller)
    shipped_order(demo, seller, "2001", "100.00", at(10, date(2026, 10, 16)))
    shipped_order(demo, seller, "3001", "40.00", at(10, date(2026, 10, 17)))
    clock.advance(timedelta(days=3))
    first = service.advance_day(demo, CONTEXT, seller, SALES_DAY).advance
    # Day 2: 80 % of 100.00 = 80.00, but only 1,000.00 − 987.64 = 12.36 is left under the cap;
    # fee 0.1 % of 12.36 = 0.01236 → 0.01.
    second = service.advance_day(demo, CONTEXT, seller, date(2026, 10, 16)).advance
    assert first is not None
    assert second is not None
    assert (second.principal_amount, second.fee_amount, second.inputs["uncapped"],
            second.inputs["headroom"]) == (D("12.36"), D("0.01"), "80.00", "12.36")
    rows = advance_rows(demo)
    third = service.advance_day(demo, CONTEXT, seller, date(2026, 10, 17))
    assert (third.reason, third.advance) == ("cap_reached", None)
    assert {**advance_rows(demo), "ledger_entries": 0} == {**rows, "ledger_entries": 0}
    assert count(demo, "ledger_entries") == rows["ledger_entries"]


def test_the_payout_of_the_orders_nets_the_advance_first_then_repays_the_loan(
        demo: Session, clock: FrozenClock) -> None:
    seller = seller_id(demo)
    enrolment = enrolled_seller(demo, seller)
    facility = service.get_loan(demo, enrolment.loan_id, None)
    yesterdays_orders(demo, seller)
    clock.advance(timedelta(days=1))
    advance = service.advance_day(demo, CONTEXT, seller, SALES_DAY).advance
    assert advance is not None
    # 14 days later the marketplace pays the two orders (and others) under settlement SHOP-7.
    clock.set(datetime(2026, 10, 29, 12, tzinfo=UTC))
    settlement(demo, seller, "SHOP-7", {"1001": "1000.00", "1002": "234.56", "0999": "265.44"},
               at(6, date(2026, 10, 29)))
    before = advance_books(demo, seller, facility.funder_organisation_id)
    loan_before = books(demo, facility)

    applied = service.apply_payout(demo, CONTEXT, seller, D("1500.00"), "USD", "SHOP-7")
    # The advance first: fee 0.99, principal 987.64 (988.63); 1,500.00 − 988.63 = 511.37 goes on:
    # the loan's sweep takes 25 % of 511.37 = 127.8425 → 127.84: interest of 14 days,
    # 10,000 × 0.12 × 14 ÷ 365 = 46.027… = 46.03, then principal 81.81; the wallet gets 383.53.
    assert [(row.advance_id, row.fee_amount, row.principal_amount) for row in applied.nettings] == [
        (advance.id, D("0.99"), D("987.64"))]
    assert [(row.interest_amount, row.principal_amount) for row in applied.repayments] == [
        (D("46.03"), D("81.81"))]
    assert applied.payout.released_amount == D("383.53")
    demo.refresh(advance)
    assert (advance.status, advance.principal_repaid_amount, advance.fee_repaid_amount) == (
        "netted", D("987.64"), D("0.99"))
    after = advance_books(demo, seller, facility.funder_organisation_id)
    assert (after.principal, after.fees) == (D("0.00"), D("0.00"))
    assert after.wallet - before.wallet == D("383.53")
    assert after.funder_available - before.funder_available == D("987.64") + D("81.81")
    assert before.funder_deployed - after.funder_deployed == D("987.64") + D("81.81")
    assert books(demo, facility).principal == loan_before.principal - D("81.81")
    assert ledger.check_invariants(demo).hold

    # The same payout delivered again nets nothing more.
    rows = advance_rows(demo)
    repeated = service.apply_payout(demo, CONTEXT, seller, D("1500.00"), "USD", "SHOP-7")
    assert (repeated.created, repeated.nettings) == (False, ())
    assert advance_rows(demo) == rows
    assert advance_books(demo, seller, facility.funder_organisation_id) == after


def test_a_payout_too_small_nets_in_part_and_the_next_payout_nets_the_rest(
        demo: Session, clock: FrozenClock) -> None:
    seller = seller_id(demo)
    enrolment = enrolled_seller(demo, seller)
    facility = service.get_loan(demo, enrolment.loan_id, None)
    yesterdays_orders(demo, seller)
    clock.advance(timedelta(days=1))
    advance = service.advance_day(demo, CONTEXT, seller, SALES_DAY).advance
    assert advance is not None
    settlement(demo, seller, "SHOP-8", {"1001": "1000.00"}, at(6, date(2026, 10, 16)))
    # 500.00 covers the fee 0.99 and 499.01 of principal; nothing is left for the loan.
    first = service.apply_payout(demo, CONTEXT, seller, D("500.00"), "USD", "SHOP-8")
    assert [(row.fee_amount, row.principal_amount) for row in first.nettings] == [(D("0.99"), D("499.01"))]
    assert (first.repayments, first.payout.released_amount) == ([], D("0.00"))
    demo.refresh(advance)
    assert (advance.status, advance.principal_repaid_amount) == ("partly_netted", D("499.01"))
    # A payout naming none of its orders still nets what is left (488.63), then 25 % of the other
    # 11.37 = 2.8425 → 2.84 to the loan (interest of the one day, 10,000 × 0.12 ÷ 365 = 3.29, so all
    # interest), 8.53 to the wallet.
    second = service.apply_payout(demo, CONTEXT, seller, D("500.00"), "USD", "OTHER-9")
    assert [(row.fee_amount, row.principal_amount) for row in second.nettings] == [(D("0.00"), D("488.63"))]
    assert [(row.interest_amount, row.principal_amount) for row in second.repayments] == [
        (D("2.84"), D("0.00"))]
    assert second.payout.released_amount == D("8.53")
    demo.refresh(advance)
    assert advance.status == "netted"
    assert advance_books(demo, seller, facility.funder_organisation_id).principal == D("0.00")
    assert ledger.check_invariants(demo).hold


def test_a_payout_of_other_orders_leaves_the_advance_until_it_is_due(
        demo: Session, clock: FrozenClock) -> None:
    seller = seller_id(demo)
    enrolled_seller(demo, seller)
    yesterdays_orders(demo, seller)
    clock.advance(timedelta(days=1))
    advance = service.advance_day(demo, CONTEXT, seller, SALES_DAY).advance
    assert advance is not None
    applied = service.apply_payout(demo, CONTEXT, seller, D("100.00"), "USD", "UNRELATED-1")
    assert applied.nettings == ()
    clock.set(datetime(2026, 11, 15, 12, tzinfo=UTC))  # the advance's due day
    due = service.apply_payout(demo, CONTEXT, seller, D("2000.00"), "USD", "UNRELATED-2")
    assert [(row.fee_amount, row.principal_amount) for row in due.nettings] == [(D("0.99"), D("987.64"))]


def test_enrolment_refuses_bad_input_and_stores_nothing(demo: Session, clock: FrozenClock) -> None:
    seller, other = seller_id(demo), seller_id(demo, OTHER_SELLER)
    rows = advance_rows(demo)
    with pytest.raises(ReceivablesFacilityMissing):
        service.enrol(demo, CONTEXT, other)
    order_loan = disbursed_loan(demo, accepted_offer(demo, seller=other).id, "order-loan")
    rows = advance_rows(demo)
    with pytest.raises(DailyAdvanceNotOffered) as refused:
        service.enrol(demo, CONTEXT, other, loan_id=order_loan.id)
    assert refused.value.localised("en") == (
        "The daily advance comes with receivables financing; this loan is order financing.")
    with pytest.raises(ReceivablesFacilityMissing):
        service.enrol(demo, CONTEXT, other)  # an order-financing loan is no facility
    with pytest.raises(DailyAdvanceNotEnrolled):
        service.unenrol(demo, CONTEXT, other)
    assert advance_rows(demo) == rows
    enrolment = enrolled_seller(demo, seller)
    rows = advance_rows(demo)
    with pytest.raises(DailyAdvanceAlreadyEnrolled):
        service.enrol(demo, CONTEXT, seller)
    assert advance_rows(demo) == rows
    withdrawn = service.unenrol(demo, CONTEXT, seller)
    assert (withdrawn.id, withdrawn.status) == (enrolment.id, "withdrawn")
    assert service.enrolment_of(demo, seller) is None
    assert service.advance_day(demo, CONTEXT, seller, SALES_DAY).reason == "not_enrolled"
    assert demo.execute(text("SELECT count(*) FROM lending_daily_advances")).scalar_one() == 0
    page = service.list_advances(demo, seller, PageRequest(page=1, page_size=10))
    assert page.items == []
    assert isinstance(enrolment, DailyAdvanceEnrolment)
