"""The financing products (F2) as configuration: what each lends against, how much of it, for how
long, what it costs to open and how it is repaid. Frozen dataclasses in code, versioned as a whole
(``PRODUCTS_VERSION``): an application and its offer store the version they were made under, and a
change of terms is a new version, never an edit of the old one.

The product codes and names are the risk engine's (``risk.service.decisions.PRODUCTS`` and
``PRODUCT_LABELS``): a credit decision is asked for one of these products.

Repayment methods:

* ``bullet``: principal and interest in one instalment at the end of the tenor (order financing:
  the goods are sold and the loan repaid at once);
* ``equal_instalments``: equal principal every ``period_days`` (the last period may be shorter),
  interest on the outstanding balance;
* ``payout_sweep``: a share (``remittance_rate``) of every marketplace payout repays the loan,
  with a minimum due every ``period_days`` up to the tenor (``lending.schedules.payout_sweep``).

The origination fee is ``origination_fee_rate`` × the amount, rounded half to even to the minor
unit, and is netted from the proceeds (MONEY-FLOWS event 3): the principal stays gross.

A revolving product (``REVOLVING_PRODUCTS``) is not lent at once: its accepted offer opens a credit
line (``lending.lines``) whose limit is the offer's amount, and each draw on it is a loan of its own
(principal = the draw, repaid by the product's method); the origination fee is charged on each draw
(the rate × the draw, netted from that draw's proceeds), never on the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from fourflow.core.i18n import N_
from fourflow.risk.service.decisions import PRODUCT_LABELS, PRODUCTS

PRODUCTS_VERSION = "products@v1"


class RepaymentMethod(StrEnum):
    BULLET = "bullet"
    EQUAL_INSTALMENTS = "equal_instalments"
    PAYOUT_SWEEP = "payout_sweep"


class Underlying(StrEnum):
    """What the financing is advanced against."""

    PURCHASE_ORDERS = "purchase_orders"
    EXPECTED_PAYOUTS = "expected_payouts"
    PLEDGED_STOCK = "pledged_stock"
    NONE = "none"


class UseOfFunds(StrEnum):
    APPROVED_SUPPLIERS = "approved_suppliers"  # paid to the seller's approved suppliers only
    ANY_BUSINESS_PURPOSE = "any_business_purpose"


REPAYMENT_METHOD_LABELS = {
    RepaymentMethod.BULLET: N_("One repayment at the end of the term"),
    RepaymentMethod.EQUAL_INSTALMENTS: N_("Equal instalments"),
    RepaymentMethod.PAYOUT_SWEEP: N_("A share of every marketplace payout"),
}
UNDERLYING_LABELS = {
    Underlying.PURCHASE_ORDERS: N_("Confirmed purchase orders"),
    Underlying.EXPECTED_PAYOUTS: N_("Expected marketplace payouts"),
    Underlying.PLEDGED_STOCK: N_("Stock pledged in a warehouse"),
    Underlying.NONE: N_("Nothing specific"),
}
USE_OF_FUNDS_LABELS = {
    UseOfFunds.APPROVED_SUPPLIERS: N_("Paid to your approved suppliers only"),
    UseOfFunds.ANY_BUSINESS_PURPOSE: N_("Any business purpose"),
}


@dataclass(frozen=True, slots=True)
class Repayment:
    method: RepaymentMethod
    period_days: int | None = None  # equal instalments and the sweep's minimum: one every this many days
    remittance_rate: Decimal | None = None  # payout sweep: the share of each payout, 0 < rate ≤ 1

    def __post_init__(self) -> None:
        if (self.method is RepaymentMethod.BULLET) != (self.period_days is None):
            raise ValueError("a bullet has no period; the other methods need one")
        if (self.method is RepaymentMethod.PAYOUT_SWEEP) != (self.remittance_rate is not None):
            raise ValueError("only a payout sweep has a remittance rate")
        if self.period_days is not None and self.period_days < 1:
            raise ValueError("the period must be at least one day")
        if self.remittance_rate is not None and not Decimal(0) < self.remittance_rate <= 1:
            raise ValueError("the remittance rate must be in (0, 1]")


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    advance_rate: Decimal  # share of the underlying's value that may be lent
    minimum_tenor_days: int
    maximum_tenor_days: int
    default_tenor_days: int
    origination_fee_rate: Decimal  # of the amount, netted from the proceeds
    repayment: Repayment
    underlying: Underlying
    use_of_funds: UseOfFunds
    currencies: tuple[str, ...]  # currencies it is lent in

    def __post_init__(self) -> None:
        if self.code not in PRODUCTS:
            raise ValueError(f"{self.code} is not one of the risk engine's products")
        if not 1 <= self.minimum_tenor_days <= self.default_tenor_days <= self.maximum_tenor_days:
            raise ValueError("tenors must satisfy 1 ≤ minimum ≤ default ≤ maximum")
        if not Decimal(0) < self.advance_rate <= 1 or not Decimal(0) <= self.origination_fee_rate < 1:
            raise ValueError("rates out of range")

    @property
    def label(self) -> str:
        """The product's name (a msgid: translate it where it is shown)."""
        return PRODUCT_LABELS[self.code]


LENDING_CURRENCIES = ("USD", "EUR", "GBP")

CATALOGUE: dict[str, Product] = {product.code: product for product in (
    Product("order_financing", advance_rate=Decimal("0.80"), minimum_tenor_days=30, maximum_tenor_days=120,
            default_tenor_days=90, origination_fee_rate=Decimal("0.010"),
            repayment=Repayment(RepaymentMethod.BULLET), underlying=Underlying.PURCHASE_ORDERS,
            use_of_funds=UseOfFunds.APPROVED_SUPPLIERS, currencies=LENDING_CURRENCIES),
    Product("receivables_financing", advance_rate=Decimal("0.90"), minimum_tenor_days=30,
            maximum_tenor_days=180, default_tenor_days=90, origination_fee_rate=Decimal("0.005"),
            repayment=Repayment(RepaymentMethod.PAYOUT_SWEEP, period_days=30,
                                remittance_rate=Decimal("0.25")),
            underlying=Underlying.EXPECTED_PAYOUTS, use_of_funds=UseOfFunds.ANY_BUSINESS_PURPOSE,
            currencies=LENDING_CURRENCIES),
    Product("inventory_financing", advance_rate=Decimal("0.60"), minimum_tenor_days=60,
            maximum_tenor_days=180, default_tenor_days=120, origination_fee_rate=Decimal("0.010"),
            repayment=Repayment(RepaymentMethod.EQUAL_INSTALMENTS, period_days=30),
            underlying=Underlying.PLEDGED_STOCK, use_of_funds=UseOfFunds.APPROVED_SUPPLIERS,
            currencies=LENDING_CURRENCIES),
    Product("revolving_credit_line", advance_rate=Decimal("1.00"), minimum_tenor_days=30,
            maximum_tenor_days=360, default_tenor_days=180, origination_fee_rate=Decimal("0.010"),
            repayment=Repayment(RepaymentMethod.EQUAL_INSTALMENTS, period_days=30),
            underlying=Underlying.NONE, use_of_funds=UseOfFunds.ANY_BUSINESS_PURPOSE,
            currencies=LENDING_CURRENCIES),
)}


# Products whose accepted offer opens a credit line drawn repeatedly, instead of one loan.
REVOLVING_PRODUCTS = frozenset({"revolving_credit_line"})


def product(code: str) -> Product | None:
    return CATALOGUE.get(code)


# Disbursement conditions (F21) ------------------------------------------------------------------

DISBURSEMENT_CONDITIONS_VERSION = "disbursement_conditions@v1"


class ConditionKind(StrEnum):
    # The contract carries the seller's and the platform's signatures.
    CONTRACT_SIGNED = "contract_signed"
    # The financed shipment's carrier reports it arrived at the named warehouse.
    GOODS_ARRIVED = "goods_arrived"


CONDITION_LABELS = {
    ConditionKind.CONTRACT_SIGNED: N_("All signatures present"),
    ConditionKind.GOODS_ARRIVED: N_("Financed goods arrived at the warehouse"),
}

# Every loan waits for the signed contract; order financing also for its goods at the warehouse
# (the money pays for goods the platform has seen arrive). Changing this list is a new version.
DISBURSEMENT_CONDITIONS: dict[str, tuple[ConditionKind, ...]] = {
    "order_financing": (ConditionKind.CONTRACT_SIGNED, ConditionKind.GOODS_ARRIVED),
    "receivables_financing": (ConditionKind.CONTRACT_SIGNED,),
    "inventory_financing": (ConditionKind.CONTRACT_SIGNED,),
    "revolving_credit_line": (ConditionKind.CONTRACT_SIGNED,),
}


# The daily advance (receivables financing, issue 7) ----------------------------------------------

DAILY_ADVANCE_VERSION = "daily-advance@v1"


@dataclass(frozen=True, slots=True)
class DailyAdvanceTerms:
    """Each morning ``advance_share`` of yesterday's shipped-but-unpaid sales (rounded down to the
    minor unit), at a flat fee of ``fee_rate`` × the advance (rounded half to even), charged when
    advanced and repaid first when the marketplace's payout arrives. Outstanding advances never exceed
    the facility's approved amount (the receivables offer's amount). An advance not netted
    ``netting_due_days`` after it was made is netted from any later payout of the seller."""

    advance_share: Decimal
    fee_rate: Decimal
    netting_due_days: int
    # How far back an order may have been bought and still ship yesterday (bounds the search).
    purchase_window_days: int

    def __post_init__(self) -> None:
        if not Decimal(0) < self.advance_share <= 1 or not Decimal(0) <= self.fee_rate < 1:
            raise ValueError("rates out of range")
        if self.netting_due_days < 1 or self.purchase_window_days < 1:
            raise ValueError("periods must be at least one day")


# Which products offer the daily advance, on what terms. Changing terms is a new version.
DAILY_ADVANCE_TERMS: dict[str, DailyAdvanceTerms] = {
    "receivables_financing": DailyAdvanceTerms(advance_share=Decimal("0.80"), fee_rate=Decimal("0.001"),
                                               netting_due_days=30, purchase_window_days=30),
}
