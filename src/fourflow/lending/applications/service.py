"""Financing applications and offers (F2, F3): drafts with autosave, a prefill from the seller's
trade data with a recommended product, submission to the risk engine, the manual-review queue for
referred applications, and offers the seller accepts or declines before they expire.

Submitting is idempotent: the application row is locked (``SELECT … FOR UPDATE``) for the whole
submission, so concurrent submissions queue; the first takes the application out of draft and
stores the decision and the offer; the others then find it submitted and, when they carry the same
Idempotency-Key, get the same answer without a second decision (any other key is refused with
``application_not_draft``).

Every change appends an audit event in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core import events
from fourflow.core.clock import get_clock
from fourflow.core.i18n import N_
from fourflow.core.money import Money, validate_currency
from fourflow.core.pagination import Page, PageRequest
from fourflow.lending import schedules
from fourflow.lending.applications import repository
from fourflow.lending.applications.errors import (
    AmountNotPositive,
    AmountOverLimit,
    ApplicationIncomplete,
    ApplicationNotDraft,
    ApplicationNotFound,
    ApplicationNotInReview,
    CurrencyNotAllowed,
    OfferExpired,
    OfferNotFound,
    OfferNotOpen,
    ProductUnknown,
    ReviewReasonMissing,
    TenorOutOfBounds,
)
from fourflow.lending.applications.models import FinancingApplication, FinancingOffer
from fourflow.lending.products import CATALOGUE, PRODUCTS_VERSION, Product, RepaymentMethod
from fourflow.risk import pricing
from fourflow.risk.models import RiskDecision
from fourflow.risk.service import controls, decisions
from fourflow.tradedata.service import overview

# How long an offer stands: long enough to read a contract, short enough that the decision's data
# is still fresh.
OFFER_VALIDITY = timedelta(days=7)
# Published in the acceptance's transaction; the payload names the offer.
OFFER_ACCEPTED = "lending:offer:accepted"
# Outcomes of a decision that make an offer at once ("observation" lends, and watches the seller).
OFFER_OUTCOMES = frozenset({"approve", "observation"})
PREFILL_MONTHS = 3
# Payouts are steady when each of the last months brought at least this share of their average.
STEADY_PAYOUT_SHARE = Decimal("0.5")
CENT = Decimal("0.01")

DECLINED_ON_REVIEW = N_("A risk officer reviewed the application and declined it.")
RECOMMEND_INVENTORY = N_("You hold stock worth {stock_value} {currency} in warehouses: inventory "
                         "financing lends against it.")
RECOMMEND_RECEIVABLES = N_("Your marketplace payouts arrived steadily in each of the last {months} months "
                           "({payouts} {currency} a month on average): receivables financing advances them.")
RECOMMEND_ORDERS = N_("You have sales ({sales} {currency} a month on average) but no steady payouts or "
                      "stock to lend against yet: order financing pays your suppliers for confirmed orders.")
RECOMMEND_NOTHING = N_("There is no trade data yet to recommend a product; connect a store first.")


@dataclass(frozen=True, slots=True)
class ApplicationFields:
    """What the seller fills in; None leaves a field empty (drafts) or unchanged (edits)."""

    product: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    tenor_days: int | None = None
    purpose: str | None = None
    payee: str | None = None
    # Fields an edit sets to empty on purpose (a None above means "unchanged" for an edit).
    cleared: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Submission:
    application: FinancingApplication
    offer: FinancingOffer | None


@dataclass(frozen=True, slots=True)
class Prefill:
    currency: str
    months: int  # the complete months the averages cover
    average_monthly_sales: Decimal
    average_monthly_payouts: Decimal
    stock_value: Decimal
    recommended_product: str | None
    reason: str  # msgid
    reason_params: dict[str, str]
    suggested_amount: Decimal | None
    suggested_tenor_days: int | None


# ---------------------------------------------------------------- products and prefill


def products() -> list[Product]:
    return list(CATALOGUE.values())


def prefill(session: Session, seller_organisation_id: uuid.UUID) -> Prefill:
    """The seller's last complete months of trade and the product that fits them best, by a rule a
    seller can follow: stock in a warehouse → inventory financing; else payouts every month, none
    below half their average → receivables financing; else any sales → order financing."""
    figures = overview.seller_overview(session, seller_organisation_id, months=PREFILL_MONTHS + 1)
    months = figures.months[:-1] if figures.last_month_open else figures.months[1:]
    count = Decimal(len(months))
    sales = _whole(sum((month.sales for month in months), Decimal(0)) / count)
    payouts = _whole(sum((month.payouts for month in months), Decimal(0)) / count)
    stock_value = sum((warehouse.value for warehouse in figures.stock), Decimal(0))
    currency = figures.currency
    steady = all(month.payouts > 0 and month.payouts >= payouts * STEADY_PAYOUT_SHARE for month in months)
    params = {"currency": currency, "months": str(len(months)), "sales": str(sales), "payouts": str(payouts),
              "stock_value": str(stock_value)}
    if stock_value > 0:
        code, reason, base = "inventory_financing", RECOMMEND_INVENTORY, stock_value
    elif steady:
        code, reason, base = "receivables_financing", RECOMMEND_RECEIVABLES, payouts
    elif sales > 0:
        code, reason, base = "order_financing", RECOMMEND_ORDERS, sales
    else:
        return Prefill(currency, len(months), sales, payouts, stock_value, None, RECOMMEND_NOTHING, params,
                       None, None)
    chosen = CATALOGUE[code]
    return Prefill(currency, len(months), sales, payouts, stock_value, code, reason, params,
                   _whole(base * chosen.advance_rate), chosen.default_tenor_days)


# ---------------------------------------------------------------- drafts


def create(session: Session, context: audit.AuditContext, seller_organisation_id: uuid.UUID,
           fields: ApplicationFields, *, created_by_user_id: uuid.UUID | None) -> FinancingApplication:
    """A draft; the tenor defaults to the product's. Whatever is filled in must already be valid."""
    chosen = _product(fields.product)
    now = get_clock().now()
    application = FinancingApplication(
        id=uuid.uuid4(), seller_organisation_id=seller_organisation_id, products_version=PRODUCTS_VERSION,
        product=chosen.code, amount=fields.amount, currency=fields.currency,
        tenor_days=fields.tenor_days if fields.tenor_days is not None else chosen.default_tenor_days,
        purpose=fields.purpose, payee=fields.payee, status="draft", created_by_user_id=created_by_user_id,
        created_at=now, updated_at=now)
    _check(application)
    repository.add(session, application)
    audit.record(session, context, "lending:application:created", subject_type="lending_application",
                 subject_id=application.id, organisation_id=seller_organisation_id, after=_terms(application))
    return application


EDITABLE = ("product", "amount", "currency", "tenor_days", "purpose", "payee")


def update(session: Session, context: audit.AuditContext, application_id: uuid.UUID,
           seller_organisation_id: uuid.UUID | None, fields: ApplicationFields) -> FinancingApplication:
    """Autosave: the fields given replace the draft's; the result must be valid as a draft."""
    application = _application(session, application_id, seller_organisation_id, for_update=True)
    if application.status != "draft":
        raise ApplicationNotDraft()
    before = _terms(application)
    for name in EDITABLE:
        value = getattr(fields, name)
        if value is not None:
            setattr(application, name, value)
        elif name in fields.cleared:
            setattr(application, name, None)
    _check(application)
    after = _terms(application)
    if after != before:
        application.updated_at = get_clock().now()
        session.flush()
        changed = [name for name in EDITABLE if before[name] != after[name]]
        audit.record(session, context, "lending:application:updated", subject_type="lending_application",
                     subject_id=application.id, organisation_id=application.seller_organisation_id,
                     before={name: before[name] for name in changed},
                     after={name: after[name] for name in changed})
    return application


# ---------------------------------------------------------------- submission


def submit(session: Session, context: audit.AuditContext, application_id: uuid.UUID,
           seller_organisation_id: uuid.UUID | None, *, idempotency_key: str | None,
           requested_by_user_id: uuid.UUID | None) -> Submission:
    application = _application(session, application_id, seller_organisation_id, for_update=True)
    if application.status != "draft":
        if idempotency_key is not None and idempotency_key == application.submission_key:
            return Submission(application, repository.offer_of_application(session, application.id))
        raise ApplicationNotDraft()
    # A drawdown hold a risk officer confirmed (F22) refuses new requests for money until released.
    controls.ensure_drawdowns_allowed(session, application.seller_organisation_id)
    _check(application)
    missing = [name for name in ("amount", "currency", "tenor_days") if getattr(application, name) is None]
    if missing:
        raise ApplicationIncomplete(field=missing[0], fields=", ".join(missing))
    assert application.amount is not None  # checked just above
    assert application.currency is not None
    decision = decisions.decide(session, context, decisions.DecisionRequest(
        application.seller_organisation_id, application.product,
        Money(application.amount, application.currency), application.payee),
        requested_by_user_id=requested_by_user_id)
    now = get_clock().now()
    application.decision_id = decision.id
    application.submission_key = idempotency_key
    application.submitted_at = now
    application.updated_at = now
    offer = None
    if decision.outcome in OFFER_OUTCOMES:
        application.status = "offered"
        offer = _make_offer(session, context, application, decision, Money(application.amount,
                                                                           application.currency))
    elif decision.outcome == "refer":
        application.status = "in_review"
    else:
        application.status = "declined"
        application.decline_reasons = [
            {"code": reason["code"], "message": reason["message"], "params": reason["params"]}
            for reason in decision.reasons if reason["audience"] == "seller"]
    session.flush()
    audit.record(session, context, "lending:application:submitted", subject_type="lending_application",
                 subject_id=application.id, organisation_id=application.seller_organisation_id,
                 before={"status": "draft"},
                 after={"status": application.status, "decision_id": str(decision.id),
                        "outcome": decision.outcome, **_terms(application)})
    return Submission(application, offer)


# ---------------------------------------------------------------- manual review


def review_queue(session: Session, request: PageRequest) -> Page[FinancingApplication]:
    return repository.applications(session, None, "in_review", request)


def approve_on_review(session: Session, context: audit.AuditContext, application_id: uuid.UUID, *,
                      reason: str, amount: Decimal | None,
                      reviewed_by_user_id: uuid.UUID | None) -> Submission:
    """A risk officer lends after all, at most the decision's per-transaction limit (the amount may
    be lowered to fit it), at the decision's rate."""
    application = _in_review(session, application_id, reason)
    # A submitted application has them:
    assert application.amount is not None
    assert application.currency is not None
    assert application.decision_id is not None
    decision = decisions.get(session, application.decision_id)
    lent = Money(application.amount if amount is None else amount, application.currency)
    if lent.amount <= 0:
        raise AmountNotPositive(field="amount")
    limit = _decision_limit(decision)
    if limit is not None and lent.amount > limit:
        raise AmountOverLimit(field="amount", limit=str(Money(limit, application.currency)))
    _review(application, reason, reviewed_by_user_id, "offered")
    offer = _make_offer(session, context, application, decision, lent.quantized())
    audit.record(session, context, "lending:application:approved_on_review",
                 subject_type="lending_application", subject_id=application.id,
                 organisation_id=application.seller_organisation_id, before={"status": "in_review"},
                 after={"status": "offered", "reason": reason, "amount": str(lent.quantized()),
                        "offer_id": str(offer.id)})
    return Submission(application, offer)


def decline_on_review(session: Session, context: audit.AuditContext, application_id: uuid.UUID, *,
                      reason: str, reviewed_by_user_id: uuid.UUID | None) -> FinancingApplication:
    """The officer's reason stays with the platform; the seller reads that a review declined it."""
    application = _in_review(session, application_id, reason)
    _review(application, reason, reviewed_by_user_id, "declined")
    application.decline_reasons = [{"code": "declined_on_review", "message": DECLINED_ON_REVIEW,
                                    "params": {}}]
    session.flush()
    audit.record(session, context, "lending:application:declined_on_review",
                 subject_type="lending_application", subject_id=application.id,
                 organisation_id=application.seller_organisation_id, before={"status": "in_review"},
                 after={"status": "declined", "reason": reason})
    return application


# ---------------------------------------------------------------- offers


def accept_offer(session: Session, context: audit.AuditContext, offer_id: uuid.UUID,
                 seller_organisation_id: uuid.UUID | None, *,
                 accepted_by_user_id: uuid.UUID | None) -> FinancingOffer:
    return _respond(session, context, offer_id, seller_organisation_id, "accepted", accepted_by_user_id)


def decline_offer(session: Session, context: audit.AuditContext, offer_id: uuid.UUID,
                  seller_organisation_id: uuid.UUID | None, *,
                  declined_by_user_id: uuid.UUID | None) -> FinancingOffer:
    return _respond(session, context, offer_id, seller_organisation_id, "declined", declined_by_user_id)


def offer_status(offer: FinancingOffer) -> str:
    """open, accepted, declined, or expired (an open offer past its time)."""
    if offer.status == "open" and get_clock().now() >= offer.expires_at:
        return "expired"
    return offer.status


# ---------------------------------------------------------------- reads


def get_application(session: Session, application_id: uuid.UUID,
                    seller_organisation_id: uuid.UUID | None) -> FinancingApplication:
    return _application(session, application_id, seller_organisation_id)


def list_applications(session: Session, seller_organisation_id: uuid.UUID | None, status: str | None,
                      request: PageRequest) -> Page[FinancingApplication]:
    return repository.applications(session, seller_organisation_id, status, request)


def offer_of_application(session: Session, application: FinancingApplication) -> FinancingOffer | None:
    return repository.offer_of_application(session, application.id)


def get_offer(session: Session, offer_id: uuid.UUID,
              seller_organisation_id: uuid.UUID | None) -> FinancingOffer:
    offer = repository.offer(session, offer_id, seller_organisation_id)
    if offer is None:
        raise OfferNotFound()
    return offer


def list_offers(session: Session, seller_organisation_id: uuid.UUID | None,
                request: PageRequest) -> Page[FinancingOffer]:
    return repository.offers(session, seller_organisation_id, request)


def credit_limit(session: Session, seller_organisation_id: uuid.UUID) -> Money | None:
    """What one drawing may be by the seller's newest credit decision (None before the first): an
    application over it is referred to a risk officer, so the form says so as the seller types."""
    decision = decisions.latest_of_seller(session, seller_organisation_id)
    if decision is None:
        return None
    limit = _decision_limit(decision)
    return None if limit is None else Money(limit, decision.currency).quantized()


def review_limit(decision: RiskDecision) -> Money | None:
    """The most a risk officer may lend on the decision: one drawing's limit."""
    limit = _decision_limit(decision)
    return None if limit is None else Money(limit, decision.currency).quantized()


def decision_of(session: Session, application: FinancingApplication) -> RiskDecision | None:
    """The credit decision a submitted application got (None for a draft)."""
    return None if application.decision_id is None else decisions.get(session, application.decision_id)


# ---------------------------------------------------------------- helpers


def offer_schedule(chosen: Product, principal: Money, annual_rate: Decimal, start_on: date,
                   tenor_days: int) -> schedules.Schedule:
    """The planned repayments of ``principal`` lent on ``start_on`` for ``tenor_days`` (fees are netted
    from the proceeds, so no instalment carries any)."""
    repayment = chosen.repayment
    if repayment.method is RepaymentMethod.BULLET:
        return schedules.bullet(principal, annual_rate, start_on, start_on + timedelta(days=tenor_days))
    assert repayment.period_days is not None  # every method but the bullet has one
    if repayment.method is RepaymentMethod.PAYOUT_SWEEP:
        assert repayment.remittance_rate is not None
        return schedules.payout_sweep(principal, annual_rate, start_on, schedules.SweepTerms(
            repayment.remittance_rate, repayment.period_days, tenor_days))
    period = repayment.period_days
    count = -(-tenor_days // period)
    due_dates = [start_on + timedelta(days=min(number * period, tenor_days))
                 for number in range(1, count + 1)]
    return schedules.equal_principal(principal, annual_rate, start_on, due_dates)


def origination_fee(chosen: Product, principal: Money) -> Money:
    return Money(principal.amount * chosen.origination_fee_rate, principal.currency).quantized()


def _make_offer(session: Session, context: audit.AuditContext, application: FinancingApplication,
                decision: RiskDecision, principal: Money) -> FinancingOffer:
    assert application.tenor_days is not None
    assert decision.annual_rate is not None  # a decision is priced unless declined
    chosen = CATALOGUE[application.product]
    now = get_clock().now()
    principal = principal.quantized()
    rate = Decimal(decision.annual_rate)
    schedule = offer_schedule(chosen, principal, rate, now.date(), application.tenor_days)
    fee = origination_fee(chosen, principal)
    apr = pricing.annual_percentage_rate(
        [pricing.CashFlow(now.date(), principal - fee)],
        [pricing.CashFlow(instalment.due_on, instalment.total) for instalment in schedule.instalments])
    offer = FinancingOffer(
        id=uuid.uuid4(), application_id=application.id,
        seller_organisation_id=application.seller_organisation_id, decision_id=decision.id,
        products_version=PRODUCTS_VERSION, product=chosen.code, amount=principal.amount,
        currency=principal.currency, tenor_days=application.tenor_days, annual_rate=rate,
        annual_percentage_rate=apr, origination_fee=fee.amount,
        repayment_method=chosen.repayment.method.value,
        schedule=schedule.to_dict(), status="open", expires_at=now + OFFER_VALIDITY, created_at=now)
    repository.add(session, offer)
    audit.record(session, context, "lending:offer:made", subject_type="lending_offer", subject_id=offer.id,
                 organisation_id=offer.seller_organisation_id, after={
                     "application_id": str(application.id), "decision_id": str(decision.id),
                     "amount": str(principal), "annual_rate": str(rate), "annual_percentage_rate": str(apr),
                     "origination_fee": str(fee), "tenor_days": offer.tenor_days,
                     "expires_at": offer.expires_at.isoformat()})
    return offer


def _respond(session: Session, context: audit.AuditContext, offer_id: uuid.UUID,
             seller_organisation_id: uuid.UUID | None, status: str,
             user_id: uuid.UUID | None) -> FinancingOffer:
    offer = repository.offer(session, offer_id, seller_organisation_id, for_update=True)
    if offer is None:
        raise OfferNotFound()
    if offer.status != "open":
        raise OfferNotOpen(status=offer.status)
    if offer_status(offer) == "expired":
        raise OfferExpired(expires_at=offer.expires_at.isoformat(timespec="minutes"))
    offer.status = status
    offer.responded_at = get_clock().now()
    offer.responded_by_user_id = user_id
    session.flush()
    audit.record(session, context, f"lending:offer:{status}", subject_type="lending_offer",
                 subject_id=offer.id, organisation_id=offer.seller_organisation_id, before={"status": "open"},
                 after={"status": status, "amount": str(offer.amount), "currency": offer.currency})
    if status == "accepted":  # e.g. a revolving product's offer opens its credit line (``lending.lines``)
        events.publish(session, events.DomainEvent(OFFER_ACCEPTED, {"offer_id": str(offer.id)},
                                                   context.request_id))
    return offer


def _application(session: Session, application_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
                 for_update: bool = False) -> FinancingApplication:
    application = repository.application(session, application_id, seller_organisation_id,
                                         for_update=for_update)
    if application is None:
        raise ApplicationNotFound()
    return application


def _in_review(session: Session, application_id: uuid.UUID, reason: str) -> FinancingApplication:
    application = _application(session, application_id, None, for_update=True)
    if application.status != "in_review":
        raise ApplicationNotInReview()
    if not reason.strip():
        raise ReviewReasonMissing(field="reason")
    return application


def _review(application: FinancingApplication, reason: str, user_id: uuid.UUID | None, status: str) -> None:
    now = get_clock().now()
    application.status = status
    application.review_reason = reason.strip()
    application.reviewed_by_user_id = user_id
    application.reviewed_at = now
    application.updated_at = now


def _decision_limit(decision: RiskDecision) -> Decimal | None:
    """What one drawing may be: the decision's per-transaction limit, else its cumulative one."""
    limit: dict[str, Any] = decision.outputs.get("limit") or {}
    per_transaction = limit.get("per_transaction_limit")
    if isinstance(per_transaction, dict) and per_transaction.get("amount") is not None:
        return Decimal(str(per_transaction["amount"]))
    return None if decision.limit_amount is None else Decimal(decision.limit_amount)


def _product(code: str | None) -> Product:
    chosen = CATALOGUE.get(code or "")
    if chosen is None:
        raise ProductUnknown(field="product", product=code or "", products=", ".join(CATALOGUE))
    return chosen


def _check(application: FinancingApplication) -> None:
    """The draft's filled-in fields, each against the product's terms."""
    chosen = _product(application.product)
    if application.amount is not None and application.amount <= 0:
        raise AmountNotPositive(field="amount")
    if application.currency is not None:
        validate_currency(application.currency)
        if application.currency not in chosen.currencies:
            raise CurrencyNotAllowed(field="currency", product=chosen.code, currency=application.currency,
                                     currencies=", ".join(chosen.currencies))
    if application.tenor_days is not None and not (
            chosen.minimum_tenor_days <= application.tenor_days <= chosen.maximum_tenor_days):
        raise TenorOutOfBounds(field="tenor_days", product=chosen.code, minimum=chosen.minimum_tenor_days,
                               maximum=chosen.maximum_tenor_days)


def _terms(application: FinancingApplication) -> dict[str, Any]:
    return {"product": application.product,
            "amount": None if application.amount is None else str(application.amount.quantize(CENT)),
            "currency": application.currency, "tenor_days": application.tenor_days,
            "purpose": application.purpose, "payee": application.payee}


def _whole(amount: Decimal) -> Decimal:
    """Rounded down to whole currency units: a suggestion is never more than the figures support."""
    return amount.quantize(Decimal(1), rounding=ROUND_DOWN)
