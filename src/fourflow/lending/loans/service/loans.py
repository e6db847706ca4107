"""Loans booked from accepted offers (paid out by ``disbursement`` once ``conditions`` are met), and
the reads of a loan: balances, schedule, repayments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.money import Money
from fourflow.core.pagination import Page, PageRequest
from fourflow.identity import service as identity
from fourflow.lending import schedules
from fourflow.lending.applications import service as applications
from fourflow.lending.applications.models import FinancingOffer
from fourflow.lending.loans import repository
from fourflow.lending.loans.errors import (
    FunderCapitalInsufficient,
    LoanAlreadyBooked,
    OfferNotAccepted,
    OfferOpensCreditLine,
    SupplierNotAllowed,
    SupplierNotPayee,
)
from fourflow.lending.loans.models import Loan, LoanInstalment, LoanRepayment
from fourflow.lending.loans.service.common import (
    DEFAULT_FUNDER,
    LoanBalances,
    accounts,
    balances_of,
    fee_of,
    find_loan,
    money_of,
    principal_of,
)
from fourflow.lending.products import CATALOGUE, REVOLVING_PRODUCTS, RepaymentMethod, UseOfFunds


@dataclass(frozen=True, slots=True)
class SupplierPayee:
    """The approved supplier a restricted-use loan pays, as the payment router needs it."""

    name: str
    account: str
    country: str  # ISO 3166 alpha-2


def book(session: Session, context: audit.AuditContext, offer_id: uuid.UUID, idempotency_key: str, *,
         seller_organisation_id: uuid.UUID | None = None, booked_by_user_id: uuid.UUID | None = None,
         supplier: SupplierPayee | None = None) -> tuple[Loan, bool]:
    """A loan on an accepted offer, awaiting disbursement, with its schedule and accounts, and
    whether this call booked it. The same key books once (a retry gets the loan back); another key
    on a booked offer is refused. ``supplier``: for products whose funds go to approved suppliers
    only, the supplier paid through the payment router — the payee the application named (the one
    the credit decision checked against the approved suppliers); without one the proceeds go to the
    seller's wallet."""
    offer = applications.get_offer(session, offer_id, seller_organisation_id)
    if offer.product in REVOLVING_PRODUCTS:  # its loans are the line's draws (``lending.lines``)
        raise OfferOpensCreditLine(field="offer_id")
    repository.lock_offer(session, offer.id)
    existing = repository.loan_of_offer(session, offer.id)
    if existing is not None:
        if existing.booking_key == idempotency_key:
            return existing, False
        raise LoanAlreadyBooked(field="offer_id")
    if offer.status != "accepted":
        raise OfferNotAccepted(field="offer_id", status=applications.offer_status(offer))
    chosen = CATALOGUE[offer.product]
    if supplier is not None:
        if chosen.use_of_funds is not UseOfFunds.APPROVED_SUPPLIERS:
            raise SupplierNotAllowed(field="supplier")
        payee = applications.get_application(session, offer.application_id, None).payee
        if payee is not None and payee.strip().casefold() != supplier.name.strip().casefold():
            raise SupplierNotPayee(field="supplier.name", supplier=supplier.name, payee=payee)
    principal = Money(offer.amount, offer.currency).quantized()
    fee = Money(offer.origination_fee, offer.currency).quantized()
    loan = _new_loan(session, context, offer, principal, fee, offer.tenor_days, idempotency_key,
                     booked_by_user_id=booked_by_user_id, supplier=supplier)
    return loan, True


def book_draw(session: Session, context: audit.AuditContext, offer_id: uuid.UUID, booking_key: str,
              amount: Money, tenor_days: int, *, booked_by_user_id: uuid.UUID | None) -> Loan:
    """One draw on a credit line (``lending.lines``, which checks the limit and keeps the draw's
    idempotency): a loan of ``amount`` on the line's accepted offer, repaid by the product's method
    over ``tenor_days``, the product's origination fee charged on the draw (netted from its
    proceeds), paid into the seller's wallet, awaiting disbursement with its schedule and accounts."""
    offer = applications.get_offer(session, offer_id, None)
    if offer.status != "accepted":
        raise OfferNotAccepted(field="offer_id", status=applications.offer_status(offer))
    principal = Money(amount.amount, offer.currency).quantized()
    fee = applications.origination_fee(CATALOGUE[offer.product], principal)
    return _new_loan(session, context, offer, principal, fee, tenor_days, booking_key,
                     booked_by_user_id=booked_by_user_id, supplier=None)


def _new_loan(session: Session, context: audit.AuditContext, offer: FinancingOffer, principal: Money,
              fee: Money, tenor_days: int, booking_key: str, *, booked_by_user_id: uuid.UUID | None,
              supplier: SupplierPayee | None) -> Loan:
    chosen = CATALOGUE[offer.product]
    funder = identity.organisation_by_slug(session, DEFAULT_FUNDER)
    if funder is None:
        raise FunderCapitalInsufficient(available=str(Money.zero(offer.currency)), amount=str(principal))
    now = get_clock().now()
    start_on = now.date()
    loan = Loan(
        id=uuid.uuid4(), offer_id=offer.id, seller_organisation_id=offer.seller_organisation_id,
        funder_organisation_id=funder.id, products_version=offer.products_version, product=offer.product,
        principal_amount=principal.amount, currency=offer.currency, annual_rate=offer.annual_rate,
        day_count_convention=schedules.DEFAULT_CONVENTION, origination_fee_amount=fee.amount,
        tenor_days=tenor_days, repayment_method=chosen.repayment.method.value,
        repayment_period_days=chosen.repayment.period_days, remittance_rate=chosen.repayment.remittance_rate,
        status="awaiting_disbursement", booking_key=booking_key,
        disbursement_method="supplier" if supplier else "wallet",
        supplier_name=supplier.name.strip() if supplier else None,
        supplier_account=supplier.account.strip() if supplier else None,
        supplier_country=supplier.country.strip().upper() if supplier else None, start_on=start_on,
        maturity_on=start_on + timedelta(days=tenor_days), interest_accrued_until=None,
        accrual_numerator=Decimal(0), interest_accrued_amount=Decimal(0),
        interest_split_version=schedules.CURRENT_INTEREST_SPLIT.version,
        funder_interest_share=schedules.CURRENT_INTEREST_SPLIT.funder_share,
        funder_interest_amount=Decimal(0),
        booked_by_user_id=booked_by_user_id,
        booked_at=now, updated_at=now)
    repository.add(session, loan)
    replan(session, loan, start_on)
    accounts(session, loan)
    audit.record(session, context, "lending:loan:booked", subject_type="lending_loan", subject_id=loan.id,
                 organisation_id=loan.seller_organisation_id, after={
                     "offer_id": str(offer.id), "principal": str(principal),
                     "annual_rate": str(loan.annual_rate), "origination_fee": str(fee_of(loan)),
                     "tenor_days": loan.tenor_days, "funder_organisation_id": str(funder.id),
                     "interest_split": loan.interest_split_version,
                     "funder_interest_share": str(loan.funder_interest_share),
                     "status": loan.status,
                     **({"disbursement_method": "supplier", "supplier": loan.supplier_name}
                        if supplier else {})})
    return loan


def replan(session: Session, loan: Loan, start_on: date) -> schedules.Schedule:
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
