"""Loans and their money (F21, F24): booking from an accepted offer, disbursement into the seller's
wallet, daily interest accrual and repayment from marketplace payouts. Every money movement is one
balanced ledger entry with an idempotency key derived from the loan (or the payout), posted in the
same transaction as the change that causes it, and every change is audited there too.

Accounts (MONEY-FLOWS.md): per loan ``loan:principal``, ``loan:interest``, ``loan:fees`` (owned by the
seller, subject the loan's id); the seller's ``seller:wallet`` and ``seller:collections``; the funder's
``funder:available`` and ``funder:deployed``; the platform's ``platform:income:fees``,
``platform:income:interest`` and the ``platform:bank`` account payouts arrive at.

Locking: a booking takes an advisory lock on the offer; disbursement, accrual and payouts lock the
loan rows (``FOR UPDATE``); a payout first inserts its (seller, reference) row, so concurrent
deliveries of one payout queue on that unique key and all but the first find it applied.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.money import Money, minor_units, validate_currency
from fourflow.core.pagination import Page, PageRequest
from fourflow.identity import service as identity
from fourflow.ledger import service as ledger
from fourflow.ledger.errors import FloorBreached
from fourflow.lending import schedules
from fourflow.lending.applications import service as applications
from fourflow.lending.loans import repository
from fourflow.lending.loans.errors import (
    AccrualDateInFuture,
    FunderCapitalInsufficient,
    LoanAlreadyBooked,
    LoanNotFound,
    OfferNotAccepted,
    PayoutAmountNotPositive,
    PayoutAmountTooPrecise,
    PayoutCurrencyMismatch,
    PayoutReferenceMissing,
    PayoutReferenceReused,
    SellerNotFound,
)
from fourflow.lending.loans.models import Loan, LoanInstalment, LoanRepayment, SellerPayout
from fourflow.lending.products import CATALOGUE, RepaymentMethod

# The demo world's funder lends every loan until funder bidding (ecosystem) chooses one per loan.
DEFAULT_FUNDER = "harbour-capital"
# The platform account marketplace payouts arrive at unless the caller names another channel.
DEFAULT_COLLECTION_CHANNEL = "harbour-bank"
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class LoanAccounts:
    principal: uuid.UUID
    interest: uuid.UUID
    fees: uuid.UUID
    wallet: uuid.UUID
    collections: uuid.UUID
    funder_available: uuid.UUID
    funder_deployed: uuid.UUID


@dataclass(frozen=True, slots=True)
class LoanBalances:
    principal: Money
    interest: Money
    fees: Money

    @property
    def total(self) -> Money:
        return self.principal + self.interest + self.fees

    def is_zero(self) -> bool:
        return all(amount.is_zero() for amount in (self.principal, self.interest, self.fees))


@dataclass(frozen=True, slots=True)
class PayoutApplied:
    payout: SellerPayout
    repayments: list[LoanRepayment]
    created: bool  # False: the reference had been applied before, nothing was posted now


# ---------------------------------------------------------------- booking


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
                     "annual_rate": str(loan.annual_rate), "origination_fee": str(_fee(loan)),
                     "tenor_days": loan.tenor_days, "funder_organisation_id": str(funder.id),
                     "status": loan.status})
    return loan


def _plan(session: Session, loan: Loan, start_on: date) -> schedules.Schedule:
    schedule = applications.offer_schedule(CATALOGUE[loan.product], _principal(loan), loan.annual_rate,
                                           start_on, loan.tenor_days)
    loan.start_on = start_on
    loan.maturity_on = schedule.maturity_on
    repository.replace_instalments(session, loan.id, [
        LoanInstalment(id=uuid.uuid4(), loan_id=loan.id, number=instalment.number, due_on=instalment.due_on,
                       principal_amount=instalment.principal.amount,
                       interest_amount=instalment.interest.amount,
                       fees_amount=instalment.fees.amount) for instalment in schedule.instalments])
    return schedule


def accounts(session: Session, loan: Loan) -> LoanAccounts:
    """The loan's accounts, opened on first use."""
    seller, funder, currency = loan.seller_organisation_id, loan.funder_organisation_id, loan.currency
    subject = str(loan.id)
    return LoanAccounts(
        principal=ledger.open_account(session, seller, "loan:principal", currency, subject=subject).id,
        interest=ledger.open_account(session, seller, "loan:interest", currency, subject=subject).id,
        fees=ledger.open_account(session, seller, "loan:fees", currency, subject=subject).id,
        wallet=ledger.open_account(session, seller, "seller:wallet", currency).id,
        collections=ledger.open_account(session, seller, "seller:collections", currency).id,
        funder_available=ledger.open_account(session, funder, "funder:available", currency).id,
        funder_deployed=ledger.open_account(session, funder, "funder:deployed", currency).id)


# ---------------------------------------------------------------- disbursement


def disburse(session: Session, context: audit.AuditContext, loan_id: uuid.UUID, *,
             disbursed_by_user_id: uuid.UUID | None = None) -> Loan:
    """Into the seller's wallet (MONEY-FLOWS events 2 and 3, the fee netted), in one entry:
    Dr loan:principal P; Cr seller:wallet P − fee; Cr platform:income:fees fee;
    Dr funder:available P; Cr funder:deployed P. A loan disbursed already is returned unchanged."""
    loan = _loan(session, loan_id, None, for_update=True)
    if loan.status != "awaiting_disbursement":
        return loan
    now = get_clock().now()
    if now.date() != loan.start_on:
        _plan(session, loan, now.date())  # interest runs from the day the money leaves
    principal, fee = _principal(loan), _fee(loan)
    held = accounts(session, loan)
    available = ledger.balance(session, ledger.get_account(session, held.funder_available, None)).available
    if available < principal.amount:
        raise FunderCapitalInsufficient(available=str(Money(available, loan.currency)),
                                        amount=str(principal))
    fee_income = _platform_account(session, "platform:income:fees", loan.currency)
    postings = [_debit(held.principal, principal), _credit(held.wallet, principal - fee)]
    if not fee.is_zero():
        postings.append(_credit(fee_income, fee))
    postings += [_debit(held.funder_available, principal), _credit(held.funder_deployed, principal)]
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
    audit.record(session, context, "lending:loan:disbursed", subject_type="lending_loan", subject_id=loan.id,
                 organisation_id=loan.seller_organisation_id, before={"status": "awaiting_disbursement"},
                 after={"status": "active", "principal": str(principal), "to_wallet": str(principal - fee),
                        "origination_fee": str(fee), "start_on": loan.start_on.isoformat(),
                        "maturity_on": loan.maturity_on.isoformat()})
    return loan


# ---------------------------------------------------------------- interest accrual


def accrue_interest(session: Session, context: audit.AuditContext, loan_id: uuid.UUID,
                    through: date) -> Money:
    """Accrue the interest of every day up to and including ``through`` not accrued yet (never past
    the last day before maturity, never today or later: a day's interest is known once it is over):
    one entry per day, Dr loan:interest / Cr platform:income:interest, keyed by loan and day. The
    rounding remainder is carried (``schedules.AccruedInterest``) so the days add up to the contract's
    interest to the cent. Returns what this run posted."""
    loan = _loan(session, loan_id, None, for_update=True)
    return _accrue(session, context, loan, through)


def _accrue(session: Session, context: audit.AuditContext, loan: Loan, through: date) -> Money:
    zero = Money.zero(loan.currency)
    yesterday = get_clock().now().date() - ONE_DAY
    if through > yesterday:
        raise AccrualDateInFuture(field="through", through=through.isoformat(),
                                  yesterday=yesterday.isoformat())
    if loan.status != "active" or loan.interest_accrued_until is None:
        return zero
    last = min(through, loan.maturity_on - ONE_DAY)
    first = loan.interest_accrued_until
    if last < first:
        return zero
    held = accounts(session, loan)
    balance = _balances(session, loan, held).principal
    income = _platform_account(session, "platform:income:interest", loan.currency)
    state = schedules.AccruedInterest(loan.currency, loan.day_count_convention,
                                      Decimal(loan.accrual_numerator),
                                      Money(loan.interest_accrued_amount, loan.currency).quantized())
    transfers = []
    posted = zero
    on = first
    while on <= last:
        state, amount = state.accrue(balance, loan.annual_rate, on, on + ONE_DAY)
        if not amount.is_zero():
            transfers.append(ledger.Transfer(
                idempotency_key=f"lending:loan:{loan.id}:interest:{on.isoformat()}",
                postings=(_debit(held.interest, amount), _credit(income, amount)),
                description=f"Interest of {on.isoformat()}"))
            posted += amount
        on += ONE_DAY
    if transfers:
        ledger.transfers(session, context, transfers)
    before = {"interest_accrued_until": first.isoformat(),
              "interest_accrued": str(loan.interest_accrued_amount)}
    loan.accrual_numerator = state.numerator
    loan.interest_accrued_amount = state.posted.amount
    loan.interest_accrued_until = last + ONE_DAY
    loan.updated_at = get_clock().now()
    session.flush()
    audit.record(session, context, "lending:loan:interest_accrued", subject_type="lending_loan",
                 subject_id=loan.id, organisation_id=loan.seller_organisation_id, before=before,
                 after={"interest_accrued_until": loan.interest_accrued_until.isoformat(),
                        "interest_accrued": str(state.posted), "posted_now": str(posted),
                        "principal_balance": str(balance)})
    return posted


def loan_of_offer_exists(session: Session, offer_id: uuid.UUID) -> bool:
    return repository.loan_of_offer(session, offer_id) is not None


def active_loan_ids(session: Session) -> list[uuid.UUID]:
    return repository.loan_ids_with_status(session, "active")


def accrue_all(session: Session, context: audit.AuditContext, through: date) -> int:
    """Accrue every active loan through ``through`` in this transaction; returns the loans that posted.
    (The job runs each loan in its own transaction: ``tasks.accrue_all``.)"""
    return sum(1 for loan_id in active_loan_ids(session)
               if not accrue_interest(session, context, loan_id, through).is_zero())


# ---------------------------------------------------------------- payouts and repayment


def apply_payout(session: Session, context: audit.AuditContext, seller_id: uuid.UUID,
                 payout_amount: Decimal, currency: str, reference: str, *,
                 channel: str = DEFAULT_COLLECTION_CHANNEL) -> PayoutApplied:
    """A marketplace payout for the seller (events 5 and 6): Dr platform:bank / Cr seller:collections,
    then in one entry Dr seller:collections and Cr, loan by loan (oldest first), fees → interest →
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
        _accrue(session, context, loan, today - ONE_DAY)
    bank = _platform_account(session, "platform:bank", currency, subject=channel)
    collections = ledger.open_account(session, seller_id, "seller:collections", currency).id
    wallet = ledger.open_account(session, seller_id, "seller:wallet", currency).id
    key = f"lending:payout:{seller_id}:{reference}"
    ledger.transfer(session, context, ledger.Transfer(
        idempotency_key=f"{key}:received",
        postings=(_debit(bank, payout_money), _credit(collections, payout_money)),
        description=f"Marketplace payout {reference}"), details={"reference": reference})
    left = payout_money
    postings: list[ledger.Posting] = []
    repayments: list[LoanRepayment] = []
    for loan in loans:
        held = accounts(session, loan)
        owed = _balances(session, loan, held)
        share = _share(session, loan, left, owed, today)
        if share.is_zero():
            continue
        allocation = schedules.allocate(
            share, [schedules.Due(1, today, owed.fees, owed.interest, owed.principal)])
        for account, part in ((held.fees, allocation.fees), (held.interest, allocation.interest),
                              (held.principal, allocation.principal)):
            if not part.is_zero():
                postings.append(_credit(account, part))
        if not allocation.principal.is_zero():
            postings += [_debit(held.funder_deployed, allocation.principal),
                         _credit(held.funder_available, allocation.principal)]
        repayment = LoanRepayment(
            id=uuid.uuid4(), loan_id=loan.id, payout_id=payout.id, seller_organisation_id=seller_id,
            paid_on=today, currency=currency, fees_amount=allocation.fees.amount,
            interest_amount=allocation.interest.amount,
            principal_amount=allocation.principal.amount, created_at=now)
        repository.add(session, repayment)
        repayments.append(repayment)
        left -= allocation.allocated
    if not left.is_zero():
        postings.append(_credit(wallet, left))
    postings.insert(0, _debit(collections, payout_money))
    ledger.transfer(session, context, ledger.Transfer(
        idempotency_key=f"{key}:allocated", postings=tuple(postings),
        description=f"Payout {reference} allocated"), details={"reference": reference})
    payout.released_amount = left.amount
    session.flush()
    audit.record(session, context, "lending:payout:applied", subject_type="lending_payout",
                 subject_id=payout.id, organisation_id=seller_id, after={
                     "reference": reference, "amount": str(payout_money), "released": str(left),
                     "repayments": [_repayment_document(repayment) for repayment in repayments]})
    for loan in loans:
        if _balances(session, loan, accounts(session, loan)).is_zero():
            _close(session, context, loan)
    return PayoutApplied(payout, repayments, created=True)


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


# ---------------------------------------------------------------- reads


def get_loan(session: Session, loan_id: uuid.UUID, seller_organisation_id: uuid.UUID | None) -> Loan:
    return _loan(session, loan_id, seller_organisation_id)


def list_loans(session: Session, seller_organisation_id: uuid.UUID | None, status: str | None,
               request: PageRequest) -> Page[Loan]:
    return repository.loans(session, seller_organisation_id, status, request)


def balances(session: Session, loan: Loan) -> LoanBalances:
    return _balances(session, loan, accounts(session, loan))


def schedule(session: Session, loan: Loan) -> schedules.Schedule:
    kind = {RepaymentMethod.BULLET.value: schedules.ScheduleKind.BULLET,
            RepaymentMethod.PAYOUT_SWEEP.value: schedules.ScheduleKind.PAYOUT_SWEEP}.get(
        loan.repayment_method, schedules.ScheduleKind.EQUAL_PRINCIPAL)
    return schedules.Schedule(kind, _principal(loan), Decimal(loan.annual_rate), loan.start_on,
                              loan.day_count_convention, tuple(
        schedules.Instalment(row.number, row.due_on, _money(row.principal_amount, loan),
                             _money(row.interest_amount, loan), _money(row.fees_amount, loan))
        for row in repository.instalments(session, loan.id)))


def repayments(session: Session, loan: Loan) -> list[LoanRepayment]:
    return repository.repayments(session, loan.id)


def payout_repayments(session: Session, payout: SellerPayout) -> list[LoanRepayment]:
    return repository.repayments_of_payout(session, payout.id)


def payout_of(session: Session, repayment: LoanRepayment) -> SellerPayout:
    found = repository.payout(session, repayment.payout_id)
    assert found is not None  # a foreign key
    return found


# ---------------------------------------------------------------- helpers


def _loan(session: Session, loan_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
          for_update: bool = False) -> Loan:
    loan = repository.loan(session, loan_id, seller_organisation_id, for_update=for_update)
    if loan is None:
        raise LoanNotFound()
    return loan


def _balances(session: Session, loan: Loan, held: LoanAccounts) -> LoanBalances:
    def posted(account_id: uuid.UUID) -> Money:
        account = ledger.get_account(session, account_id, None)
        session.refresh(account)  # running totals move under us within the transaction
        return Money(ledger.balance(session, account).posted, loan.currency)

    return LoanBalances(posted(held.principal), posted(held.interest), posted(held.fees))


def _platform_account(session: Session, code: str, currency: str, subject: str = "") -> uuid.UUID:
    platform = identity.organisations_of_kind(session, "platform")[0]
    return ledger.open_account(session, platform.id, code, currency, subject=subject).id


def _principal(loan: Loan) -> Money:
    return _money(loan.principal_amount, loan)


def _fee(loan: Loan) -> Money:
    return _money(loan.origination_fee_amount, loan)


def _money(amount: Decimal, loan: Loan) -> Money:
    return Money(amount, loan.currency).quantized()


def _debit(account_id: uuid.UUID, amount: Money) -> ledger.Posting:
    return ledger.Posting(account_id, ledger.Side.DEBIT, amount.amount, amount.currency)


def _credit(account_id: uuid.UUID, amount: Money) -> ledger.Posting:
    return ledger.Posting(account_id, ledger.Side.CREDIT, amount.amount, amount.currency)


def _repayment_document(repayment: LoanRepayment) -> dict[str, Any]:
    return {"loan_id": str(repayment.loan_id), "fees": str(repayment.fees_amount),
            "interest": str(repayment.interest_amount), "principal": str(repayment.principal_amount)}
