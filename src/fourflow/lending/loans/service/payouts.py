"""Marketplace payouts and the repayments they make (MONEY-FLOWS events 5 and 6); the seller's daily
advances the payout covers are netted first (``advances.net_from_payout``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.money import Money, minor_units, validate_currency
from fourflow.identity import service as identity
from fourflow.ledger import service as ledger
from fourflow.lending import schedules
from fourflow.lending.loans import repository
from fourflow.lending.loans.errors import (
    PayoutAmountNotPositive,
    PayoutAmountTooPrecise,
    PayoutCurrencyMismatch,
    PayoutReferenceMissing,
    PayoutReferenceReused,
    SellerNotFound,
)
from fourflow.lending.loans.models import DailyAdvanceNetting, Loan, LoanRepayment, SellerPayout
from fourflow.lending.loans.service import advances
from fourflow.lending.loans.service.accrual import accrue_loan
from fourflow.lending.loans.service.common import (
    DEFAULT_COLLECTION_CHANNEL,
    ONE_DAY,
    LoanBalances,
    accounts,
    balances_of,
    credit,
    debit,
    platform_account,
)
from fourflow.lending.loans.service.loans import schedule
from fourflow.lending.products import RepaymentMethod


@dataclass(frozen=True, slots=True)
class PayoutApplied:
    payout: SellerPayout
    repayments: list[LoanRepayment]
    created: bool  # False: the reference had been applied before, nothing was posted now
    nettings: tuple[DailyAdvanceNetting, ...] = ()  # the daily advances it netted (fee, principal)


def apply_payout(session: Session, context: audit.AuditContext, seller_id: uuid.UUID,
                 payout_amount: Decimal, currency: str, reference: str, *,
                 channel: str = DEFAULT_COLLECTION_CHANNEL) -> PayoutApplied:
    """A marketplace payout for the seller (events 5 and 6): Dr platform:bank / Cr seller:collections,
    then in one entry Dr seller:collections and Cr first the daily advances the payout covers (fee, then
    principal; ``advances``), then, loan by loan (oldest first), fees → interest →
    principal up to each loan's share (all of what is left for bullet and instalment loans, the
    remittance rate of the payout for payout-sweep loans, raised to the minimum due), the rest to
    seller:wallet; principal repaid moves Dr funder:deployed / Cr funder:available. A loan left owing
    nothing is closed. A reference applied before is a no-op."""
    validate_currency(currency)
    reference = reference.strip()
    if not reference:
        raise PayoutReferenceMissing(field="reference")
    amount = Decimal(payout_amount)
    if amount <= 0:
        raise PayoutAmountNotPositive(field="amount")
    digits = minor_units(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-digits)):
        raise PayoutAmountTooPrecise(field="amount", amount=str(amount), currency=currency, digits=digits)
    payout_money = Money(amount, currency).quantized()
    seller = identity.organisation_by_id(session, seller_id)
    if seller is None or seller.kind != "seller":
        raise SellerNotFound(field="seller_id")
    open_currencies = sorted({loan.currency
                              for loan in repository.active_loans_of_seller(session, seller_id)})
    if open_currencies and currency not in open_currencies:
        raise PayoutCurrencyMismatch(field="currency", currency=currency,
                                     loan_currencies=", ".join(open_currencies))
    now = get_clock().now()
    today = now.date()
    payout_id = repository.insert_payout_if_new(session, {
        "id": uuid.uuid4(), "seller_organisation_id": seller_id, "reference": reference,
        "amount": payout_money.amount, "currency": currency, "received_on": today,
        "released_amount": payout_money.amount, "created_at": now})
    if payout_id is None:
        earlier = repository.payout_by_reference(session, seller_id, reference)
        assert earlier is not None  # the conflict was with it
        if Money(earlier.amount, earlier.currency) != payout_money:
            raise PayoutReferenceReused(field="reference", reference=reference)
        return PayoutApplied(earlier, [], created=False)
    payout = repository.payout(session, payout_id)
    assert payout is not None
    loans = [loan for loan in repository.active_loans_of_seller(session, seller_id, for_update=True)
             if loan.currency == currency]
    for loan in loans:  # interest up to yesterday is owed before today's money is allocated
        accrue_loan(session, context, loan, today - ONE_DAY)
    bank = platform_account(session, "platform:bank", currency, subject=channel)
    collections = ledger.open_account(session, seller_id, "seller:collections", currency).id
    wallet = ledger.open_account(session, seller_id, "seller:wallet", currency).id
    key = f"lending:payout:{seller_id}:{reference}"
    ledger.transfer(session, context, ledger.Transfer(
        idempotency_key=f"{key}:received",
        postings=(debit(bank, payout_money), credit(collections, payout_money)),
        description=f"Marketplace payout {reference}"), details={"reference": reference})
    netted = advances.net_from_payout(session, payout, payout_money)
    left = payout_money - netted.total
    postings: list[ledger.Posting] = list(netted.postings)
    repayments: list[LoanRepayment] = []
    for loan in loans:
        held = accounts(session, loan)
        owed = balances_of(session, loan, held)
        share = _share(session, loan, left, owed, today)
        if share.is_zero():
            continue
        allocation = schedules.allocate(
            share, [schedules.Due(1, today, owed.fees, owed.interest, owed.principal)])
        for account, part in ((held.fees, allocation.fees), (held.interest, allocation.interest),
                              (held.principal, allocation.principal)):
            if not part.is_zero():
                postings.append(credit(account, part))
        if not allocation.principal.is_zero():
            postings += [debit(held.funder_deployed, allocation.principal),
                         credit(held.funder_available, allocation.principal)]
        repayment = LoanRepayment(
            id=uuid.uuid4(), loan_id=loan.id, payout_id=payout.id, seller_organisation_id=seller_id,
            paid_on=today, currency=currency, fees_amount=allocation.fees.amount,
            interest_amount=allocation.interest.amount,
            principal_amount=allocation.principal.amount, created_at=now)
        repository.add(session, repayment)
        repayments.append(repayment)
        left -= allocation.allocated
    if not left.is_zero():
        postings.append(credit(wallet, left))
    postings.insert(0, debit(collections, payout_money))
    ledger.transfer(session, context, ledger.Transfer(
        idempotency_key=f"{key}:allocated", postings=tuple(postings),
        description=f"Payout {reference} allocated"), details={"reference": reference})
    payout.released_amount = left.amount
    session.flush()
    audit.record(session, context, "lending:payout:applied", subject_type="lending_payout",
                 subject_id=payout.id, organisation_id=seller_id, after={
                     "reference": reference, "amount": str(payout_money), "released": str(left),
                     "advances_netted": [advances.netting_document(row) for row in netted.nettings],
                     "repayments": [_repayment_document(repayment) for repayment in repayments]})
    for loan in loans:
        if balances_of(session, loan, accounts(session, loan)).is_zero():
            _close(session, context, loan)
    return PayoutApplied(payout, repayments, created=True, nettings=tuple(netted.nettings))


def _share(session: Session, loan: Loan, left: Money, owed: LoanBalances, today: date) -> Money:
    """What of the payout's ``left`` this loan takes."""
    if owed.total.is_zero() or left.is_zero():
        return Money.zero(loan.currency)
    if loan.repayment_method != RepaymentMethod.PAYOUT_SWEEP.value:
        return min(left, owed.total)
    assert loan.remittance_rate is not None  # a sweep loan has them
    assert loan.repayment_period_days is not None
    terms = schedules.SweepTerms(Decimal(loan.remittance_rate), loan.repayment_period_days, loan.tenor_days)
    paid = Money(repository.repaid_in_total(session, loan.id), loan.currency).quantized()
    minimum = schedules.minimum_due(schedule(session, loan), paid, today)
    return schedules.sweep_payout(left, terms, schedules.SweepState(owed.total, minimum)).deduction


def _close(session: Session, context: audit.AuditContext, loan: Loan) -> None:
    now = get_clock().now()
    loan.status = "closed"
    loan.closed_at = now
    loan.updated_at = now
    session.flush()
    audit.record(session, context, "lending:loan:closed", subject_type="lending_loan", subject_id=loan.id,
                 organisation_id=loan.seller_organisation_id, before={"status": "active"},
                 after={"status": "closed", "interest_accrued": str(loan.interest_accrued_amount)})


def payout_repayments(session: Session, payout: SellerPayout) -> list[LoanRepayment]:
    return repository.repayments_of_payout(session, payout.id)


def _repayment_document(repayment: LoanRepayment) -> dict[str, Any]:
    return {"loan_id": str(repayment.loan_id), "fees": str(repayment.fees_amount),
            "interest": str(repayment.interest_amount), "principal": str(repayment.principal_amount)}
