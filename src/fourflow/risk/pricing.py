"""Risk-based pricing (F15): the rate built up from its costs, the fees, and the APR disclosure.

Annual rate = cost of funds + expected loss + capital charge + operating cost + margin, where

* cost of funds: what the lender pays for the money, per year;
* expected loss = PD × LGD, with PD the 12-month probability of default, so the product is the
  share of the principal expected to be lost per year (for a shorter loan the interest accrues for
  the shorter time, which treats default as evenly spread over the year);
* capital charge = capital ratio × (cost of capital − cost of funds), never negative: the capital
  ratio is the share of the loan funded by equity, which must earn the cost of capital instead of
  the cost of funds already charged on the whole principal; charging the full cost of capital on
  top would pay for that share twice;
* operating cost and margin: per year, as rates on the principal.

Each component is quantised to 6 decimal places (0.0001 basis point) before they are added, so
the stored components add up exactly to the stored rate. Interest is simple interest on the
outstanding principal, ACT/365F, repaid in equal principal instalments (one instalment is a
bullet loan, the usual shape of order and receivables financing).

The APR follows the EU Consumer Credit Directive (2008/48/EC, Annex I): the rate X for which the
drawdowns equal the repayments, each discounted by (1 + X)^-t, t in years of 365 days from the
first drawdown. The borrower receives the principal minus the upfront arrangement fee, so that is
the drawdown. X is found by bisection in Decimal and rounded half up to 0.01 % as the Annex asks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_
from fourflow.core.money import Money
from fourflow.lending import schedules

PRICING_VERSION = "pricing@v1"
DAYS_IN_YEAR = Decimal(365)
RATE_QUANTUM = Decimal("0.000001")
APR_QUANTUM = Decimal("0.0001")  # 0.01 % as a fraction
_APR_TOLERANCE = Decimal("1E-12")
_APR_CEILING = Decimal(1_000_000)  # 100,000,000 %: beyond this the schedule is not a loan
_LOWEST_APR = Decimal("-0.999999")
# ln(1 + X) beyond which the float estimate is not tried (X above about 22,000 or below -0.99995):
# there the exact bisection decides.
_FLOAT_GROWTH_LIMIT = 10.0


class PricingInputInvalid(ValidationFailed):
    code = "pricing_input_invalid"
    message = N_("The pricing inputs are not valid.")


class AnnualPercentageRateNotFound(ValidationFailed):
    code = "annual_percentage_rate_not_found"
    message = N_("No annual percentage rate solves this schedule of payments.")


OUT_OF_RANGE = N_("{name} must be between {low} and {high}.")
PRINCIPAL_NOT_POSITIVE = N_("The principal must be greater than zero.")
TERM_TOO_SHORT = N_("The term must be at least one day and at least one day per instalment.")
FEE_CURRENCY = N_("The minimum fee must be in the loan's currency, {currency}.")
FEES_TAKE_PRINCIPAL = N_("The fees would take the whole principal.")


@dataclass(frozen=True, slots=True)
class PricingInputs:
    principal: Money
    disbursement_date: date
    term_days: int
    probability_of_default: Decimal  # 12-month PD, 0 … 1 (see probability_to_decimal)
    loss_given_default: Decimal  # 0 … 1
    cost_of_funds: Decimal  # annual rates from here on, as fractions (0.05 = 5 %)
    capital_ratio: Decimal  # share of the loan funded by equity, 0 … 1
    cost_of_capital: Decimal
    operating_cost: Decimal
    margin: Decimal
    arrangement_fee_rate: Decimal = Decimal(0)  # of the principal, deducted at disbursement
    minimum_arrangement_fee: Money | None = None
    instalments: int = 1  # equal principal instalments; 1 is a bullet loan

    def to_dict(self) -> dict[str, Any]:
        return {"principal": _money(self.principal), "disbursement_date": self.disbursement_date.isoformat(),
                "term_days": self.term_days, "probability_of_default": str(self.probability_of_default),
                "loss_given_default": str(self.loss_given_default), "cost_of_funds": str(self.cost_of_funds),
                "capital_ratio": str(self.capital_ratio), "cost_of_capital": str(self.cost_of_capital),
                "operating_cost": str(self.operating_cost), "margin": str(self.margin),
                "arrangement_fee_rate": str(self.arrangement_fee_rate),
                "minimum_arrangement_fee": _money(self.minimum_arrangement_fee)
                if self.minimum_arrangement_fee else None,
                "instalments": self.instalments}


@dataclass(frozen=True, slots=True)
class RateComponents:
    cost_of_funds: Decimal
    expected_loss: Decimal
    capital_charge: Decimal
    operating_cost: Decimal
    margin: Decimal

    @property
    def total(self) -> Decimal:
        return (self.cost_of_funds + self.expected_loss + self.capital_charge + self.operating_cost
                + self.margin)

    def to_dict(self) -> dict[str, str]:
        return {"cost_of_funds": str(self.cost_of_funds), "expected_loss": str(self.expected_loss),
                "capital_charge": str(self.capital_charge), "operating_cost": str(self.operating_cost),
                "margin": str(self.margin)}


@dataclass(frozen=True, slots=True)
class CashFlow:
    on: date
    amount: Money


@dataclass(frozen=True, slots=True)
class Instalment:
    due_on: date
    principal: Money
    interest: Money

    @property
    def total(self) -> Money:
        return self.principal + self.interest

    def to_dict(self) -> dict[str, Any]:
        return {"due_on": self.due_on.isoformat(), "principal": _money(self.principal),
                "interest": _money(self.interest), "total": _money(self.total)}


@dataclass(frozen=True, slots=True)
class Price:
    version: str
    annual_rate: Decimal
    components: RateComponents
    arrangement_fee: Money
    schedule: tuple[Instalment, ...]
    total_interest: Money
    total_cost_of_credit: Money  # interest + fees: everything the borrower pays beyond the principal
    total_amount_payable: Money  # principal + total cost of credit
    annual_percentage_rate: Decimal  # fraction, 4 dp (0.0606 = 6.06 %)

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "annual_rate": str(self.annual_rate),
                "components": self.components.to_dict(), "arrangement_fee": _money(self.arrangement_fee),
                "schedule": [instalment.to_dict() for instalment in self.schedule],
                "total_interest": _money(self.total_interest),
                "total_cost_of_credit": _money(self.total_cost_of_credit),
                "total_amount_payable": _money(self.total_amount_payable),
                "annual_percentage_rate": str(self.annual_percentage_rate)}


def price_loan(inputs: PricingInputs) -> Price:
    _check(inputs)
    components = rate_components(inputs)
    rate = components.total
    principal = inputs.principal.quantized()
    fee = arrangement_fee(inputs)
    if fee >= principal:
        raise PricingInputInvalid(FEES_TAKE_PRINCIPAL, field="arrangement_fee_rate")
    schedule = repayment_schedule(principal, rate, inputs.disbursement_date, inputs.term_days,
                                  inputs.instalments)
    total_interest = sum((instalment.interest for instalment in schedule), Money.zero(principal.currency))
    total_cost = total_interest + fee
    apr = annual_percentage_rate([CashFlow(inputs.disbursement_date, principal - fee)],
                                 [CashFlow(instalment.due_on, instalment.total) for instalment in schedule])
    return Price(version=PRICING_VERSION, annual_rate=rate, components=components, arrangement_fee=fee,
                 schedule=schedule, total_interest=total_interest, total_cost_of_credit=total_cost,
                 total_amount_payable=principal + total_cost, annual_percentage_rate=apr)


def rate_components(inputs: PricingInputs) -> RateComponents:
    def annual(value: Decimal) -> Decimal:
        return value.quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)

    equity_premium = max(inputs.cost_of_capital - inputs.cost_of_funds, Decimal(0))
    return RateComponents(
        cost_of_funds=annual(inputs.cost_of_funds),
        expected_loss=annual(inputs.probability_of_default * inputs.loss_given_default),
        capital_charge=annual(inputs.capital_ratio * equity_premium),
        operating_cost=annual(inputs.operating_cost),
        margin=annual(inputs.margin),
    )


def arrangement_fee(inputs: PricingInputs) -> Money:
    fee = Money(inputs.principal.amount * inputs.arrangement_fee_rate, inputs.principal.currency).quantized()
    minimum = inputs.minimum_arrangement_fee
    return max(fee, minimum.quantized()) if minimum is not None else fee


def repayment_schedule(principal: Money, annual_rate: Decimal, disbursement_date: date, term_days: int,
                       instalments: int) -> tuple[Instalment, ...]:
    """Equal principal instalments (the last takes the rounding remainder) on due dates spreading the
    term evenly, interest on the outstanding balance for the days of each period, ACT/365F, each
    amount in minor units: the lending domain's schedule, so the disclosure is the loan's schedule."""
    schedule = schedules.equal_principal(principal, annual_rate, disbursement_date,
                                         schedules.even_due_dates(disbursement_date, term_days, instalments))
    return tuple(Instalment(instalment.due_on, instalment.principal, instalment.interest)
                 for instalment in schedule.instalments)


def annual_percentage_rate(drawdowns: Sequence[CashFlow], repayments: Sequence[CashFlow]) -> Decimal:
    """The X that makes Σ drawdowns·(1+X)^-t equal Σ repayments·(1+X)^-t (t in years of 365 days
    from the first drawdown), rounded half up to 0.01 % (4 places of a fraction)."""
    if not drawdowns or not repayments:
        raise AnnualPercentageRateNotFound()
    currency = drawdowns[0].amount.currency
    if any(flow.amount.currency != currency for flow in (*drawdowns, *repayments)):
        raise AnnualPercentageRateNotFound()
    start = min(flow.on for flow in drawdowns)
    with localcontext() as context:
        context.prec = 34
        draws = [(flow.amount.amount, Decimal((flow.on - start).days) / DAYS_IN_YEAR) for flow in drawdowns]
        repays = [(flow.amount.amount, Decimal((flow.on - start).days) / DAYS_IN_YEAR) for flow in repayments]

        def surplus(rate: Decimal) -> Decimal:
            """Present value of the repayments minus that of the drawdowns: falls as the rate rises."""
            log_growth = (1 + rate).ln()
            return sum((amount * (-years * log_growth).exp() for amount, years in repays), Decimal(0)) \
                - sum((amount * (-years * log_growth).exp() for amount, years in draws), Decimal(0))

        if surplus(_LOWEST_APR) < 0:
            raise AnnualPercentageRateNotFound()
        # The rounded APR is settled by the sign of the surplus at the two rounding boundaries
        # around it: two exact evaluations where a bisection in Decimal takes some forty.
        estimate = _float_root(draws, repays)
        if estimate is not None:
            rounded = Decimal(repr(estimate)).quantize(APR_QUANTUM, rounding=ROUND_HALF_UP)
            half = APR_QUANTUM / 2
            if rounded - half > _LOWEST_APR and surplus(rounded - half) >= 0 > surplus(rounded + half):
                return rounded
        low, high = _LOWEST_APR, Decimal(1)
        while surplus(high) > 0:
            high *= 2
            if high > _APR_CEILING:
                raise AnnualPercentageRateNotFound()
        while high - low > _APR_TOLERANCE:
            middle = (low + high) / 2
            if surplus(middle) > 0:
                low = middle
            else:
                high = middle
        return ((low + high) / 2).quantize(APR_QUANTUM, rounding=ROUND_HALF_UP)


def _float_root(draws: Sequence[tuple[Decimal, Decimal]],
                repays: Sequence[tuple[Decimal, Decimal]]) -> float | None:
    """Newton's method in floats on the surplus as a function of ln(1 + X); None when it does not
    settle (the exact bisection then decides)."""
    flows = [(float(amount), float(years)) for amount, years in repays] \
        + [(-float(amount), float(years)) for amount, years in draws]
    growth = 0.1  # ln(1 + X), starting near a 10 % rate
    for _ in range(50):
        value = sum(amount * math.exp(-years * growth) for amount, years in flows)
        slope = -sum(amount * years * math.exp(-years * growth) for amount, years in flows)
        if slope == 0 or not math.isfinite(value) or not math.isfinite(slope):
            return None
        step = value / slope
        growth -= step
        if abs(growth) > _FLOAT_GROWTH_LIMIT:
            return None
        if abs(step) < 1e-13:
            return math.expm1(growth)
    return None


def probability_to_decimal(probability: float) -> Decimal:
    """A model's PD (a float) as the Decimal pricing takes, to 6 places: the boundary where float stops."""
    if not 0 <= probability <= 1:
        raise PricingInputInvalid(OUT_OF_RANGE, field="probability_of_default", name="probability_of_default",
                                  low="0", high="1")
    return Decimal(repr(probability)).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)


def _check(inputs: PricingInputs) -> None:
    if inputs.principal.amount <= 0:
        raise PricingInputInvalid(PRINCIPAL_NOT_POSITIVE, field="principal")
    if inputs.term_days < 1 or inputs.instalments < 1 or inputs.instalments > inputs.term_days:
        raise PricingInputInvalid(TERM_TOO_SHORT, field="term_days")
    for name in ("probability_of_default", "loss_given_default", "capital_ratio", "cost_of_funds",
                 "cost_of_capital", "operating_cost", "margin", "arrangement_fee_rate"):
        value = getattr(inputs, name)
        if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= 1:
            raise PricingInputInvalid(OUT_OF_RANGE, field=name, name=name, low="0", high="1")
    minimum = inputs.minimum_arrangement_fee
    if minimum is not None and minimum.currency != inputs.principal.currency:
        raise PricingInputInvalid(FEE_CURRENCY, field="minimum_arrangement_fee",
                                  currency=inputs.principal.currency)


def _money(value: Money) -> dict[str, str]:
    return {"amount": str(value.quantized().amount), "currency": value.currency}
