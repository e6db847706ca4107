"""Dynamic credit limits (F14): how much a seller may draw per transaction and in total, per product.

The cumulative limit starts from what the seller sells in a month and moves with what we know:

    cumulative = monthly sales × product multiple × grade multiplier × repayment-history factor
                 × delinquency factor × proven-seller factor      (then capped, rounded down)
    per transaction = cumulative × the product's per-transaction share        (rounded down)

* grade: A 1.50, B 1.25, C 1.00, D 0.50, E 0 (E is not lent to);
* repayment history: +5 % per loan repaid on time (at most +25 %) and +5 % per month of sales
  repaid on time in total (at most +25 %), so at most ×1.50: the limit grows as trust is earned;
* delinquency, from the worst days past due in the last 12 months: 0 → ×1, 1-7 → ×0.90 (a
  payment run late), 8-30 → ×0.60, 31-60 → ×0.30, more than 60 → ×0: it never grows with lateness;
* proven sellers (a whitelist kept by credit officers) get ×1.20 and, when not late and graded
  A-C, the fast path (automatic approval within the limit).

Limits are rounded down to whole currency units: a limit is a promise, never rounded up.
Use of funds: for products that finance a purchase (order and inventory financing) the money goes
only to the seller's approved suppliers, never to the seller.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal
from typing import Any, Literal

from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_, Language, translate
from fourflow.core.money import Money

LIMITS_VERSION = "limits@v1"

Grade = Literal["A", "B", "C", "D", "E"]
GRADE_MULTIPLIERS: dict[str, Decimal] = {
    "A": Decimal("1.50"), "B": Decimal("1.25"), "C": Decimal("1.00"), "D": Decimal("0.50"), "E": Decimal(0)}
FAST_PATH_GRADES = frozenset({"A", "B", "C"})

HISTORY_BONUS_PER_LOAN = Decimal("0.05")
HISTORY_BONUS_LOANS_CAP = Decimal("0.25")
HISTORY_BONUS_PER_MONTH_OF_SALES = Decimal("0.05")
HISTORY_BONUS_AMOUNT_CAP = Decimal("0.25")
PROVEN_SELLER_FACTOR = Decimal("1.20")
# (highest days past due in the band, factor); beyond the last band the factor is 0.
DELINQUENCY_BANDS: tuple[tuple[int, Decimal], ...] = (
    (0, Decimal("1.00")), (7, Decimal("0.90")), (30, Decimal("0.60")), (60, Decimal("0.30")))


@dataclass(frozen=True, slots=True)
class ProductLimitTerms:
    sales_multiple: Decimal  # cumulative limit in months of sales at grade C, before history
    per_transaction_share: Decimal  # of the cumulative limit
    use_of_funds_restricted: bool  # pays approved suppliers only


PRODUCT_LIMIT_TERMS: dict[str, ProductLimitTerms] = {
    "order_financing": ProductLimitTerms(Decimal("1.00"), Decimal("0.50"), True),
    "receivables_financing": ProductLimitTerms(Decimal("1.50"), Decimal("0.50"), False),
    "inventory_financing": ProductLimitTerms(Decimal("1.00"), Decimal("0.40"), True),
    "revolving_credit_line": ProductLimitTerms(Decimal("0.75"), Decimal("1.00"), False),
}


class LimitInputInvalid(ValidationFailed):
    code = "limit_input_invalid"
    message = N_("The limit inputs are not valid.")


PRODUCT_UNKNOWN = N_("{product} is not a product with a limit policy.")
GRADE_UNKNOWN = N_("{grade} is not a risk grade (A to E).")
NEGATIVE_INPUT = N_("{name} cannot be negative.")
CURRENCY_DIFFERS = N_("{name} is in {currency}, but the limit is kept in {limit_currency}.")
REQUEST_NOT_POSITIVE = N_("The requested amount must be greater than zero.")

# Why a limit is what it is (stable codes, msgids shown to sellers and officers).
NO_SALES = N_("There are no monthly sales to lend against.")
GRADE_NOT_LENT_TO = N_("Grade {grade} is not lent to.")
GRADE_MULTIPLIER = N_("Grade {grade} sets the limit at {percent} % of the base.")
REPAYMENT_HISTORY_BONUS = N_("On-time repayments raise the limit by {percent} %.")
DELINQUENCY_REDUCTION = N_(
    "Payments up to {days} days late in the last 12 months cut the limit to {percent} %.")
SEVERE_DELINQUENCY = N_("Payments more than 60 days late in the last 12 months stop new lending.")
PROVEN_SELLER = N_("As a proven seller, the limit is raised by {percent} %.")
EXPOSURE_CAP = N_("The limit is capped at {cap}.")

# Why a request does not fit the limit.
PER_TRANSACTION_EXCEEDED = N_("The amount {requested} is above the per-transaction limit of {limit}.")
CUMULATIVE_EXCEEDED = N_(
    "With {outstanding} outstanding, {requested} more is above the total limit of {limit}.")
PAYEE_NOT_ALLOWED = N_("{payee} is not an approved supplier: this financing pays approved suppliers only.")


@dataclass(frozen=True, slots=True)
class LimitInputs:
    product: str
    monthly_sales: Money  # average over the trailing months, in the seller's currency
    grade: str  # A … E
    on_time_repaid_loans: int = 0
    on_time_repaid_amount: Money | None = None  # principal repaid on time, all time
    days_past_due: int = 0  # worst days past due in the last 12 months, today included
    proven_seller: bool = False  # on the credit officers' whitelist
    exposure_cap: Money | None = None  # the most we lend this seller in total, whatever the formula says


@dataclass(frozen=True, slots=True)
class LimitReason:
    code: str
    message: str  # msgid
    params: dict[str, str] = field(default_factory=dict)

    def describe(self, language: Language | None = None) -> str:
        return translate(self.message, language, **self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": self.params}


@dataclass(frozen=True, slots=True)
class LimitFactors:
    sales_multiple: Decimal
    grade_multiplier: Decimal
    history_factor: Decimal
    delinquency_factor: Decimal
    proven_seller_factor: Decimal
    per_transaction_share: Decimal

    def to_dict(self) -> dict[str, str]:
        return {"sales_multiple": str(self.sales_multiple), "grade_multiplier": str(self.grade_multiplier),
                "history_factor": str(self.history_factor),
                "delinquency_factor": str(self.delinquency_factor),
                "proven_seller_factor": str(self.proven_seller_factor),
                "per_transaction_share": str(self.per_transaction_share)}


@dataclass(frozen=True, slots=True)
class LimitDecision:
    version: str
    product: str
    per_transaction_limit: Money
    cumulative_limit: Money
    fast_path: bool
    use_of_funds_restricted: bool
    factors: LimitFactors
    reasons: tuple[LimitReason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "product": self.product,
                "per_transaction_limit": _money(self.per_transaction_limit),
                "cumulative_limit": _money(self.cumulative_limit), "fast_path": self.fast_path,
                "use_of_funds_restricted": self.use_of_funds_restricted, "factors": self.factors.to_dict(),
                "reasons": [reason.to_dict() for reason in self.reasons]}


@dataclass(frozen=True, slots=True)
class LimitBreach:
    code: str  # per_transaction_limit_exceeded, cumulative_limit_exceeded, payee_not_allowed
    message: str  # msgid
    params: dict[str, str]
    limit: Money | None = None
    excess: Money | None = None  # how much smaller the request must be to fit

    def describe(self, language: Language | None = None) -> str:
        return translate(self.message, language, **self.params)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": self.params,
                "limit": _money(self.limit) if self.limit else None,
                "excess": _money(self.excess) if self.excess else None}


def compute_limit(inputs: LimitInputs) -> LimitDecision:
    terms = PRODUCT_LIMIT_TERMS.get(inputs.product)
    if terms is None:
        raise LimitInputInvalid(PRODUCT_UNKNOWN, field="product", product=inputs.product)
    if inputs.grade not in GRADE_MULTIPLIERS:
        raise LimitInputInvalid(GRADE_UNKNOWN, field="grade", grade=inputs.grade)
    _check(inputs)
    currency = inputs.monthly_sales.currency
    reasons: list[LimitReason] = []

    grade_multiplier = GRADE_MULTIPLIERS[inputs.grade]
    reasons.append(LimitReason("grade_not_lent_to", GRADE_NOT_LENT_TO, {"grade": inputs.grade})
                   if grade_multiplier == 0 else
                   LimitReason("grade_multiplier", GRADE_MULTIPLIER,
                               {"grade": inputs.grade, "percent": _percent(grade_multiplier)}))
    history_factor = repayment_history_factor(inputs.monthly_sales, inputs.on_time_repaid_loans,
                                              inputs.on_time_repaid_amount)
    if history_factor > 1:
        reasons.append(LimitReason("repayment_history_bonus", REPAYMENT_HISTORY_BONUS,
                                   {"percent": _percent(history_factor - 1)}))
    delinquency = delinquency_factor(inputs.days_past_due)
    if delinquency == 0:
        reasons.append(LimitReason("severe_delinquency", SEVERE_DELINQUENCY))
    elif delinquency < 1:
        reasons.append(LimitReason("delinquency_reduction", DELINQUENCY_REDUCTION,
                                   {"days": str(inputs.days_past_due), "percent": _percent(delinquency)}))
    proven_factor = PROVEN_SELLER_FACTOR if inputs.proven_seller else Decimal(1)
    if inputs.proven_seller:
        reasons.append(LimitReason("proven_seller", PROVEN_SELLER, {"percent": _percent(proven_factor - 1)}))
    if inputs.monthly_sales.amount <= 0:
        reasons.append(LimitReason("no_sales", NO_SALES))

    base = max(inputs.monthly_sales.amount, Decimal(0))
    cumulative = _whole_units(base * terms.sales_multiple * grade_multiplier * history_factor * delinquency
                              * proven_factor)
    cap = inputs.exposure_cap
    if cap is not None and cumulative > cap.amount:
        cumulative = _whole_units(cap.amount)
        reasons.append(LimitReason("exposure_cap", EXPOSURE_CAP, {"cap": str(cap)}))
    per_transaction = _whole_units(cumulative * terms.per_transaction_share)

    factors = LimitFactors(sales_multiple=terms.sales_multiple, grade_multiplier=grade_multiplier,
                           history_factor=history_factor, delinquency_factor=delinquency,
                           proven_seller_factor=proven_factor,
                           per_transaction_share=terms.per_transaction_share)
    fast_path = inputs.proven_seller and inputs.days_past_due == 0 and inputs.grade in FAST_PATH_GRADES \
        and cumulative > 0
    return LimitDecision(version=LIMITS_VERSION, product=inputs.product,
                         per_transaction_limit=Money(per_transaction, currency),
                         cumulative_limit=Money(cumulative, currency), fast_path=fast_path,
                         use_of_funds_restricted=terms.use_of_funds_restricted, factors=factors,
                         reasons=tuple(reasons))


DOWNGRADE_REDUCTION = N_("A recent downgrade of the risk grade reduces the limit to {percent} %.")


def reduced_for_downgrade(limit: LimitDecision, factor: Decimal) -> LimitDecision:
    """``limit`` cut to ``factor`` of itself, with the reason: the limit-reduction control a
    downgrade puts in force (F13) applies on top of the formula, whatever the formula gave."""
    currency = limit.cumulative_limit.currency
    cumulative = _whole_units(limit.cumulative_limit.amount * factor)
    per_transaction = _whole_units(limit.per_transaction_limit.amount * factor)
    return replace(limit, cumulative_limit=Money(cumulative, currency),
                   per_transaction_limit=Money(per_transaction, currency),
                   reasons=(*limit.reasons, LimitReason("downgrade_reduction", DOWNGRADE_REDUCTION,
                                                        {"percent": _percent(factor)})))


def repayment_history_factor(monthly_sales: Money, on_time_repaid_loans: int,
                             on_time_repaid_amount: Money | None) -> Decimal:
    loans_bonus = min(HISTORY_BONUS_PER_LOAN * on_time_repaid_loans, HISTORY_BONUS_LOANS_CAP)
    amount_bonus = Decimal(0)
    if on_time_repaid_amount is not None and monthly_sales.amount > 0:
        months_of_sales = on_time_repaid_amount.amount / monthly_sales.amount
        amount_bonus = min(HISTORY_BONUS_PER_MONTH_OF_SALES * months_of_sales, HISTORY_BONUS_AMOUNT_CAP)
    # Four places are enough for a factor and keep the stored decision readable.
    return (1 + loans_bonus + amount_bonus).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)


def delinquency_factor(days_past_due: int) -> Decimal:
    for highest_days, factor in DELINQUENCY_BANDS:
        if days_past_due <= highest_days:
            return factor
    return Decimal(0)


def check_request(limit_decision: LimitDecision, outstanding: Money, requested_amount: Money, payee: str,
                  allowed_payees: Collection[str] | None) -> list[LimitBreach]:
    """Every way the request breaks the limit (empty when it fits). ``outstanding`` is what the
    seller already owes under this product; ``allowed_payees`` the approved suppliers' ids, used
    when the product restricts the use of funds."""
    currency = limit_decision.cumulative_limit.currency
    for name, amount in (("outstanding", outstanding), ("requested_amount", requested_amount)):
        if amount.currency != currency:
            raise LimitInputInvalid(CURRENCY_DIFFERS, field=name, name=name, currency=amount.currency,
                                    limit_currency=currency)
    if requested_amount.amount <= 0:
        raise LimitInputInvalid(REQUEST_NOT_POSITIVE, field="requested_amount")
    if outstanding.is_negative():
        raise LimitInputInvalid(NEGATIVE_INPUT, field="outstanding", name="outstanding")

    breaches: list[LimitBreach] = []
    per_transaction = limit_decision.per_transaction_limit
    if requested_amount > per_transaction:
        breaches.append(LimitBreach(
            "per_transaction_limit_exceeded", PER_TRANSACTION_EXCEEDED,
            {"requested": str(requested_amount), "limit": str(per_transaction)},
            limit=per_transaction, excess=requested_amount - per_transaction))
    cumulative = limit_decision.cumulative_limit
    if outstanding + requested_amount > cumulative:
        breaches.append(LimitBreach(
            "cumulative_limit_exceeded", CUMULATIVE_EXCEEDED,
            {"outstanding": str(outstanding), "requested": str(requested_amount), "limit": str(cumulative)},
            limit=cumulative, excess=outstanding + requested_amount - cumulative))
    if limit_decision.use_of_funds_restricted and (allowed_payees is None or payee not in allowed_payees):
        breaches.append(LimitBreach("payee_not_allowed", PAYEE_NOT_ALLOWED, {"payee": payee}))
    return breaches


def _check(inputs: LimitInputs) -> None:
    currency = inputs.monthly_sales.currency
    for name, money in (("on_time_repaid_amount", inputs.on_time_repaid_amount),
                        ("exposure_cap", inputs.exposure_cap)):
        if money is None:
            continue
        if money.currency != currency:
            raise LimitInputInvalid(CURRENCY_DIFFERS, field=name, name=name, currency=money.currency,
                                    limit_currency=currency)
        if money.is_negative():
            raise LimitInputInvalid(NEGATIVE_INPUT, field=name, name=name)
    for name, count in (("on_time_repaid_loans", inputs.on_time_repaid_loans),
                        ("days_past_due", inputs.days_past_due)):
        if count < 0:
            raise LimitInputInvalid(NEGATIVE_INPUT, field=name, name=name)


def _whole_units(amount: Decimal) -> Decimal:
    return max(amount, Decimal(0)).quantize(Decimal(1), rounding=ROUND_DOWN)


def _percent(fraction: Decimal) -> str:
    return format((fraction * 100).normalize(), "f")  # 0.25 → "25", 0.125 → "12.5"


def _money(value: Money) -> dict[str, str]:
    return {"amount": str(value.quantized().amount), "currency": value.currency}
