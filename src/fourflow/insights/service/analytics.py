"""The arithmetic of a seller's insights (``insights@v1``), free of the database so every figure can be
checked by hand: stock cover and lead time per SKU, restock advice before a peak, the cash-conversion
cycle and the sales trend.

Definitions (the page and the API state them too):
- daily units: units ordered in the ``VELOCITY_WINDOW_DAYS`` days up to the day the data ends, ÷ those
  days; stock cover: available units (on hand less locked, every warehouse's newest snapshot) ÷ daily
  units;
- lead time: per SKU, the median (the higher middle one) whole days from a shipment's first tracking
  event (the booking) to its inbound movement at the warehouse; without shipments of the SKU, the
  median over all the seller's shipments; without any, ``DEFAULT_LEAD_TIME_DAYS``;
- restock before a peak: stock left when the peak starts = available − daily units × days until then
  (never below zero); the peak needs daily units × the season's uplift × its days (rounded up); the
  difference is what to order, by the peak's first day less the lead time less ``SAFETY_DAYS``;
- cash-conversion cycle = days inventory outstanding (stock value at cost ÷ the cost of goods sold per
  day over ``COGS_WINDOW_DAYS`` days; in units when no stock has a unit cost) + days to payout (the
  mean days from a sale's posting to the deposit of its settlement) − days payable
  (``SUPPLIER_PAYMENT_DAYS``: suppliers' terms are not in the seller's data; cross-border sellers
  mostly pay their factories before goods ship);
- sales trend: order totals of the last ``TREND_MONTHS`` whole months in the seller's main currency
  (the one they sell most in); the change is the last three months against the three before.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from fourflow.core.i18n import N_
from fourflow.insights.peaks import Peak

INSIGHTS_VERSION = "insights@v1"
VELOCITY_WINDOW_DAYS = 30
COGS_WINDOW_DAYS = 90
PAYOUT_WINDOW_DAYS = 90
LEAD_TIME_WINDOW_DAYS = 365
DEFAULT_LEAD_TIME_DAYS = 45  # sea freight from South China to an overseas warehouse, door to shelf
SAFETY_DAYS = 7              # customs holds and port delays: order a week before the plain arithmetic says
SUPPLIER_PAYMENT_DAYS = 0
PEAK_HORIZON_DAYS = 365
TREND_MONTHS = 6
TREND_THRESHOLD_PERCENT = Decimal(5)  # changes smaller than this are "steady"
TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class SkuStock:
    sku: str
    available: int  # on hand less locked, summed over warehouses
    unit_cost: Decimal | None
    cost_currency: str | None
    snapshot_on: date


@dataclass(frozen=True, slots=True)
class LeadTime:
    days: int
    source: str  # shipments (of this SKU), seller (all the seller's shipments) or default
    shipments: int


@dataclass(frozen=True, slots=True)
class StockCover:
    sku: str
    available: int
    units_sold: int          # in the velocity window
    daily_units: Decimal     # exact: units_sold ÷ window days
    cover_days: Decimal | None  # to a tenth; None when nothing sold
    runs_out_on: date | None
    lead_time: LeadTime

    @property
    def daily_units_shown(self) -> Decimal:
        return self.daily_units.quantize(HUNDREDTH, rounding=ROUND_HALF_EVEN)

    @property
    def reorder_now(self) -> bool:
        """Stock runs out before goods ordered today could arrive."""
        return self.cover_days is not None and self.cover_days < self.lead_time.days + SAFETY_DAYS


@dataclass(frozen=True, slots=True)
class RestockAdvice:
    sku: str
    peak: Peak
    order_by: date
    units: int
    stock_at_peak: int
    peak_demand: int
    daily_units: Decimal
    lead_time_days: int

    @property
    def key(self) -> str:
        return f"restock_before_peak:{self.sku}:{self.peak.key}"

    message = N_("{sku}: at {daily} units a day you will have about {left} units when {peak} starts on "
                 "{start}; the season sells about {uplift}× a normal day, {demand} units over {days} days. "
                 "Your shipments take {lead} days to arrive, so order {units} units by {order_by}.")

    def params(self) -> dict[str, str]:
        return {"sku": self.sku, "daily": str(self.daily_units.quantize(HUNDREDTH)),
                "left": str(self.stock_at_peak), "peak_code": self.peak.code,
                "start": self.peak.starts_on.isoformat(), "uplift": str(self.peak.uplift),
                "demand": str(self.peak_demand), "days": str(self.peak.days),
                "lead": str(self.lead_time_days),
                "units": str(self.units), "order_by": self.order_by.isoformat()}


@dataclass(frozen=True, slots=True)
class CashCycle:
    days_inventory: Decimal | None
    days_to_payout: Decimal | None
    days_payable: Decimal
    cycle_days: Decimal | None
    inventory_value: Decimal      # at cost, in cost_currency
    daily_cost_of_sales: Decimal  # exact
    cost_currency: str | None
    sale_lines: int               # sale lines the days to payout were measured on
    basis: str = "cost"           # cost, or units when no stock has a unit cost


@dataclass(frozen=True, slots=True)
class MonthSales:
    month: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class SalesTrend:
    currency: str | None
    months: list[MonthSales]
    recent: Decimal    # the last three months
    earlier: Decimal   # the three before
    change_percent: Decimal | None
    direction: str     # growing, shrinking, steady, new (nothing earlier) or none (no sales)
    other_currencies: list[str]


def lead_times(shipments: Iterable[tuple[str, datetime, datetime]]) -> tuple[dict[str, list[int]], list[int]]:
    """Whole days (rounded up) of each (sku, booked, arrived) shipment: per SKU, and one per shipment
    over the seller (a shipment of several SKUs counts once)."""
    per_sku: dict[str, list[int]] = defaultdict(list)
    per_shipment: dict[tuple[datetime, datetime], int] = {}
    for sku, booked_at, arrived_at in shipments:
        days = math.ceil((arrived_at - booked_at).total_seconds() / 86400)
        per_sku[sku].append(days)
        per_shipment[(booked_at, arrived_at)] = days
    return dict(per_sku), list(per_shipment.values())


def lead_time_of(sku: str, per_sku: Mapping[str, list[int]], seller: Sequence[int]) -> LeadTime:
    if per_sku.get(sku):
        return LeadTime(statistics.median_high(per_sku[sku]), "shipments", len(per_sku[sku]))
    if seller:
        return LeadTime(statistics.median_high(seller), "seller", len(seller))
    return LeadTime(DEFAULT_LEAD_TIME_DAYS, "default", 0)


def stock_cover(stock: Sequence[SkuStock], sold: Mapping[str, int], as_of: date,
                per_sku: Mapping[str, list[int]], seller: Sequence[int],
                window_days: int = VELOCITY_WINDOW_DAYS) -> list[StockCover]:
    """Per SKU in stock, fewest days of cover first (SKUs that do not sell last)."""
    covers: list[StockCover] = []
    for item in stock:
        units = sold.get(item.sku, 0)
        daily = Decimal(units) / Decimal(window_days)
        cover = _tenth(Decimal(item.available) / daily) if units else None
        runs_out = (as_of + timedelta(days=int(cover.to_integral_value(ROUND_FLOOR)))
                    if cover is not None else None)
        covers.append(StockCover(item.sku, item.available, units, daily, cover, runs_out,
                                 lead_time_of(item.sku, per_sku, seller)))
    return sorted(covers, key=lambda c: (c.cover_days is None, c.cover_days or Decimal(0), c.sku))


def restock_advice(cover: StockCover, peak: Peak, as_of: date) -> RestockAdvice | None:
    """What to order of one SKU for one peak, or None when the stock will last through it."""
    if cover.units_sold == 0:
        return None
    days_before = Decimal((peak.starts_on - as_of).days)
    left = Decimal(cover.available) - cover.daily_units * days_before
    stock_at_peak = max(0, int(left.to_integral_value(ROUND_FLOOR)))
    demand = int((cover.daily_units * peak.uplift * peak.days).to_integral_value(ROUND_CEILING))
    units = demand - stock_at_peak
    if units <= 0:
        return None
    order_by = peak.starts_on - timedelta(days=cover.lead_time.days + SAFETY_DAYS)
    return RestockAdvice(cover.sku, peak, order_by, units, stock_at_peak, demand, cover.daily_units,
                         cover.lead_time.days)


def cash_cycle(stock: Sequence[SkuStock], sold: Mapping[str, int], days_to_payout: Decimal | None,
               sale_lines: int, window_days: int = COGS_WINDOW_DAYS) -> CashCycle:
    """The cycle in days; stock and its cost of sales in the currency most SKUs are costed in (the
    other SKUs are left out of both, so the ratio compares like with like)."""
    costed = [item for item in stock if item.unit_cost is not None and item.cost_currency]
    counts = Counter(item.cost_currency for item in costed)
    currency = min(counts, key=lambda code: (-counts[code], code or "")) if counts else None
    chosen = [item for item in costed if item.cost_currency == currency]
    value = sum((Decimal(item.available) * (item.unit_cost or Decimal(0)) for item in chosen), Decimal(0))
    daily_cost = sum((Decimal(sold.get(item.sku, 0)) * (item.unit_cost or Decimal(0)) for item in chosen),
                     Decimal(0)) / Decimal(window_days)
    days_inventory = _tenth(value / daily_cost) if daily_cost else None
    basis = "cost"
    if not chosen:
        # No unit cost anywhere (marketplace inventory reports carry none): days of inventory in
        # units, stock available ÷ units sold per day, which is the same ratio at a single cost.
        basis = "units"
        units = Decimal(sum(item.available for item in stock))
        daily_units = Decimal(sum(sold.get(item.sku, 0) for item in stock)) / Decimal(window_days)
        days_inventory = _tenth(units / daily_units) if daily_units else None
    payout = _tenth(days_to_payout) if days_to_payout is not None else None
    payable = Decimal(SUPPLIER_PAYMENT_DAYS)
    cycle = (days_inventory + payout - payable
             if days_inventory is not None and payout is not None else None)
    return CashCycle(days_inventory, payout, payable, cycle, value.quantize(HUNDREDTH), daily_cost, currency,
                     sale_lines, basis)


def sales_trend(months: Sequence[tuple[date, Mapping[str, Decimal]]]) -> SalesTrend:
    """``months``: each whole month's order totals per currency, oldest first."""
    totals: Counter[str] = Counter()
    for _month, amounts in months:
        for code, amount in amounts.items():
            totals[code] += amount  # type: ignore[assignment]
    if not totals:
        return SalesTrend(None, [MonthSales(month, Decimal(0)) for month, _ in months], Decimal(0),
                          Decimal(0), None, "none", [])
    currency = min(totals, key=lambda code: (-totals[code], code))
    series = [MonthSales(month, Decimal(amounts.get(currency, 0)).quantize(HUNDREDTH))
              for month, amounts in months]
    recent = sum((item.amount for item in series[-3:]), Decimal(0))
    earlier = sum((item.amount for item in series[-6:-3]), Decimal(0))
    if earlier == 0:
        change, direction = None, "new" if recent else "none"
    else:
        change = _tenth((recent - earlier) / earlier * 100)
        direction = ("growing" if change >= TREND_THRESHOLD_PERCENT
                     else "shrinking" if change <= -TREND_THRESHOLD_PERCENT else "steady")
    return SalesTrend(currency, series, recent, earlier, change, direction,
                      sorted(code for code in totals if code != currency))
