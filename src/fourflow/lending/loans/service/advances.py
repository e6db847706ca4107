"""The daily advance (issue 7): an option of receivables financing. Each morning a seller enrolled
under an active receivables-financing loan (the *facility*) is advanced a share of yesterday's
shipped-but-unpaid sales; the marketplace's payout of those orders, about 14 days later, repays it
first (fee, then principal) and the rest of the payout goes on as before (``payouts.apply_payout``).

Terms (``products.DAILY_ADVANCE_TERMS``, version ``daily-advance@v1``, copied onto the enrolment when
the seller enrols, and onto each advance with the figures it was computed from):

* sales S = Σ totals of the orders that shipped on day D and are unpaid when the job runs
  (``tradedata.service.receivables``: first carrier scan on D, no deposited settlement line of a sale
  naming the order, not cancelled, refunded or returned, in the facility's currency, not advanced on
  before);
* uncapped advance U = ``advance_share`` × S, rounded *down* to the minor unit (never more than the
  share);
* cap headroom H = the facility's approved amount (its offer's amount, ``cap_amount``) − the principal
  of the seller's advances not yet netted; the advance A = min(U, H), none when A ≤ 0;
* fee F = ``fee_rate`` × A, rounded half to even: a flat fee per advance, charged when advanced, so the
  seller knows the cost the morning they get the money (e.g. 80 % of 1,234.56 = 987.648 → 987.64,
  fee 0.1 % = 0.98764 → 0.99).

Money (one entry per seller and sales day, key ``lending:daily-advance:{seller}:{D}``):
    Dr loan:principal (seller, subject ``daily-advances``) A     Cr seller:wallet A
    Dr loan:fees      (seller, subject ``daily-advances``) F     Cr platform:income:fees F
    Dr funder:available (the facility's funder) A               Cr funder:deployed A
Netting, inside the payout's allocation entry: Cr loan:fees f, Cr loan:principal p from the payout's
Dr seller:collections, and Dr funder:deployed p / Cr funder:available p.

Which advances a payout nets, oldest sales day first: those with an order the payout's settlement
names (``trade_settlement_lines`` whose settlement id is the payout's reference), those a payout has
netted in part before, and those past their ``due_on`` (``netting_due_days`` after the advance, in
case their orders are never named: refunded, or settled under another reference).

Why the orders are stored with each advance (marketplace, order id, the trade row's id, amount, first
scan) rather than recomputed: a corrected trade download replaces rows in place, so only the copy
shows what the decision saw; the natural key is what settlement lines name when the payout arrives,
and its uniqueness is what makes an order count in one advance only. The terms version and the
figures (share, fee rate, sales, uncapped, cap, outstanding, headroom) are stored in ``inputs``.

Locking: the seller's enrolment row is locked (``FOR UPDATE``) by every advance, enrolment change and
payout netting, so the job run twice or in two workers advances a day once; the (seller, day) key of
the advance row and of its ledger entry back that up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.money import Money, minor_units
from fourflow.core.pagination import Page, PageRequest
from fourflow.identity import service as identity
from fourflow.ledger import service as ledger
from fourflow.ledger.errors import FloorBreached
from fourflow.lending.loans import repository
from fourflow.lending.loans.errors import (
    DailyAdvanceAlreadyEnrolled,
    DailyAdvanceNotEnrolled,
    DailyAdvanceNotOffered,
    LoanNotFound,
    ReceivablesFacilityMissing,
    SellerNotFound,
)
from fourflow.lending.loans.models import (
    DailyAdvance,
    DailyAdvanceEnrolment,
    DailyAdvanceNetting,
    DailyAdvanceOrder,
    Loan,
    SellerPayout,
)
from fourflow.lending.loans.service.common import credit, debit, platform_account
from fourflow.lending.products import DAILY_ADVANCE_TERMS, DAILY_ADVANCE_VERSION
from fourflow.risk.service import controls
from fourflow.tradedata.service import receivables

ADVANCE_SUBJECT = "daily-advances"
ENROLMENT_SUBJECT = "lending_daily_advance_enrolment"


@dataclass(frozen=True, slots=True)
class AdvanceOutcome:
    """What the morning's run did for one seller and day: ``advanced`` (``advance`` made now),
    ``already_advanced`` (made before), or why none was made: ``not_enrolled``, ``facility_inactive``,
    ``no_sales``, ``cap_reached``, ``drawdowns_on_hold``, ``funder_capital_insufficient``."""

    reason: str
    advance: DailyAdvance | None = None

    @property
    def created(self) -> bool:
        return self.reason == "advanced"


@dataclass(frozen=True, slots=True)
class AdvanceAccounts:
    principal: uuid.UUID
    fees: uuid.UUID
    wallet: uuid.UUID
    funder_available: uuid.UUID
    funder_deployed: uuid.UUID


@dataclass(frozen=True, slots=True)
class AdvanceSummary:
    enrolment: DailyAdvanceEnrolment | None
    today: DailyAdvance | None  # the advance paid today (on yesterday's sales)
    outstanding_principal: Money | None
    outstanding_fees: Money | None
    recent: list[DailyAdvance]


def advance_accounts(session: Session, seller_organisation_id: uuid.UUID, funder_organisation_id: uuid.UUID,
                     currency: str) -> AdvanceAccounts:
    def seller(code: str, subject: str = "") -> uuid.UUID:
        return ledger.open_account(session, seller_organisation_id, code, currency, subject=subject).id

    def funder(code: str) -> uuid.UUID:
        return ledger.open_account(session, funder_organisation_id, code, currency).id

    return AdvanceAccounts(seller("loan:principal", ADVANCE_SUBJECT), seller("loan:fees", ADVANCE_SUBJECT),
                           seller("seller:wallet"), funder("funder:available"), funder("funder:deployed"))


# Enrolment -----------------------------------------------------------------------------------------

def enrol(session: Session, context: audit.AuditContext, seller_organisation_id: uuid.UUID, *,
          loan_id: uuid.UUID | None = None,
          enrolled_by_user_id: uuid.UUID | None = None) -> DailyAdvanceEnrolment:
    """Enrol the seller under ``loan_id`` (or their newest active receivables-financing loan): the
    loan must be the seller's, of a product offering the daily advance, and active."""
    seller_exists(session, seller_organisation_id)
    repository.lock_enrolling(session, seller_organisation_id)
    if repository.enrolled(session, seller_organisation_id, for_update=True) is not None:
        raise DailyAdvanceAlreadyEnrolled()
    facility = _facility(session, seller_organisation_id, loan_id)
    terms = DAILY_ADVANCE_TERMS[facility.product]
    now = get_clock().now()
    enrolment = DailyAdvanceEnrolment(
        id=uuid.uuid4(), seller_organisation_id=seller_organisation_id, loan_id=facility.id,
        terms_version=DAILY_ADVANCE_VERSION, advance_share=terms.advance_share, fee_rate=terms.fee_rate,
        netting_due_days=terms.netting_due_days, purchase_window_days=terms.purchase_window_days,
        cap_amount=Money(facility.principal_amount, facility.currency).quantized().amount,
        currency=facility.currency, status="enrolled", enrolled_by_user_id=enrolled_by_user_id,
        enrolled_at=now, withdrawn_by_user_id=None, withdrawn_at=None)
    repository.add(session, enrolment)
    audit.record(session, context, "lending:daily_advance:enrolled", subject_type=ENROLMENT_SUBJECT,
                 subject_id=enrolment.id, organisation_id=seller_organisation_id,
                 after=_enrolment_document(enrolment))
    return enrolment


def unenrol(session: Session, context: audit.AuditContext, seller_organisation_id: uuid.UUID, *,
            withdrawn_by_user_id: uuid.UUID | None = None) -> DailyAdvanceEnrolment:
    """No more advances from tomorrow; the outstanding ones are still netted from payouts."""
    enrolment = repository.enrolled(session, seller_organisation_id, for_update=True)
    if enrolment is None:
        raise DailyAdvanceNotEnrolled()
    now = get_clock().now()
    enrolment.status, enrolment.withdrawn_at = "withdrawn", now
    enrolment.withdrawn_by_user_id = withdrawn_by_user_id
    session.flush()
    audit.record(session, context, "lending:daily_advance:withdrawn", subject_type=ENROLMENT_SUBJECT,
                 subject_id=enrolment.id, organisation_id=seller_organisation_id,
                 before={"status": "enrolled"}, after={"status": "withdrawn"})
    return enrolment


def enrolment_of(session: Session, seller_organisation_id: uuid.UUID) -> DailyAdvanceEnrolment | None:
    return repository.enrolled(session, seller_organisation_id)


def enrolled_seller_ids(session: Session) -> list[uuid.UUID]:
    return repository.enrolled_seller_ids(session)


def _facility(session: Session, seller_organisation_id: uuid.UUID, loan_id: uuid.UUID | None) -> Loan:
    if loan_id is not None:
        loan = repository.loan(session, loan_id, seller_organisation_id)
        if loan is None:
            raise LoanNotFound(field="loan_id")
        if loan.product not in DAILY_ADVANCE_TERMS:
            raise DailyAdvanceNotOffered(field="loan_id", product=loan.product.replace("_", " "))
        if loan.status != "active":
            raise ReceivablesFacilityMissing(field="loan_id")
        return loan
    facility = advance_facility(session, seller_organisation_id)
    if facility is None:
        raise ReceivablesFacilityMissing(field="loan_id")
    return facility


def advance_facility(session: Session, seller_organisation_id: uuid.UUID) -> Loan | None:
    """The active loan a daily advance would run under: the newest disbursed of the products that
    offer one, or None."""
    facilities = [loan for loan in repository.active_loans_of_seller(session, seller_organisation_id)
                  if loan.product in DAILY_ADVANCE_TERMS]
    return facilities[-1] if facilities else None


# The morning's advance -------------------------------------------------------------------------------

def advance_day(session: Session, context: audit.AuditContext, seller_organisation_id: uuid.UUID,
                sales_on: date) -> AdvanceOutcome:
    """Advance the enrolled seller on the orders that shipped on ``sales_on`` (see the module's
    arithmetic). Once per seller and day: a second run returns the first advance."""
    enrolment = repository.enrolled(session, seller_organisation_id, for_update=True)
    earlier = repository.advance_of_day(session, seller_organisation_id, sales_on)
    if earlier is not None:
        return AdvanceOutcome("already_advanced", earlier)
    if enrolment is None:
        return AdvanceOutcome("not_enrolled")
    facility = repository.loan(session, enrolment.loan_id, seller_organisation_id)
    if facility is None or facility.status != "active":
        return AdvanceOutcome("facility_inactive")
    currency = enrolment.currency
    found = receivables.shipped_unpaid_orders(session, seller_organisation_id, currency, sales_on,
                                              purchase_window_days=enrolment.purchase_window_days,
                                              as_of=get_clock().now())
    advanced_before = repository.advanced_order_ids(
        session, seller_organisation_id, [(row.marketplace, row.order_id) for row in found])
    orders = [row for row in found if (row.marketplace, row.order_id) not in advanced_before]
    if not orders:
        return AdvanceOutcome("no_sales")
    exponent = Decimal(1).scaleb(-minor_units(currency))
    sales = Money(sum((row.amount for row in orders), Decimal(0)), currency).quantized()
    uncapped = Money((sales.amount * enrolment.advance_share).quantize(exponent, rounding=ROUND_DOWN),
                     currency)
    cap = Money(enrolment.cap_amount, currency).quantized()
    outstanding = Money(repository.outstanding_principal(session, seller_organisation_id, currency),
                        currency).quantized()
    headroom = cap - outstanding
    amount = min(uncapped, headroom)
    inputs: dict[str, Any] = {
        "definition": receivables.SHIPPED_UNPAID_DEFINITION, "sales_on": sales_on.isoformat(),
        "orders": len(orders), "sales": str(sales.amount), "advance_share": str(enrolment.advance_share),
        "fee_rate": str(enrolment.fee_rate), "uncapped": str(uncapped.amount), "cap": str(cap.amount),
        "outstanding_before": str(outstanding.amount), "headroom": str(headroom.amount),
        "facility_loan_id": str(facility.id)}
    if amount.amount <= 0:
        return _skipped(session, context, enrolment, "cap_reached", inputs)
    try:
        controls.ensure_drawdowns_allowed(session, seller_organisation_id)
    except controls.DrawdownOnHold:
        return _skipped(session, context, enrolment, "drawdowns_on_hold", inputs)
    fee = (amount * enrolment.fee_rate).quantized()
    held = advance_accounts(session, seller_organisation_id, facility.funder_organisation_id, currency)
    available = ledger.balance(session, ledger.get_account(session, held.funder_available, None)).available
    if available < amount.amount:
        return _skipped(session, context, enrolment, "funder_capital_insufficient", inputs)
    postings = [debit(held.principal, amount), credit(held.wallet, amount)]
    if not fee.is_zero():
        income = platform_account(session, "platform:income:fees", currency)
        postings += [debit(held.fees, fee), credit(income, fee)]
    postings += [debit(held.funder_available, amount), credit(held.funder_deployed, amount)]
    try:
        entry = ledger.transfer(session, context, ledger.Transfer(
            idempotency_key=f"lending:daily-advance:{seller_organisation_id}:{sales_on.isoformat()}",
            postings=tuple(postings), description=f"Daily advance on the sales of {sales_on.isoformat()}"),
            details={"sales_on": sales_on.isoformat()})
    except FloorBreached:  # another loan took the funder's capital between the check and the entry
        return _skipped(session, context, enrolment, "funder_capital_insufficient", inputs)
    now = get_clock().now()
    advance = DailyAdvance(
        id=uuid.uuid4(), enrolment_id=enrolment.id, seller_organisation_id=seller_organisation_id,
        loan_id=facility.id, funder_organisation_id=facility.funder_organisation_id, sales_on=sales_on,
        advanced_on=now.date(), due_on=now.date() + timedelta(days=enrolment.netting_due_days),
        terms_version=enrolment.terms_version, currency=currency, sales_amount=sales.amount,
        principal_amount=amount.amount, fee_amount=fee.amount, principal_repaid_amount=Decimal(0),
        fee_repaid_amount=Decimal(0), orders_count=len(orders), inputs=inputs, status="outstanding",
        ledger_entry_id=entry.entry_id, created_at=now, netted_at=None)
    repository.add(session, advance)
    for row in orders:
        session.add(DailyAdvanceOrder(
            id=uuid.uuid4(), advance_id=advance.id, seller_organisation_id=seller_organisation_id,
            marketplace=row.marketplace, order_id=row.order_id, trade_order_row_id=row.row_id,
            amount=row.amount, currency=row.currency, shipped_at=row.shipped_at))
    session.flush()
    audit.record(session, context, "lending:daily_advance:paid", subject_type="lending_daily_advance",
                 subject_id=advance.id, organisation_id=seller_organisation_id, after={
                     **inputs, "advance": str(amount), "fee": str(fee),
                     "terms_version": advance.terms_version,
                     "order_ids": [row.order_id for row in orders]})
    return AdvanceOutcome("advanced", advance)


def _skipped(session: Session, context: audit.AuditContext, enrolment: DailyAdvanceEnrolment, reason: str,
             inputs: dict[str, Any]) -> AdvanceOutcome:
    audit.record(session, context, "lending:daily_advance:skipped", subject_type=ENROLMENT_SUBJECT,
                 subject_id=enrolment.id, organisation_id=enrolment.seller_organisation_id,
                 after={**inputs, "reason": reason})
    return AdvanceOutcome(reason)


# Netting from a payout ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Netted:
    postings: list[ledger.Posting]
    total: Money
    nettings: list[DailyAdvanceNetting]


def net_from_payout(session: Session, payout: SellerPayout, left: Money) -> Netted:
    """The seller's advances this payout repays first (see the module), fee then principal, out of
    ``left``; the postings credit the advances' accounts (the caller debits seller:collections)."""
    seller_organisation_id, currency = payout.seller_organisation_id, payout.currency
    repository.enrolled(session, seller_organisation_id, for_update=True)  # queue behind a running advance
    candidates = repository.open_advances(session, seller_organisation_id, currency, for_update=True)
    if not candidates or left.is_zero():
        return Netted([], Money.zero(currency), [])
    paid_orders = receivables.orders_in_settlement(session, seller_organisation_id, payout.reference)
    covering = {order.advance_id
                for order in repository.orders_of_advances(session, [advance.id for advance in candidates])
                if order.order_id in paid_orders}
    today = payout.received_on
    now = get_clock().now()
    totals: dict[tuple[uuid.UUID, str], Money] = {}
    nettings: list[DailyAdvanceNetting] = []
    netted = Money.zero(currency)
    for advance in candidates:
        if advance.id not in covering and advance.status != "partly_netted" and advance.due_on > today:
            continue
        remaining = left - netted
        if remaining.is_zero():
            break
        fee = min(remaining, _money(advance.fee_amount - advance.fee_repaid_amount, currency))
        principal = min(remaining - fee,
                        _money(advance.principal_amount - advance.principal_repaid_amount, currency))
        if fee.is_zero() and principal.is_zero():
            continue
        held = advance_accounts(session, seller_organisation_id, advance.funder_organisation_id, currency)
        for key, part in (((held.fees, "credit"), fee), ((held.principal, "credit"), principal),
                          ((held.funder_deployed, "debit"), principal),
                          ((held.funder_available, "credit"), principal)):
            totals[key] = totals.get(key, Money.zero(currency)) + part
        advance.fee_repaid_amount += fee.amount
        advance.principal_repaid_amount += principal.amount
        fully = (advance.fee_repaid_amount == advance.fee_amount
                 and advance.principal_repaid_amount == advance.principal_amount)
        advance.status = "netted" if fully else "partly_netted"
        advance.netted_at = now if fully else None
        netting = DailyAdvanceNetting(
            id=uuid.uuid4(), advance_id=advance.id, payout_id=payout.id,
            seller_organisation_id=seller_organisation_id,
            fee_amount=fee.amount, principal_amount=principal.amount, netted_on=today, created_at=now)
        repository.add(session, netting)
        nettings.append(netting)
        netted += fee + principal
    postings = [(credit if side == "credit" else debit)(account_id, amount)
                for (account_id, side), amount in totals.items() if not amount.is_zero()]
    session.flush()
    return Netted(postings, netted, nettings)


def netting_document(netting: DailyAdvanceNetting) -> dict[str, str]:
    return {"advance_id": str(netting.advance_id), "fees": str(netting.fee_amount),
            "principal": str(netting.principal_amount)}


# Reads --------------------------------------------------------------------------------------------------

def list_advances(session: Session, seller_organisation_id: uuid.UUID | None,
                  request: PageRequest) -> Page[DailyAdvance]:
    return repository.advances(session, seller_organisation_id, request)


def orders_of(session: Session, advances: list[DailyAdvance]) -> dict[uuid.UUID, list[DailyAdvanceOrder]]:
    found: dict[uuid.UUID, list[DailyAdvanceOrder]] = {advance.id: [] for advance in advances}
    for order in repository.orders_of_advances(session, [advance.id for advance in advances]):
        found[order.advance_id].append(order)
    return found


def nettings_of(session: Session, advances: list[DailyAdvance]) -> dict[uuid.UUID, list[DailyAdvanceNetting]]:
    found: dict[uuid.UUID, list[DailyAdvanceNetting]] = {advance.id: [] for advance in advances}
    for netting in repository.nettings_of_advances(session, [advance.id for advance in advances]):
        found[netting.advance_id].append(netting)
    return found


def nettings_of_payout(session: Session, payout: SellerPayout) -> list[DailyAdvanceNetting]:
    return repository.nettings_of_payout(session, payout.id)


def summary(session: Session, seller_organisation_id: uuid.UUID, *, recent: int = 10) -> AdvanceSummary:
    """The seller's panel: enrolled or not, today's advance, what is outstanding, the last advances."""
    enrolment = repository.enrolled(session, seller_organisation_id)
    last = repository.advances(session, seller_organisation_id, PageRequest(page=1, page_size=recent)).items
    today = get_clock().now().date()
    currency = enrolment.currency if enrolment is not None else (last[0].currency if last else None)
    principal = fees = None
    if currency is not None:
        open_ = repository.open_advances(session, seller_organisation_id, currency)
        principal = _money(sum((a.principal_amount - a.principal_repaid_amount for a in open_), Decimal(0)),
                           currency)
        fees = _money(sum((a.fee_amount - a.fee_repaid_amount for a in open_), Decimal(0)), currency)
    todays = next((advance for advance in last if advance.advanced_on == today), None)
    return AdvanceSummary(enrolment, todays, principal, fees, last)


def seller_exists(session: Session, seller_organisation_id: uuid.UUID) -> None:
    seller = identity.organisation_by_id(session, seller_organisation_id)
    if seller is None or seller.kind != "seller":
        raise SellerNotFound(field="seller_id")


def _enrolment_document(enrolment: DailyAdvanceEnrolment) -> dict[str, Any]:
    return {"loan_id": str(enrolment.loan_id), "terms_version": enrolment.terms_version,
            "advance_share": str(enrolment.advance_share), "fee_rate": str(enrolment.fee_rate),
            "cap": str(Money(enrolment.cap_amount, enrolment.currency)), "status": enrolment.status}


def _money(amount: Decimal, currency: str) -> Money:
    return Money(amount, currency).quantized()
