"""Revolving credit lines (F2): opened by the acceptance of a revolving product's offer, drawn and
repaid repeatedly.

* **Opening.** ``applications`` publishes ``lending:offer:accepted``; for a product in
  ``REVOLVING_PRODUCTS`` a line opens in the same transaction: limit = the offer's amount, its
  currency and rate, open for draws until the offer's tenor from today, each draw repaid by the
  product's method over the offer's tenor from the draw.
* **Available** = limit − the principal its draws still owe (a draw awaiting disbursement owes all of
  it; a repaid or written-off draw nothing, but a write-off freezes the line). Repayments (payouts,
  ``loans.apply_payout``) lower the draws' principal and so restore what is available.
* **Drawing.** A draw is a loan on the line's offer (``loans.book_draw``): the product's disbursement
  conditions (all signatures on the offer's contract) must be met before its money leaves, which the
  loan machinery does (``disbursement.pay_out``: ledger entry, funder capital); the origination fee is
  the product's rate × the draw, netted from the draw's proceeds. The line row is locked first, so
  concurrent draws queue and never exceed the limit together; a key drawn before returns its first
  draw and moves no money again. A refused draw (frozen, closed or ended line, a drawdown hold,
  more than available, a bad amount) stores nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core import events
from fourflow.core.clock import get_clock
from fourflow.core.errors import FourflowError
from fourflow.core.i18n import N_, Language, translate
from fourflow.core.money import Money, minor_units
from fourflow.core.pagination import Page, PageRequest
from fourflow.lending.applications import service as applications
from fourflow.lending.applications.models import FinancingOffer
from fourflow.lending.lines import repository
from fourflow.lending.lines.errors import (
    CreditLineClosed,
    CreditLineFrozen,
    CreditLineNotFound,
    CreditLineTermEnded,
    DrawAmountNotPositive,
    DrawAmountTooPrecise,
    DrawExceedsAvailable,
    DrawIdempotencyKeyMissing,
    DrawKeyReused,
)
from fourflow.lending.lines.models import CreditLine, CreditLineDraw
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.models import Loan
from fourflow.lending.products import CATALOGUE, PRODUCTS_VERSION, REVOLVING_PRODUCTS
from fourflow.risk.models import DRAWDOWN_HOLD, LIMIT_FREEZE
from fourflow.risk.service import controls

# What a line is, as the seller reads it: open, frozen (by the line or a risk officer's control),
# ended (past its term, draws still repaying) or closed.
STATE_LABELS = {"open": N_("Open"), "frozen": N_("Frozen"), "ended": N_("Term ended"),
                "closed": N_("Closed")}
# The product's terms in words, on the offer and the line.
FEE_TEXT = N_("Origination fee: {rate} of each draw, deducted from what the draw pays out.")
DRAW_TEXT = N_("Draw any amount up to what is available until {term_end}; each draw is repaid in equal "
               "instalments every {period} days over {days} days, and what it repays can be drawn again.")
OWING_STATUSES = ("awaiting_disbursement", "disbursing")


@dataclass(frozen=True, slots=True)
class LineFigures:
    limit: Money
    drawn: Money  # principal the draws still owe

    @property
    def available(self) -> Money:
        left = self.limit - self.drawn
        return left if not left.is_negative() else Money.zero(self.limit.currency)


@dataclass(frozen=True, slots=True)
class Drawn:
    draw: CreditLineDraw
    loan: Loan
    created: bool  # False: the key had drawn before; nothing was booked or paid now


# Opening -------------------------------------------------------------------------------------------

def open_line(session: Session, context: audit.AuditContext, offer: FinancingOffer) -> CreditLine:
    """The line of an accepted revolving offer (opened once: a second call returns it)."""
    existing = repository.line_of_offer(session, offer.id)
    if existing is not None:
        return existing
    now = get_clock().now()
    chosen = CATALOGUE[offer.product]
    line = CreditLine(
        id=uuid.uuid4(), offer_id=offer.id, seller_organisation_id=offer.seller_organisation_id,
        products_version=offer.products_version or PRODUCTS_VERSION, product=offer.product,
        limit_amount=Money(offer.amount, offer.currency).quantized().amount, currency=offer.currency,
        annual_rate=offer.annual_rate, origination_fee_rate=chosen.origination_fee_rate,
        draw_tenor_days=offer.tenor_days, opened_on=now.date(),
        term_end_on=now.date() + timedelta(days=offer.tenor_days), status="open", opened_at=now,
        updated_at=now, closed_at=None)
    repository.add(session, line)
    audit.record(session, context, "lending:line:opened", subject_type="lending_credit_line",
                 subject_id=line.id, organisation_id=line.seller_organisation_id, after={
                     "offer_id": str(offer.id), "limit": str(Money(line.limit_amount, line.currency)),
                     "annual_rate": str(line.annual_rate),
                     "origination_fee_rate": str(line.origination_fee_rate),
                     "term_end_on": line.term_end_on.isoformat(), "draw_tenor_days": line.draw_tenor_days})
    return line


def _on_offer_accepted(session: Session, event: events.DomainEvent) -> None:
    offer = applications.get_offer(session, uuid.UUID(event.payload["offer_id"]), None)
    if offer.product in REVOLVING_PRODUCTS:
        open_line(session, audit.AuditContext.system(event.request_id), offer)


events.subscribe(applications.OFFER_ACCEPTED, _on_offer_accepted)


# Reads ----------------------------------------------------------------------------------------------

def get_line(session: Session, line_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
             for_update: bool = False) -> CreditLine:
    line = repository.line(session, line_id, seller_organisation_id, for_update=for_update)
    if line is None:
        raise CreditLineNotFound()
    return line


def list_lines(session: Session, seller_organisation_id: uuid.UUID | None,
               request: PageRequest) -> Page[CreditLine]:
    return repository.lines(session, seller_organisation_id, request)


def line_of_offer(session: Session, offer_id: uuid.UUID) -> CreditLine | None:
    return repository.line_of_offer(session, offer_id)


def draws(session: Session, line: CreditLine) -> list[tuple[CreditLineDraw, Loan]]:
    """The line's draws, oldest first, each with its loan as it stands."""
    return [(row, loans.get_loan(session, row.loan_id, None)) for row in repository.draws(session, line.id)]


def principal_owed(session: Session, loan: Loan) -> Money:
    """What of a draw counts against the limit: all of it until it is paid out, then the principal
    its ledger account still holds; nothing once repaid or written off."""
    if loan.status in OWING_STATUSES:
        return Money(loan.principal_amount, loan.currency).quantized()
    if loan.status == "active":
        return loans.balances(session, loan).principal
    return Money.zero(loan.currency)


def figures(session: Session, line: CreditLine) -> LineFigures:
    drawn = Money.zero(line.currency)
    for _row, loan in draws(session, line):
        drawn += principal_owed(session, loan)
    return LineFigures(Money(line.limit_amount, line.currency).quantized(), drawn)


def state(session: Session, line: CreditLine, today: date | None = None) -> str:
    """open, frozen, ended or closed (see ``STATE_LABELS``)."""
    refusal = refusal_of(session, line, today)
    if refusal is None:
        return "open"
    if isinstance(refusal, CreditLineClosed):
        return "closed"
    if isinstance(refusal, CreditLineTermEnded):
        return "ended"
    return "frozen"


def refusal_of(session: Session, line: CreditLine, today: date | None = None) -> FourflowError | None:
    """Why no draw can be made on the line now (None: draws are open)."""
    today = today or get_clock().now().date()
    if line.status == "closed":
        return CreditLineClosed()
    standing = {row.control: row for row in controls.standing(session, line.seller_organisation_id)}
    if line.status == "frozen" or LIMIT_FREEZE in standing:
        return CreditLineFrozen()
    # A draw written off (``lending.collections``) is a default: the line lends no more.
    if any(loan.status == "written_off" for _row, loan in draws(session, line)):
        return CreditLineFrozen()
    if DRAWDOWN_HOLD in standing:
        hold = standing[DRAWDOWN_HOLD]
        return controls.DrawdownOnHold(since=hold.imposed_at.date().isoformat(), reason=hold.imposed_reason)
    if today >= line.term_end_on:
        return CreditLineTermEnded(term_end=line.term_end_on.isoformat())
    return None


def terms(line: CreditLine, language: Language | None = None) -> list[str]:
    """The line's terms in words: how draws work and are repaid, and the fee of each draw."""
    period = CATALOGUE[line.product].repayment.period_days or line.draw_tenor_days
    return [translate(DRAW_TEXT, language, term_end=line.term_end_on.isoformat(), period=period,
                      days=line.draw_tenor_days),
            translate(FEE_TEXT, language, rate=f"{line.origination_fee_rate * 100:.1f} %")]


# Drawing --------------------------------------------------------------------------------------------

def draw(session: Session, context: audit.AuditContext, line_id: uuid.UUID, amount: Decimal,
         idempotency_key: str, *, seller_organisation_id: uuid.UUID | None,
         requested_by_user_id: uuid.UUID | None) -> Drawn:
    """Draw ``amount`` on the line (see the module's text). Raises before storing anything when the
    draw is refused."""
    line = get_line(session, line_id, seller_organisation_id)  # another seller's line: not found
    key = idempotency_key.strip()
    if not key:
        raise DrawIdempotencyKeyMissing(field="Idempotency-Key")
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0:
        raise DrawAmountNotPositive(field="amount")
    digits = minor_units(line.currency)
    if amount != amount.quantize(Decimal(1).scaleb(-digits)):
        raise DrawAmountTooPrecise(field="amount", amount=str(amount), currency=line.currency, digits=digits)
    asked = Money(amount, line.currency).quantized()
    # Draws on one line queue here: each sees what the ones before it drew.
    line = get_line(session, line.id, None, for_update=True)
    earlier = repository.draw_by_key(session, line.id, key)
    if earlier is not None:
        if Money(earlier.amount, earlier.currency).quantized() != asked:
            raise DrawKeyReused(field="Idempotency-Key", amount=str(Money(earlier.amount, earlier.currency)))
        return Drawn(earlier, loans.get_loan(session, earlier.loan_id, None), created=False)
    refusal = refusal_of(session, line)
    if refusal is not None:
        raise refusal
    available = figures(session, line).available
    if asked > available:
        raise DrawExceedsAvailable(field="amount", available=str(available), amount=str(asked))
    draw_id = uuid.uuid4()
    loan = loans.book_draw(session, context, line.offer_id, f"lending:line-draw:{draw_id}", asked,
                           line.draw_tenor_days, booked_by_user_id=requested_by_user_id)
    now = get_clock().now()
    row = CreditLineDraw(
        id=draw_id, line_id=line.id, seller_organisation_id=line.seller_organisation_id, loan_id=loan.id,
        idempotency_key=key, amount=asked.amount, currency=line.currency,
        origination_fee_amount=loan.origination_fee_amount, requested_by_user_id=requested_by_user_id,
        created_at=now)
    repository.add(session, row)
    line.updated_at = now
    session.flush()
    audit.record(session, context, "lending:line:drawn", subject_type="lending_credit_line",
                 subject_id=line.id, organisation_id=line.seller_organisation_id, after={
                     "draw_id": str(row.id), "loan_id": str(loan.id), "amount": str(asked),
                     "origination_fee": str(Money(row.origination_fee_amount, line.currency)),
                     "available_before": str(available), "available_after": str(available - asked),
                     "loan_status": loan.status})
    return Drawn(row, loan, created=True)
