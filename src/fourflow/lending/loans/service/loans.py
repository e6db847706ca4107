"""Loans booked from accepted offers and disbursed into the seller's wallet (MONEY-FLOWS events 2
and 3), and the reads of a loan: balances, schedule, repayments."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.money import Money
from fourflow.core.pagination import Page, PageRequest
from fourflow.identity import service as identity
from fourflow.ledger import service as ledger
from fourflow.ledger.errors import FloorBreached
from fourflow.lending import schedules
from fourflow.lending.applications import service as applications
from fourflow.lending.insurance import service as insurance
from fourflow.lending.loans import repository
from fourflow.lending.loans.errors import FunderCapitalInsufficient, LoanAlreadyBooked, OfferNotAccepted
from fourflow.lending.loans.models import Loan, LoanInstalment, LoanRepayment
from fourflow.lending.loans.service.common import (
    DEFAULT_FUNDER,
    LoanBalances,
    accounts,
    balances_of,
    credit,
    debit,
    fee_of,
    find_loan,
    money_of,
    platform_account,
    principal_of,
)
from fourflow.lending.products import CATALOGUE, RepaymentMethod


def book_loan(session: Session, context: audit.AuditContext, offer_id: uuid.UUID, idempotency_key: str, *,
              seller_organisation_id: uuid.UUID | None = None,
              booked_by_user_id: uuid.UUID | None = None) -> Loan:
    """A loan on an accepted offer, awaiting disbursement, with its schedule and accounts. The same
    key books once (a retry gets the loan back); another key on a booked offer is refused."""
    offer = applications.get_offer(session, offer_id, seller_organisation_id)
    repository.lock_offer(session, offer.id)
    existing = repository.loan_of_offer(session, offer.id)
    if existing is not None:
        if existing.booking_key == idempotency_key:
            return existing
        raise LoanAlreadyBooked(field="offer_id")
    if offer.status != "accepted":
        raise OfferNotAccepted(field="offer_id", status=applications.offer_status(offer))
    principal = Money(offer.amount, offer.currency).quantized()
    funder = identity.organisation_by_slug(session, DEFAULT_FUNDER)
    if funder is None:
        raise FunderCapitalInsufficient(available=str(Money.zero(offer.currency)), amount=str(principal))
    chosen = CATALOGUE[offer.product]
    now = get_clock().now()
    start_on = now.date()
    loan = Loan(
        id=uuid.uuid4(), offer_id=offer.id, seller_organisation_id=offer.seller_organisation_id,
        funder_organisation_id=funder.id, products_version=offer.products_version, product=offer.product,
        principal_amount=principal.amount, currency=offer.currency, annual_rate=offer.annual_rate,
        day_count_convention=schedules.DEFAULT_CONVENTION,
        origination_fee_amount=Money(offer.origination_fee, offer.currency).quantized().amount,
        tenor_days=offer.tenor_days, repayment_method=chosen.repayment.method.value,
        repayment_period_days=chosen.repayment.period_days, remittance_rate=chosen.repayment.remittance_rate,
        status="awaiting_disbursement", booking_key=idempotency_key, start_on=start_on,
        maturity_on=start_on + timedelta(days=offer.tenor_days), interest_accrued_until=None,
        accrual_numerator=Decimal(0), interest_accrued_amount=Decimal(0), booked_by_user_id=booked_by_user_id,
        booked_at=now, updated_at=now)
    repository.add(session, loan)
    _plan(session, loan, start_on)
    accounts(session, loan)
    audit.record(session, context, "lending:loan:booked", subject_type="lending_loan", subject_id=loan.id,
                 organisation_id=loan.seller_organisation_id, after={
                     "offer_id": str(offer.id), "principal": str(principal),
                     "annual_rate": str(loan.annual_rate), "origination_fee": str(fee_of(loan)),
                     "tenor_days": loan.tenor_days, "funder_organisation_id": str(funder.id),
                     "status": loan.status})
    return loan


def _plan(session: Session, loan: Loan, start_on: date) -> schedules.Schedule:
    schedule = applications.offer_schedule(CATALOGUE[loan.product], principal_of(loan), loan.annual_rate,
                                           start_on, loan.tenor_days)
    loan.start_on = start_on
    loan.maturity_on = schedule.maturity_on
    repository.replace_instalments(session, loan.id, [
        LoanInstalment(id=uuid.uuid4(), loan_id=loan.id, number=instalment.number, due_on=instalment.due_on,
                       principal_amount=instalment.principal.amount,
                       interest_amount=instalment.interest.amount,
                       fees_amount=instalment.fees.amount) for instalment in schedule.instalments])
    return schedule


def disburse(session: Session, context: audit.AuditContext, loan_id: uuid.UUID, *,
             disbursed_by_user_id: uuid.UUID | None = None) -> Loan:
    """Into the seller's wallet (MONEY-FLOWS events 2 and 3, the fee netted), in one entry:
    Dr loan:principal P; Cr seller:wallet P − fee; Cr platform:income:fees fee;
    Dr funder:available P; Cr funder:deployed P. A loan disbursed already is returned unchanged."""
    loan = find_loan(session, loan_id, None, for_update=True)
    if loan.status != "awaiting_disbursement":
        return loan
    now = get_clock().now()
    if now.date() != loan.start_on:
        _plan(session, loan, now.date())  # interest runs from the day the money leaves
    principal, fee = principal_of(loan), fee_of(loan)
    held = accounts(session, loan)
    available = ledger.balance(session, ledger.get_account(session, held.funder_available, None)).available
    if available < principal.amount:
        raise FunderCapitalInsufficient(available=str(Money(available, loan.currency)),
                                        amount=str(principal))
    fee_income = platform_account(session, "platform:income:fees", loan.currency)
    postings = [debit(held.principal, principal), credit(held.wallet, principal - fee)]
    if not fee.is_zero():
        postings.append(credit(fee_income, fee))
    postings += [debit(held.funder_available, principal), credit(held.funder_deployed, principal)]
    try:
        ledger.transfer(session, context, ledger.Transfer(
            idempotency_key=f"lending:loan:{loan.id}:disbursement", postings=tuple(postings),
            description="Loan disbursed to the seller's wallet"), details={"loan_id": str(loan.id)})
    except FloorBreached as refused:
        raise FunderCapitalInsufficient(available=str(Money(available, loan.currency)),
                                        amount=str(principal)) from refused
    loan.status = "active"
    loan.disbursed_at = now
    loan.disbursed_by_user_id = disbursed_by_user_id
    loan.interest_accrued_until = loan.start_on
    loan.updated_at = now
    session.flush()
    insurance.bind_on_disbursement(session, context, loan)  # the covers chosen on the offer
    audit.record(session, context, "lending:loan:disbursed", subject_type="lending_loan", subject_id=loan.id,
                 organisation_id=loan.seller_organisation_id, before={"status": "awaiting_disbursement"},
                 after={"status": "active", "principal": str(principal), "to_wallet": str(principal - fee),
                        "origination_fee": str(fee), "start_on": loan.start_on.isoformat(),
                        "maturity_on": loan.maturity_on.isoformat()})
    return loan


def loan_of_offer_exists(session: Session, offer_id: uuid.UUID) -> bool:
    return repository.loan_of_offer(session, offer_id) is not None


def get_loan(session: Session, loan_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
             for_update: bool = False) -> Loan:
    return find_loan(session, loan_id, seller_organisation_id, for_update=for_update)


def mark_written_off(session: Session, loan: Loan, now: datetime) -> None:
    """The loan's balances were written off (``lending.collections``): it accrues and repays no more."""
    loan.status = "written_off"
    loan.closed_at = now
    loan.updated_at = now
    session.flush()


def list_loans(session: Session, seller_organisation_id: uuid.UUID | None, status: str | None,
               request: PageRequest) -> Page[Loan]:
    return repository.loans(session, seller_organisation_id, status, request)


def balances(session: Session, loan: Loan) -> LoanBalances:
    return balances_of(session, loan, accounts(session, loan))


def schedule(session: Session, loan: Loan) -> schedules.Schedule:
    kind = {RepaymentMethod.BULLET.value: schedules.ScheduleKind.BULLET,
            RepaymentMethod.PAYOUT_SWEEP.value: schedules.ScheduleKind.PAYOUT_SWEEP}.get(
        loan.repayment_method, schedules.ScheduleKind.EQUAL_PRINCIPAL)
    return schedules.Schedule(kind, principal_of(loan), Decimal(loan.annual_rate), loan.start_on,
                              loan.day_count_convention, tuple(
        schedules.Instalment(row.number, row.due_on, money_of(row.principal_amount, loan),
                             money_of(row.interest_amount, loan), money_of(row.fees_amount, loan))
        for row in repository.instalments(session, loan.id)))


def repayments(session: Session, loan: Loan) -> list[LoanRepayment]:
    return repository.repayments(session, loan.id)
