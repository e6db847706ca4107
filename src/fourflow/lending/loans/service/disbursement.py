"""Paying a loan out, once its conditions are met (``conditions``): MONEY-FLOWS events 2 and 3.

Into the seller's wallet, in one entry (the fee netted from the proceeds):
    Dr loan:principal P; Cr seller:wallet P − fee; Cr platform:income:fees fee;
    Dr funder:available P; Cr funder:deployed P.

To the supplier (use of funds restricted to approved suppliers), in two phases through the payment
router (``ledger.service.payments``), so a payment whose outcome is unknown is never sent twice:
1. request: the router's payout holds Dr funder:available P − fee / Cr platform:clearing (pending)
   and the fee is held the same way, Dr funder:available fee / Cr platform:income:fees (pending):
   the whole principal of the funder's capital is reserved, the loan is ``disbursing``;
2. a channel took the payment: both holds are posted and the loan is booked,
   Dr loan:principal P / Cr funder:deployed P (the channel's settlement later moves clearing to
   bank); no channel took it: the router voided its hold, the fee hold is voided too, and the loan
   waits again (a later attempt is a new payment, with a new key).
The net effect is the wallet entry's with the supplier in place of the wallet.

The booking entry's key is ``lending:loan:{id}:disbursement`` for both ways: a loan is disbursed
once whatever happens.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core import jobs
from fourflow.core.clock import get_clock
from fourflow.core.money import Money
from fourflow.ledger import service as ledger
from fourflow.ledger.errors import FloorBreached
from fourflow.ledger.service import payments
from fourflow.lending.insurance import service as insurance
from fourflow.lending.loans import repository
from fourflow.lending.loans.errors import FunderCapitalInsufficient
from fourflow.lending.loans.models import Loan, LoanDisbursement
from fourflow.lending.loans.service.common import (
    LoanAccounts,
    accounts,
    credit,
    debit,
    fee_of,
    find_loan,
    platform_account,
    principal_of,
)
from fourflow.lending.loans.service.loans import replan
from fourflow.risk.service import controls

COMPLETE_DISBURSEMENT_TASK = "lending:complete_disbursement"
# How long to wait before looking again at a supplier payment the router has not finished.
RECHECK_SECONDS = 15


def disbursement_key(loan: Loan) -> str:
    return f"lending:loan:{loan.id}:disbursement"


def pay_out(session: Session, context: audit.AuditContext, loan: Loan, *, triggered_by: str,
            disbursed_by_user_id: uuid.UUID | None) -> Loan:
    """The loan (locked, awaiting disbursement, conditions met) paid out its way."""
    # A drawdown hold a risk officer confirmed (F22): no money leaves until it is released.
    controls.ensure_drawdowns_allowed(session, loan.seller_organisation_id)
    held = accounts(session, loan)
    principal = principal_of(loan)
    available = ledger.balance(session, ledger.get_account(session, held.funder_available, None)).available
    if available < principal.amount:
        raise FunderCapitalInsufficient(available=str(Money(available, loan.currency)),
                                        amount=str(principal))
    attempt = len(repository.disbursements(session, loan.id)) + 1
    try:
        if loan.disbursement_method == "supplier":
            return _request_supplier_payment(session, context, loan, held, attempt, triggered_by,
                                             disbursed_by_user_id)
        return _into_wallet(session, context, loan, held, attempt, triggered_by, disbursed_by_user_id)
    except FloorBreached as refused:  # another loan took the capital between the check and the entry
        raise FunderCapitalInsufficient(available=str(Money(available, loan.currency)),
                                        amount=str(principal)) from refused


def _into_wallet(session: Session, context: audit.AuditContext, loan: Loan, held: LoanAccounts, attempt: int,
                 triggered_by: str, disbursed_by_user_id: uuid.UUID | None) -> Loan:
    now = get_clock().now()
    if now.date() != loan.start_on:
        replan(session, loan, now.date())  # interest runs from the day the money leaves
    principal, fee = principal_of(loan), fee_of(loan)
    postings = [debit(held.principal, principal), credit(held.wallet, principal - fee)]
    if not fee.is_zero():
        postings.append(credit(platform_account(session, "platform:income:fees", loan.currency), fee))
    postings += [debit(held.funder_available, principal), credit(held.funder_deployed, principal)]
    ledger.transfer(session, context, ledger.Transfer(
        idempotency_key=disbursement_key(loan), postings=tuple(postings),
        description="Loan disbursed to the seller's wallet"), details={"loan_id": str(loan.id)})
    repository.add(session, LoanDisbursement(
        id=uuid.uuid4(), loan_id=loan.id, attempt=attempt, method="wallet", amount=(principal - fee).amount,
        currency=loan.currency, payee="seller:wallet", payment_id=None, fee_hold_entry_id=None,
        status="completed", triggered_by=triggered_by, created_at=now, completed_at=now))
    _activate(session, context, loan, now, disbursed_by_user_id, before="awaiting_disbursement",
              paid_to={"to_wallet": str(principal - fee)})
    return loan


def _request_supplier_payment(session: Session, context: audit.AuditContext, loan: Loan, held: LoanAccounts,
                              attempt: int, triggered_by: str,
                              disbursed_by_user_id: uuid.UUID | None) -> Loan:
    # The database's supplier_named check guarantees these on a supplier-paid loan.
    assert loan.supplier_name is not None
    assert loan.supplier_account is not None
    assert loan.supplier_country is not None
    now = get_clock().now()
    principal, fee = principal_of(loan), fee_of(loan)
    key = f"{disbursement_key(loan)}:{attempt}"
    payment = payments.request_payout(session, context, payments.PayoutRequest(
        idempotency_key=key, source_account_id=held.funder_available, amount=(principal - fee).amount,
        currency=loan.currency, beneficiary_name=loan.supplier_name,
        beneficiary_account=loan.supplier_account, beneficiary_country=loan.supplier_country,
        reference=f"Loan {str(loan.id)[:8]} to {loan.supplier_name}"[:140]))
    fee_hold = None
    if not fee.is_zero():
        fee_hold = ledger.transfer(session, context, ledger.Transfer(
            idempotency_key=f"{key}:fee", pending=True, description="Origination fee held for the loan",
            postings=(debit(held.funder_available, fee),
                      credit(platform_account(session, "platform:income:fees", loan.currency), fee))),
            details={"loan_id": str(loan.id)}).entry_id
    repository.add(session, LoanDisbursement(
        id=uuid.uuid4(), loan_id=loan.id, attempt=attempt, method="supplier", amount=(principal - fee).amount,
        currency=loan.currency, payee=loan.supplier_name, payment_id=payment.id, fee_hold_entry_id=fee_hold,
        status="pending", triggered_by=triggered_by, created_at=now, completed_at=None))
    loan.status = "disbursing"
    loan.disbursed_by_user_id = disbursed_by_user_id
    loan.updated_at = now
    session.flush()
    audit.record(session, context, "lending:loan:disbursement_requested", subject_type="lending_loan",
                 subject_id=loan.id, organisation_id=loan.seller_organisation_id,
                 before={"status": "awaiting_disbursement"},
                 after={"status": "disbursing", "attempt": attempt, "payment_id": str(payment.id),
                        "supplier": loan.supplier_name, "amount": str(principal - fee),
                        "origination_fee": str(fee), "triggered_by": triggered_by})
    jobs.enqueue(session, COMPLETE_DISBURSEMENT_TASK, {"loan_id": str(loan.id)},
                 delay_seconds=RECHECK_SECONDS, queueing_lock=f"lending:disbursement:{loan.id}")
    return loan


def complete_disbursement(session: Session, context: audit.AuditContext, loan_id: uuid.UUID) -> Loan:
    """Follow a supplier payment: book the loan once a channel took it, or release the holds when no
    channel did. A payment still in the router's hands leaves the loan ``disbursing``. Safe to repeat."""
    loan = find_loan(session, loan_id, None, for_update=True)
    pending = repository.pending_disbursement(session, loan.id)
    if loan.status != "disbursing" or pending is None or pending.payment_id is None:
        return loan
    payment = payments.payment(session, pending.payment_id, None)
    now = get_clock().now()
    key = f"{disbursement_key(loan)}:{pending.attempt}"
    if payment.state in ("sent", "settled"):
        if pending.fee_hold_entry_id is not None:
            ledger.post_pending(session, context, pending.fee_hold_entry_id,
                                idempotency_key=f"{key}:fee:post")
        if now.date() != loan.start_on:
            replan(session, loan, now.date())
        held = accounts(session, loan)
        principal = principal_of(loan)
        ledger.transfer(session, context, ledger.Transfer(
            idempotency_key=disbursement_key(loan), description="Loan disbursed to the supplier",
            postings=(debit(held.principal, principal), credit(held.funder_deployed, principal))),
            details={"loan_id": str(loan.id), "payment_id": str(payment.id)})
        pending.status, pending.completed_at = "completed", now
        _activate(session, context, loan, now, loan.disbursed_by_user_id, before="disbursing",
                  paid_to={"to_supplier": str(Money(pending.amount, loan.currency).quantized()),
                           "supplier": pending.payee, "channel": payment.channel or ""})
    elif payment.state == "failed":
        if pending.fee_hold_entry_id is not None:
            ledger.void_pending(session, context, pending.fee_hold_entry_id,
                                idempotency_key=f"{key}:fee:void")
        pending.status, pending.completed_at = "failed", now
        loan.status = "awaiting_disbursement"
        loan.updated_at = now
        session.flush()
        audit.record(session, context, "lending:loan:disbursement_failed", subject_type="lending_loan",
                     subject_id=loan.id, organisation_id=loan.seller_organisation_id,
                     before={"status": "disbursing"},
                     after={"status": "awaiting_disbursement", "attempt": pending.attempt,
                            "payment_id": str(payment.id), "attempts": payment.attempts})
    return loan


def _activate(session: Session, context: audit.AuditContext, loan: Loan, now: datetime,
              disbursed_by_user_id: uuid.UUID | None, *, before: str, paid_to: dict[str, str]) -> None:
    principal, fee = principal_of(loan), fee_of(loan)
    loan.status = "active"
    loan.disbursed_at = now
    loan.disbursed_by_user_id = disbursed_by_user_id
    loan.interest_accrued_until = loan.start_on
    loan.updated_at = now
    session.flush()
    insurance.bind_on_disbursement(session, context, loan)  # the covers chosen on the offer
    audit.record(session, context, "lending:loan:disbursed", subject_type="lending_loan", subject_id=loan.id,
                 organisation_id=loan.seller_organisation_id, before={"status": before},
                 after={"status": "active", "principal": str(principal), **paid_to,
                        "origination_fee": str(fee), "start_on": loan.start_on.isoformat(),
                        "maturity_on": loan.maturity_on.isoformat()})


def disbursed_amount(loan: Loan) -> Decimal:
    """What the payee receives: the principal less the origination fee."""
    return (principal_of(loan) - fee_of(loan)).amount


def disbursements(session: Session, loan: Loan) -> list[LoanDisbursement]:
    return repository.disbursements(session, loan.id)


def pending_disbursement_loan_ids(session: Session) -> list[uuid.UUID]:
    return repository.pending_disbursement_loan_ids(session)
