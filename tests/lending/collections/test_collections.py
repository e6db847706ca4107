"""The daily collections run, write-off and recovery (MONEY-FLOWS event 10), hand-computed, on the
demo world and a frozen clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.ledger import service as ledger
from fourflow.lending.collections import service
from fourflow.lending.collections.errors import (
    AsOfDateInFuture,
    LoanNotDelinquentEnough,
    LoanNotWritable,
    RecoveryAmountInvalid,
    RecoveryCurrencyMismatch,
    RecoveryLoanNotWrittenOff,
    RecoveryReferenceReused,
    WriteOffReasonMissing,
)
from fourflow.lending.loans import service as loans
from fourflow.notifications.mail import MailboxTransport
from tests.lending.collections.conftest import disbursed_loan
from tests.lending.loans.conftest import CONTEXT, books

D = Decimal
TABLES = ("lending_collection_actions", "lending_loan_write_offs", "lending_loan_recoveries", "lending_loans",
          "ledger_entries", "ledger_postings", "audit_events", "procrastinate_jobs", "mail_messages")


def rows(session: Session) -> dict[str, int]:
    return {table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in TABLES}


def _at(clock: FrozenClock, day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC))


def test_days_past_due_of_a_loan_and_future_days_refused(demo: Session, clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    _at(clock, date(2026, 11, 14))
    assert service.loan_delinquency(demo, loan).delinquency.days_past_due == 0
    _at(clock, date(2026, 12, 15))  # 14 November → 15 December: 31 days
    found = service.loan_delinquency(demo, loan)
    assert (found.delinquency.days_past_due, found.delinquency.bucket, found.delinquency.overdue_amount,
            found.willingness) == (31, service.Bucket.DPD_31_60, D("10098.63"), service.Willingness.UNWILLING)
    assert service.loan_delinquency(demo, loan, date(2026, 11, 20)).delinquency.days_past_due == 6
    with pytest.raises(AsOfDateInFuture):
        service.loan_delinquency(demo, loan, date(2026, 12, 16))


def test_a_partial_repayment_keeps_the_loan_past_due_but_willing(demo: Session, clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    _at(clock, date(2026, 12, 1))
    loans.apply_payout(demo, CONTEXT, loan.seller_organisation_id, D("4000.00"), "USD", "partial-1")
    found = service.loan_delinquency(demo, loan)
    # 17 days after 14 November; 10,098.63 − 4,000.00 overdue; repaid today.
    assert (found.delinquency.days_past_due, found.delinquency.overdue_amount, found.willingness,
            found.last_repaid_on) == (17, D("6098.63"), service.Willingness.WILLING, date(2026, 12, 1))


def test_the_daily_run_creates_each_action_once_with_reasons(demo: Session, clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    _at(clock, date(2026, 11, 14))
    assert service.collect_loan(demo, CONTEXT, loan.id, date(2026, 11, 14)) == []  # current
    _at(clock, date(2026, 12, 15))
    before = rows(demo)
    created = service.collect_loan(demo, CONTEXT, loan.id, date(2026, 12, 15))
    # 31-60, unwilling, 10,098.63 overdue ≥ 5,000: reminder, call task and the early formal notice.
    assert [action.action for action in created] == ["reminder", "call_task", "formal_notice"]
    first = created[0]
    assert (first.bucket, first.days_past_due, first.overdue_amount, first.willingness,
            first.strategy_version) == ("31-60", 31, D("10098.63"), "unwilling", "collections@v1")
    assert service.render_reasons(first.reasons, "en") == [
        "31 days past due: the instalment due on 2026-11-14 is not fully repaid.",
        "10098.63 USD is overdue.", "Nothing was repaid in the last 30 days.",
        "collections@v1 calls for: Payment reminder."]
    assert service.render_reasons(first.reasons, "zh_Hans")[3] == "collections@v1 要求：付款提醒。"
    after = rows(demo)
    assert after["lending_collection_actions"] - before["lending_collection_actions"] == 3
    assert after["audit_events"] - before["audit_events"] == 3
    assert after["procrastinate_jobs"] - before["procrastinate_jobs"] == 1  # the reminder's mail
    assert service.collect_loan(demo, CONTEXT, loan.id, date(2026, 12, 15)) == []  # again: nothing
    assert rows(demo) == after

    # The reminder, mailed to Lumen's two people in their language (Chinese), once.
    assert service.send_reminder(demo, MailboxTransport(), first.id) == 2
    subjects = demo.execute(text("SELECT subject, language FROM mail_messages WHERE idempotency_key LIKE :k "
                                 "ORDER BY recipient"), {"k": f"collections:reminder:{first.id}:%"}).all()
    assert [tuple(row) for row in subjects] == [("您的 Fourflow 贷款已逾期 31 天", "zh_Hans")] * 2
    sent = rows(demo)
    assert service.send_reminder(demo, MailboxTransport(), first.id) == 2
    assert rows(demo) == sent


def test_write_off_and_recovery(demo: Session, clock: FrozenClock) -> None:
    """Interest accrued for 15–24 October: 32.88. On 13 February 2027 the loan is 91 days past due.
    Write-off: Dr loan_loss 10,032.88; Cr principal 10,000.00, interest 32.88; Dr funder:deployed
    10,000.00; Cr loan_loss 10,000.00 — the platform's net loss is the 32.88 of interest."""
    loan = disbursed_loan(demo)
    _at(clock, date(2027, 2, 12))
    loans.accrue_interest(demo, CONTEXT, loan.id, date(2026, 10, 24))
    before = rows(demo)
    with pytest.raises(LoanNotDelinquentEnough):  # 90 days past due
        service.write_off(demo, CONTEXT, loan.id, "Seller unreachable")
    assert rows(demo) == before
    _at(clock, date(2027, 2, 13))
    with pytest.raises(WriteOffReasonMissing):
        service.write_off(demo, CONTEXT, loan.id, "  ")
    assert rows(demo) == before

    start = books(demo, loan)
    platform = demo.execute(text("SELECT id FROM organisations WHERE slug = 'fourflow'")).scalar_one()
    loss_account = ledger.open_account(demo, platform, "platform:expense:loan_loss", "USD")
    loss_before = ledger.balance(demo, loss_account).posted
    written = service.write_off(demo, CONTEXT, loan.id, "Seller unreachable")
    assert (written.days_past_due, written.principal_amount, written.interest_amount, written.fees_amount,
            written.funder_loss_amount) == (91, D("10000.00"), D("32.88"), D("0.00"), D("10000.00"))
    end = books(demo, loan)
    assert (end.principal, end.interest, end.fees) == (D("0.00"), D("0.00"), D("0.00"))
    assert start.funder_deployed - end.funder_deployed == D("10000.00")
    assert end.funder_available == start.funder_available
    demo.refresh(loss_account)
    assert ledger.balance(demo, loss_account).posted - loss_before == D("32.88")
    assert loan.status == "written_off"
    assert ledger.check_invariants(demo).hold
    again = rows(demo)
    assert service.write_off(demo, CONTEXT, loan.id, "again").id == written.id
    assert rows(demo) == again

    # Recovery: Dr platform:bank 1,500.00 / Cr platform:income:recovery 1,500.00, once per reference.
    recovered = service.record_recovery(demo, CONTEXT, loan.id, D("1500.00"), "USD", "rec-1")
    assert recovered.created
    income = ledger.open_account(demo, platform, "platform:income:recovery", "USD")
    assert ledger.balance(demo, income).posted == D("1500.00")
    assert books(demo, loan).bank - end.bank == D("1500.00")
    settled = rows(demo)
    assert not service.record_recovery(demo, CONTEXT, loan.id, D("1500.00"), "USD", "rec-1").created
    for amount, currency, error in ((D("1600.00"), "USD", RecoveryReferenceReused),
                                    (D("0"), "USD", RecoveryAmountInvalid),
                                    (D("1.001"), "USD", RecoveryAmountInvalid),
                                    (D("10.00"), "EUR", RecoveryCurrencyMismatch)):
        with pytest.raises(error):
            service.record_recovery(demo, CONTEXT, loan.id, amount, currency, "rec-1")
    assert rows(demo) == settled
    assert ledger.check_invariants(demo).hold


def test_an_active_or_closed_loan_refuses_recovery_and_write_off(demo: Session, clock: FrozenClock) -> None:
    loan = disbursed_loan(demo)
    before = rows(demo)
    with pytest.raises(RecoveryLoanNotWrittenOff):
        service.record_recovery(demo, CONTEXT, loan.id, D("10.00"), "USD", "rec-x")
    _at(clock, date(2026, 12, 1))
    loans.accrue_interest(demo, CONTEXT, loan.id, date(2026, 11, 30))
    owed = loans.balances(demo, loan).total.amount
    loans.apply_payout(demo, CONTEXT, loan.seller_organisation_id, owed, "USD", "all-of-it")
    assert loan.status == "closed"
    with pytest.raises(LoanNotWritable):
        service.write_off(demo, CONTEXT, loan.id, "no")
    assert rows(demo)["lending_loan_write_offs"] == before["lending_loan_write_offs"]
