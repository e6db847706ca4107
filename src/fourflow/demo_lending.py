"""Loans in the demo world (``make run``, ``fourflow demo-data``): the base demo sellers borrow through
the real services — application, the risk engine's decision (a risk officer approving what it
refers), offer, booking, disbursement, marketplace payouts, the night's accrual, the collections run
and post-loan monitoring — on the injectable clock set to the days it happened, so every lending page
has something to show:

* Lumen: an order-financing loan repaid and closed, and a receivables loan repaying from payouts;
* Silkroad: an order-financing loan 45 days past due, in collections, with a monitoring alert for
  a risk officer to decide;
* Bright Toys: a loan awaiting disbursement (Operations) and an application in the Review queue;
* the seller of the receivables loan is enrolled in the daily advance: advances on the sales of the
  ten days before its newest Shopify payout, netted when that payout was applied, and on the last two days of
  its trade data, still awaiting their payout.
* Lumen again: a revolving credit line opened nine days ago, signed, with two draws (each a loan
  repaying in equal instalments) and the rest of the limit available.

Deterministic (fixed amounts, days counted back from today, fixed keys) and idempotent: a scenario
submitted before is skipped, so running it again adds nothing. It runs after the
simulated world and the risk engine are prepared (the decisions need the sellers' trade data and a
credit model), never in ``load_demo_data``: the tests' demo world keeps its balances.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from fourflow import demo_seller_actions as seller_actions
from fourflow.audit.service import AuditContext
from fourflow.core.clock import FrozenClock, get_clock, set_clock
from fourflow.core.pagination import PageRequest
from fourflow.core.settings import get_settings
from fourflow.identity import service as identity
from fourflow.lending.applications import service as applications
from fourflow.lending.collections import service as collections
from fourflow.lending.contracts.service import pki
from fourflow.lending.lines import service as lines
from fourflow.lending.loans import service as loans
from fourflow.lending.loans.models import Loan
from fourflow.risk.service import models
from fourflow.tradedata.service import insight_inputs, receivables

CONTEXT = AuditContext.system()
BASE_SELLERS = ("lumen-electronics", "silkroad-home", "bright-toys")
APPROVED_SUPPLIER = "Dongguan Precision Moulds Ltd."
DEMO_WAREHOUSE = "DE-FRA-01"
REVIEW_REASON = "Demo: supplier checked against the purchase order"


@dataclass(frozen=True, slots=True)
class Payout:
    days_ago: int
    amount: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class DemoLoan:
    key: str  # the booking's idempotency key: a booked key is not loaded again
    seller: str
    product: str
    amount: Decimal
    tenor_days: int
    days_ago: int  # applied for, booked and (unless awaiting) disbursed that many days ago
    disburse: bool = True
    payouts: tuple[Payout, ...] = ()


DEMO_LOANS = (
    DemoLoan("demo:loan:lumen:closed", "lumen-electronics", "order_financing", Decimal("8000.00"), 30, 150,
             payouts=(Payout(125, Decimal("12500.00"), "DEMO-AMZ-0601"),)),
    DemoLoan("demo:loan:lumen:repaying", "lumen-electronics", "receivables_financing", Decimal("10000.00"),
             90, 40, payouts=(Payout(30, Decimal("6400.00"), "DEMO-AMZ-0801"),
                              Payout(10, Decimal("5800.00"), "DEMO-AMZ-0815"))),
    DemoLoan("demo:loan:silkroad:overdue", "silkroad-home", "order_financing", Decimal("6000.00"), 30, 75),
    DemoLoan("demo:loan:bright-toys:awaiting", "bright-toys", "receivables_financing", Decimal("3000.00"),
             60, 0, disburse=False),
)
# The daily advance's facility: the receivables loan of the demo.
DEMO_ADVANCE_FACILITY = "demo:loan:lumen:repaying"


@dataclass(frozen=True, slots=True)
class DemoLine:
    key: str  # the application's submission key: a submitted key is not loaded again
    seller: str
    limit: Decimal
    tenor_days: int
    days_ago: int  # applied for, accepted (the line opens) and signed that many days ago
    draws: tuple[tuple[int, Decimal], ...]  # (days ago, amount), after the line's last payout


DEMO_LINE = DemoLine("demo:line:lumen", "lumen-electronics", Decimal("15000.00"), 180, 9,
                     ((8, Decimal("5000.00")), (3, Decimal("2500.00"))))
# Left for a risk officer in the Review queue (order financing to a supplier is referred).
DEMO_REFERRAL = ("bright-toys", "order_financing", Decimal("5000.00"), "demo:application:bright-toys:review")


@contextmanager
def _on(day: date) -> Iterator[None]:
    """The services see noon UTC of ``day`` as now."""
    previous = set_clock(FrozenClock(datetime.combine(day, time(12), UTC)))
    try:
        yield
    finally:
        set_clock(previous)


def _seller(session: Session, slug: str) -> uuid.UUID:
    organisation = identity.organisation_by_slug(session, slug)
    assert organisation is not None, f"the demo seller {slug} is missing"
    return organisation.id


def _offer(session: Session, seller: uuid.UUID, product: str, amount: Decimal, tenor_days: int,
           key: str) -> uuid.UUID | None:
    """Applied for and decided; an offer at once, or after a risk officer's review; None if declined."""
    draft = applications.create(session, CONTEXT, seller, applications.ApplicationFields(
        product=product, amount=amount, currency="USD", tenor_days=tenor_days,
        payee=APPROVED_SUPPLIER if product == "order_financing" else None,
        purpose="Restock before the peak season"), created_by_user_id=None)
    submitted = applications.submit(session, CONTEXT, draft.id, seller, idempotency_key=key,
                                    requested_by_user_id=None)
    if submitted.application.status == "in_review":
        decision = applications.decision_of(session, submitted.application)
        limit = None if decision is None else applications.review_limit(decision)
        lent = amount if limit is None else min(amount, limit.amount)
        submitted = applications.approve_on_review(session, CONTEXT, draft.id, reason=REVIEW_REASON,
                                                   amount=lent, reviewed_by_user_id=None)
    if submitted.offer is None:
        return None
    applications.accept_offer(session, CONTEXT, submitted.offer.id, seller, accepted_by_user_id=None)
    return submitted.offer.id


def disburse_demo_loan(session: Session, loan: Loan, secret: str) -> None:
    """The seller signs and, for order financing, the goods arrive: the events disburse the loan."""
    seller_actions.meet_conditions(session, loan, secret=secret)


def _shipment(spec: DemoLoan) -> loans.FinancedShipment:
    """The financed goods' shipment (an SF Express number) bound for the seller's Frankfurt warehouse."""
    tracking_number = "SF" + hashlib.sha256(spec.key.encode()).hexdigest()[:12].upper()
    return loans.FinancedShipment(tracking_number, DEMO_WAREHOUSE)


def load_demo_loans(session: Session) -> dict[str, int]:
    """The demo loans not loaded yet; returns what was created. A scenario goes to its seller, or, if
    the risk engine declines that seller in this world, to the next base seller that it lends to."""
    today = get_clock().now().date()
    created = {"demo_loans": 0, "demo_payouts": 0, "demo_collection_actions": 0, "demo_alerts": 0,
               "demo_referrals": 0, "demo_lines": 0, "demo_draws": 0}
    if models.active_model(session) is None:
        return created  # a world too small to train a credit model on: no decisions, no loans
    submitted = _submission_keys(session)
    secret = get_settings().security.secret_key.get_secret_value()
    # The platform's signing keys as they were when the first demo contract was signed (a key made
    # today could not have signed then); the demo's make them first, so they exist from then on.
    with _on(today - timedelta(days=max(spec.days_ago for spec in DEMO_LOANS) + 1)):
        pki.ensure_platform_pki(session, secret=secret)
    for spec in DEMO_LOANS:
        if any(key.startswith(spec.key) for key in submitted):
            continue  # loaded before (or declined everywhere before): nothing to add
        start = today - timedelta(days=spec.days_ago)
        for slug in (spec.seller, *(other for other in BASE_SELLERS if other != spec.seller)):
            seller = _seller(session, slug)
            with _on(start):
                offer_id = _offer(session, seller, spec.product, spec.amount, spec.tenor_days,
                                  f"{spec.key}@{slug}")
                if offer_id is None:
                    continue  # declined in this world: the next seller
                waits_for_goods = spec.product == "order_financing"
                loan = loans.book_loan(session, CONTEXT, offer_id, spec.key,
                                       shipment=_shipment(spec) if waits_for_goods else None)
                if spec.disburse:
                    disburse_demo_loan(session, loan, secret)
            created["demo_loans"] += 1
            for payout in spec.payouts:
                with _on(today - timedelta(days=payout.days_ago)):
                    loans.apply_payout(session, CONTEXT, seller, payout.amount, "USD", payout.reference)
                created["demo_payouts"] += 1
            break
    created["demo_advances"] = _daily_advances(session, today)
    if not any(key.startswith(DEMO_LINE.key) for key in submitted):
        created["demo_lines"], created["demo_draws"] = _credit_line(session, today, secret)
    # The night's jobs, as they would have run: accrual through yesterday, then collections and
    # monitoring of today (both once per loan and day, so a second load adds nothing).
    yesterday = today - timedelta(days=1)
    for loan_id in loans.active_loan_ids(session):
        loans.accrue_interest(session, CONTEXT, loan_id, yesterday)
        created["demo_collection_actions"] += len(collections.collect_loan(session, CONTEXT, loan_id, today))
        created["demo_alerts"] += collections.monitor_loan(session, CONTEXT, loan_id, today) is not None
    if not any(key.startswith(DEMO_REFERRAL[3]) for key in submitted):
        created["demo_referrals"] += _referral(session)
    return created


def _credit_line(session: Session, today: date, secret: str) -> tuple[int, int]:
    """The demo credit line: applied for, accepted (the acceptance opens the line), signed, and drawn
    on; to the next base seller when the risk engine declines the first. (Lines opened, draws made.)"""
    spec = DEMO_LINE
    for slug in (spec.seller, *(other for other in BASE_SELLERS if other != spec.seller)):
        seller = _seller(session, slug)
        with _on(today - timedelta(days=spec.days_ago)):
            offer_id = _offer(session, seller, "revolving_credit_line", spec.limit, spec.tenor_days,
                              f"{spec.key}@{slug}")
            if offer_id is None:
                continue
            seller_actions.sign_as_seller(session, offer_id, secret=secret)
        line = lines.line_of_offer(session, offer_id)
        assert line is not None  # the acceptance opened it
        drawn = 0
        for number, (days_ago, amount) in enumerate(spec.draws, start=1):
            # A risk officer may have lent less than asked: a draw takes at most what is available.
            available = lines.figures(session, line).available.amount
            if available <= 0:
                break
            with _on(today - timedelta(days=days_ago)):
                lines.draw(session, CONTEXT, line.id, min(amount, available), f"{spec.key}:draw:{number}",
                           seller_organisation_id=seller, requested_by_user_id=None)
            drawn += 1
        return 1, drawn
    return 0, 0


def _submission_keys(session: Session) -> set[str]:
    keys = set()
    for slug in BASE_SELLERS:
        listed = applications.list_applications(session, _seller(session, slug), None,
                                                PageRequest(page=1, page_size=100)).items
        keys |= {application.submission_key for application in listed if application.submission_key}
    return keys


def _referral(session: Session) -> int:
    """An application left for a risk officer: order financing to a supplier is referred (the payee is
    checked by a person); a seller the engine declines outright is passed over for the next."""
    first, product, amount, key = DEMO_REFERRAL
    for slug in (first, *(other for other in BASE_SELLERS if other != first)):
        seller = _seller(session, slug)
        draft = applications.create(session, CONTEXT, seller, applications.ApplicationFields(
            product=product, amount=amount, currency="USD", payee=APPROVED_SUPPLIER,
            purpose="Moulds for the new product line"), created_by_user_id=None)
        submitted = applications.submit(session, CONTEXT, draft.id, seller, idempotency_key=f"{key}@{slug}",
                                        requested_by_user_id=None)
        if submitted.application.status == "in_review":
            return 1
    return 0


def _daily_advances(session: Session, today: date) -> int:
    """The receivables loan's seller enrolled (on its disbursement day), the mornings' advances as the
    job would have made them, and the Shopify payout that paid the first days' orders applied on its
    deposit day; returns the advances made now (none when loaded before)."""
    facility = next((loan for loan in loans.list_loans(session, None, "active",
                                                       PageRequest(page=1, page_size=100)).items
                     if loan.booking_key == DEMO_ADVANCE_FACILITY), None)
    if facility is None or facility.disbursed_at is None:
        return 0
    seller = facility.seller_organisation_id
    if loans.enrolment_of(session, seller) is None:
        if loans.list_advances(session, seller, PageRequest(page=1, page_size=1)).total:
            return 0  # enrolled once and left: nothing to add
        with _on(facility.disbursed_at.date()):
            loans.enrol(session, CONTEXT, seller, loan_id=facility.id)
    paid = receivables.latest_deposited_settlement(
        session, seller, "shopify", facility.currency, facility.disbursed_at + timedelta(days=9),
        datetime.combine(today, time(0), UTC))
    days: list[date] = []
    if paid is not None:  # the sales of the ten days before it (a day without shipped orders has none)
        days += [paid.deposit_date.date() - timedelta(days=back) for back in range(12, 1, -1)]
    last = insight_inputs.latest_trade_day(session, seller)
    if last is not None and last < today:
        days += [day for day in (last - timedelta(days=1), last) if day not in days]
    made = 0
    for day in sorted(days):
        morning = day + timedelta(days=1)
        if paid is not None and paid.deposit_date.date() < morning:  # the payout came first
            _apply(session, seller, paid)
            paid = None
        with _on(morning):
            made += loans.advance_day(session, CONTEXT, seller, day).created
    if paid is not None:
        _apply(session, seller, paid)
    return made


def _apply(session: Session, seller: uuid.UUID, paid: receivables.SettlementRow) -> None:
    """The marketplace's payout on its deposit day under its settlement id, of what the advances on
    its orders owe: the demo's other loans of the seller keep their state (the overdue one stays in
    collections). A second load finds it applied."""
    named = receivables.orders_in_settlement(session, seller, paid.settlement_id)
    advances = loans.list_advances(session, seller, PageRequest(page=1, page_size=100)).items
    orders = loans.orders_of(session, advances)
    owed = sum((advance.principal_amount + advance.fee_amount - advance.principal_repaid_amount
                - advance.fee_repaid_amount for advance in advances
                if any(order.order_id in named for order in orders[advance.id])), Decimal(0))
    if owed <= 0:
        return
    with _on(paid.deposit_date.date()):
        loans.apply_payout(session, CONTEXT, seller, owed.quantize(Decimal("0.01")), paid.currency,
                           paid.settlement_id)
