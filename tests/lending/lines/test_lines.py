"""Credit lines: opened by the acceptance of a revolving offer, drawn within the limit (each draw a
loan paid out once the contract is signed), repaid by payouts (which restore what is available), and
every refusal storing nothing. Figures by hand in the comments."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.core.errors import FourflowError
from fourflow.ledger import service as ledger
from fourflow.lending.applications import service as applications
from fourflow.lending.lines import service as lines
from fourflow.lending.loans import service as loans
from fourflow.risk.models import DRAWDOWN_HOLD, LIMIT_FREEZE
from fourflow.risk.service import controls
from tests.lending.conditions_helpers import sign_contract
from tests.lending.lines.conftest import PRODUCT, open_line, rows
from tests.lending.loans.conftest import CONTEXT, NOW, OTHER_SELLER, accepted_offer, books, seller_id

D = Decimal


def _figures(session: Session, line: lines.CreditLine) -> tuple[Decimal, Decimal, Decimal]:
    figures = lines.figures(session, line)
    return figures.limit.amount, figures.drawn.amount, figures.available.amount


def test_accepting_a_revolving_offer_opens_its_line(demo: Session, clock: FrozenClock) -> None:
    """Limit = the offer's 10,000.00 USD at 12 %; open for draws 180 days from 15 October 2026, i.e.
    until 13 April 2027 (16 + 30 + 31 + 31 + 28 + 31 + 13 = 180 days); 1 % of each draw as the fee."""
    seller = seller_id(demo)
    offer = accepted_offer(demo, seller=seller, product=PRODUCT, tenor_days=180, status="open")
    assert lines.line_of_offer(demo, offer.id) is None
    applications.accept_offer(demo, CONTEXT, offer.id, seller, accepted_by_user_id=None)
    line = lines.line_of_offer(demo, offer.id)
    assert line is not None
    assert (line.limit_amount, line.currency, line.annual_rate, line.origination_fee_rate, line.status,
            line.opened_on, line.term_end_on, line.draw_tenor_days) == (
        D("10000.0000"), "USD", D("0.120000"), D("0.010000"), "open", date(2026, 10, 15), date(2027, 4, 13),
        180)
    assert _figures(demo, line) == (D("10000.00"), D("0.00"), D("10000.00"))
    assert lines.state(demo, line) == "open"
    # Accepting opened it once; opening again (a retried event) returns the same line.
    assert lines.open_line(demo, CONTEXT, offer).id == line.id
    # The offer is the line's: it is not booked as one loan.
    with pytest.raises(FourflowError) as refused:
        loans.book_loan(demo, CONTEXT, offer.id, "as-a-loan")
    assert refused.value.code == "offer_opens_credit_line"
    # Other products' acceptances open no line.
    other = accepted_offer(demo, seller=seller, product="receivables_financing", status="open")
    applications.accept_offer(demo, CONTEXT, other.id, seller, accepted_by_user_id=None)
    assert lines.line_of_offer(demo, other.id) is None


def test_draws_repayments_and_draws_again(demo: Session, clock: FrozenClock) -> None:
    seller = seller_id(demo)
    line = open_line(demo, seller)

    # Before the contract is signed a draw is booked and waits: it counts against the limit already.
    # 4,000.00 × 1 % = 40.00 fee, so 3,960.00 will reach the wallet.
    first = lines.draw(demo, CONTEXT, line.id, D("4000.00"), "draw-1", seller_organisation_id=seller,
                       requested_by_user_id=None)
    assert first.created
    assert (first.loan.status, first.loan.principal_amount, first.loan.origination_fee_amount) == (
        "awaiting_disbursement", D("4000.0000"), D("40.0000"))
    assert (first.draw.amount, first.draw.origination_fee_amount) == (D("4000.0000"), D("40.0000"))
    assert _figures(demo, line) == (D("10000.00"), D("4000.00"), D("6000.00"))
    # Its own schedule: equal principal every 30 days over 180 days, 4,000 ÷ 6 = 666.66 (the last
    # 666.70); interest of the first month 4,000 × 0.12 × 30 ÷ 365 = 39.452… = 39.45.
    schedule = loans.schedule(demo, first.loan).instalments
    assert [(row.due_on, row.principal.amount) for row in schedule][:1] == [(date(2026, 11, 14), D("666.66"))]
    assert (len(schedule), schedule[-1].principal.amount, schedule[0].interest.amount) == (
        6, D("666.70"), D("39.45"))
    wallet_before = books(demo, first.loan).wallet

    # Every signature present: the waiting draw is paid out, net of its fee.
    sign_contract(demo, line.offer_id)
    demo.refresh(first.loan)
    assert first.loan.status == "active"
    after_first = books(demo, first.loan)
    assert (after_first.principal, after_first.wallet - wallet_before) == (D("4000.00"), D("3960.00"))

    # Signed: a draw is paid out at once (an hour later: payouts repay the oldest disbursement first).
    # 2,500.50 × 1 % = 25.005, to the cent half to even: 25.00.
    clock.advance(timedelta(hours=1))
    second = lines.draw(demo, CONTEXT, line.id, D("2500.50"), "draw-2", seller_organisation_id=seller,
                        requested_by_user_id=None)
    assert (second.loan.status, second.loan.origination_fee_amount) == ("active", D("25.0000"))
    assert books(demo, second.loan).wallet - wallet_before == D("3960.00") + D("2475.50")
    # Drawn 4,000.00 + 2,500.50 = 6,500.50; available 10,000.00 − 6,500.50 = 3,499.50.
    assert _figures(demo, line) == (D("10000.00"), D("6500.50"), D("3499.50"))

    # A payout of 3,000.00 today (no interest accrued yet) repays the oldest draw's principal first.
    loans.apply_payout(demo, CONTEXT, seller, D("3000.00"), "USD", "LINE-PAYOUT-1")
    assert books(demo, first.loan).principal == D("1000.00")
    # Available again: 3,499.50 + 3,000.00 = 6,499.50.
    assert _figures(demo, line) == (D("10000.00"), D("3500.50"), D("6499.50"))

    # And drawn again, up to exactly what is available.
    clock.advance(timedelta(hours=1))
    third = lines.draw(demo, CONTEXT, line.id, D("6499.50"), "draw-3", seller_organisation_id=seller,
                       requested_by_user_id=None)
    assert third.loan.status == "active"
    assert _figures(demo, line) == (D("10000.00"), D("10000.00"), D("0.00"))

    # A payout of 10,000.00 repays every draw (1,000.00 + 2,500.50 + 6,499.50): each loan closes.
    loans.apply_payout(demo, CONTEXT, seller, D("10000.00"), "USD", "LINE-PAYOUT-2")
    statuses = [loan.status for _row, loan in lines.draws(demo, line)]
    assert statuses == ["closed", "closed", "closed"]
    assert _figures(demo, line) == (D("10000.00"), D("0.00"), D("10000.00"))
    # Fees: 40.00 + 25.00 + 6,499.50 × 1 % = 64.995 → 65.00 (half to even); all three netted.
    assert [row.origination_fee_amount for row, _loan in lines.draws(demo, line)] == [
        D("40.0000"), D("25.0000"), D("65.0000")]
    assert ledger.check_invariants(demo).hold


def test_a_key_drawn_before_returns_the_first_draw_and_moves_nothing(demo: Session,
                                                                    clock: FrozenClock) -> None:
    seller = seller_id(demo)
    line = open_line(demo, seller)
    sign_contract(demo, line.offer_id)
    first = lines.draw(demo, CONTEXT, line.id, D("1500.00"), "same-key", seller_organisation_id=seller,
                       requested_by_user_id=None)
    before = rows(demo)
    again = lines.draw(demo, CONTEXT, line.id, D("1500.00"), " same-key ", seller_organisation_id=seller,
                       requested_by_user_id=None)
    assert (again.created, again.draw.id, again.loan.id) == (False, first.draw.id, first.loan.id)
    assert rows(demo) == before
    with pytest.raises(FourflowError) as reused:
        lines.draw(demo, CONTEXT, line.id, D("1600.00"), "same-key", seller_organisation_id=seller,
                   requested_by_user_id=None)
    assert (reused.value.code, reused.value.params["amount"]) == ("draw_key_reused", "1500.00 USD")
    assert rows(demo) == before
    assert _figures(demo, line) == (D("10000.00"), D("1500.00"), D("8500.00"))


@pytest.mark.parametrize(("amount", "code"), [
    ("0", "draw_amount_not_positive"), ("-5.00", "draw_amount_not_positive"),
    ("10.001", "draw_amount_too_precise"), ("NaN", "draw_amount_not_positive"),
    ("10000.01", "draw_exceeds_available"),
])
def test_bad_amounts_are_refused_and_store_nothing(demo: Session, clock: FrozenClock, amount: str,
                                                   code: str) -> None:
    seller = seller_id(demo)
    line = open_line(demo, seller)
    before = rows(demo)
    with pytest.raises(FourflowError) as refused:
        lines.draw(demo, CONTEXT, line.id, D(amount), "bad", seller_organisation_id=seller,
                   requested_by_user_id=None)
    assert (refused.value.code, refused.value.field) == (code, "amount")
    assert rows(demo) == before


def test_over_available_names_what_is_available(demo: Session, clock: FrozenClock) -> None:
    seller = seller_id(demo)
    line = open_line(demo, seller, amount="5000.00")
    lines.draw(demo, CONTEXT, line.id, D("3000.00"), "a", seller_organisation_id=seller,
               requested_by_user_id=None)
    before = rows(demo)
    with pytest.raises(FourflowError) as refused:
        lines.draw(demo, CONTEXT, line.id, D("2000.01"), "b", seller_organisation_id=seller,
                   requested_by_user_id=None)
    assert refused.value.params == {"available": "2000.00 USD", "amount": "2000.01 USD"}
    assert refused.value.localised("en") == (
        "You can draw at most 2000.00 USD now: 2000.01 USD is more than is available on the line.")
    assert rows(demo) == before


def test_frozen_ended_closed_and_foreign_lines_refuse_draws(demo: Session, clock: FrozenClock) -> None:
    seller = seller_id(demo)
    line = open_line(demo, seller)

    def refused_code(**kwargs: object) -> str:
        before = rows(demo)
        with pytest.raises(FourflowError) as refused:
            lines.draw(demo, CONTEXT, line.id, D("100.00"), "refused", **{  # type: ignore[arg-type]
                "seller_organisation_id": seller, "requested_by_user_id": None, **kwargs})
        assert rows(demo) == before
        return refused.value.code

    assert refused_code(seller_organisation_id=seller_id(demo, OTHER_SELLER)) == "credit_line_not_found"
    with pytest.raises(FourflowError) as missing:
        lines.draw(demo, CONTEXT, line.id, D("100.00"), "  ", seller_organisation_id=seller,
                   requested_by_user_id=None)
    assert missing.value.code == "idempotency_key_missing"

    freeze = controls.impose(demo, CONTEXT, seller, LIMIT_FREEZE, source_reference=f"test:{uuid.uuid4()}",
                             reasons=[], imposed_reason="Sales collapsed", imposed_by_user_id=None)
    assert (refused_code(), lines.state(demo, line)) == ("credit_line_frozen", "frozen")
    controls.release(demo, CONTEXT, freeze.id, "Recovered", released_by_user_id=None)
    hold = controls.impose(demo, CONTEXT, seller, DRAWDOWN_HOLD, source_reference=f"test:{uuid.uuid4()}",
                           reasons=[], imposed_reason="Funds misused.", imposed_by_user_id=None)
    assert (refused_code(), lines.state(demo, line)) == ("drawdown_on_hold", "frozen")
    controls.release(demo, CONTEXT, hold.id, "Explained", released_by_user_id=None)
    line.status = "frozen"
    demo.flush()
    assert refused_code() == "credit_line_frozen"
    line.status = "open"
    demo.flush()

    # On the term's last day (13 April 2027) and after: ended.
    clock.set(NOW + timedelta(days=180))
    assert (refused_code(), lines.state(demo, line)) == ("credit_line_term_ended", "ended")
    clock.set(NOW + timedelta(days=179))
    drawn = lines.draw(demo, CONTEXT, line.id, D("100.00"), "last-day", seller_organisation_id=seller,
                       requested_by_user_id=None)
    assert drawn.created
    clock.set(NOW)

    # A draw written off is a default: the line is frozen, although its principal no longer counts.
    loans.mark_written_off(demo, drawn.loan, NOW)
    assert (refused_code(), lines.state(demo, line)) == ("credit_line_frozen", "frozen")
    assert lines.figures(demo, line).drawn.amount == D("0.00")

    line.status, line.closed_at = "closed", NOW
    demo.flush()
    assert (refused_code(), lines.state(demo, line)) == ("credit_line_closed", "closed")


def test_a_seller_lists_only_its_own_lines(demo: Session, clock: FrozenClock) -> None:
    from fourflow.core.pagination import PageRequest

    seller, other = seller_id(demo), seller_id(demo, OTHER_SELLER)
    mine, theirs = open_line(demo, seller), open_line(demo, other)
    assert [line.id for line in lines.list_lines(demo, seller, PageRequest(page=1, page_size=10)).items] == [
        mine.id]
    everyone = {line.id for line in lines.list_lines(demo, None, PageRequest(page=1, page_size=50)).items}
    assert {mine.id, theirs.id} <= everyone
    with pytest.raises(FourflowError) as hidden:
        lines.get_line(demo, theirs.id, seller)
    assert hidden.value.code == "credit_line_not_found"
