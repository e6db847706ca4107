"""A seller's credit features (F9) as of a day, from the canonical trade tables, and their
stored snapshots.

No look-ahead: everything is read strictly before ``as_of`` (its midnight, UTC), so adding data
dated on or after it changes nothing. Two kinds of window:

- money features (sales level, growth, volatility, seasonality, refund and fee ratios, FX
  exposure, marketplace and customer concentration) use whole calendar months before ``as_of``'s
  month, the unit the derived figures (``monthly_net_sales@v1`` …) are kept in; a month counts from
  the seller's first month of sales on (a seller that started four months ago has a four-month
  mean, not a six-month one diluted by months before it existed);
- event features (deliveries, customs, reviews, returns, stock, payouts) use the trailing 365
  days before ``as_of`` (their recent half, 182 days, for the review trend and payout cadence).

Money is compared across sellers in US dollars: each month's amounts are converted at the ECB
reference rate of the month's last day (the newest on or before it), as ``reference_rate`` crosses
it through the euro. A currency without a rate makes the money features that need it missing
rather than wrong.

Definitions (values are floats, ratios as fractions; None when not computable, with the reason in
``missing``):

- monthly_sales_level: mean monthly net sales (item sales + seller-funded promotions + refunds,
  by posting month: the ``monthly_net_sales`` figure) over the last 6 whole months, USD;
- sales_growth: net sales of the last 3 whole months over the 3 before, minus 1;
- sales_volatility: coefficient of variation (population) of the last 12 months' net sales;
- seasonality: the largest calendar quarter's share of the last 12 months' net sales (0.25 flat);
- refund_rate: refunds over item sales, fee_ratio: fees over item sales, last 12 months;
- payout_regularity: payouts received over payouts expected in the last 182 days; each
  marketplace paying out in the last year is expected every median gap between its payouts;
- on_time_delivery_rate: parcels to buyers (shipments whose tracking names an order) delivered
  within 7 days of their first scan, of those delivered or past 7 days; marketplaces promise a
  week for parcels leaving an overseas warehouse in the buyer's country. Inbound sea freight is not
  a delivery to a customer and is left out;
- customs_hold_rate: shipments that stayed in customs more than 5 days (first customs event to the
  next event of another status), of those that went through customs; without tracked customs
  events, the share of customs declarations whose status is held or under inspection (their
  status is the newest the broker reported, a small look-ahead the tracking measure avoids);
- review_rating: mean rating of the year; review_trend: mean of the last 182 days minus the mean
  of the 183 before, in stars (at least 3 reviews in each);
- return_rate: returns received over orders placed (cancelled left out), last 365 days;
- tenure_months: months since the first store, order or settlement line;
- top_customer_share: buyers' personal data is stored encrypted, so buyers can't be grouped
  here; business-to-business orders (Shopify draft orders, ``BUSINESS_SALES_CHANNELS``) are taken
  as one buyer and consumers as each too small to matter: the business orders' share of order
  value over the last 12 whole months — an upper bound of the largest business buyer's share;
- marketplace_concentration: Herfindahl index of item sales over marketplaces (1 = one market);
- top_supplier_share: always missing, no supplier data is collected yet;
- stock_turnover: units ordered of stocked SKUs per year over the average units on hand (per
  warehouse, the mean of its snapshot days, summed), last 365 days; a channel shipping from a
  warehouse that reports no stock makes it look faster;
- cash_conversion_cycle_days: days of inventory (365 / stock_turnover) plus days receivable
  (mean days from a sale line's posting to its settlement's deposit); payables are unknown;
- fx_exposure: share of item sales (USD value) not sold in US dollars, last 12 months;
- history_months: calendar months with any sale line or order before ``as_of``;
- months_since_last_data: months from the newest dated row of any flow to ``as_of``.

Lineage: for every feature, the derived figures it reproduces (a stored figure is cited when its
value equals what was summed from the rows, i.e. it is up to date) and the tables it read directly.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_
from fourflow.core.months import add_months, month_end
from fourflow.risk.repository import features as repository
from fourflow.tradedata.service import risk_features as trade

FEATURES_VERSION: Final = "features@v1"
FEATURE_NAMES: Final = (
    "monthly_sales_level", "sales_growth", "sales_volatility", "seasonality", "refund_rate", "return_rate",
    "fee_ratio", "payout_regularity", "on_time_delivery_rate", "customs_hold_rate", "review_rating",
    "review_trend", "tenure_months", "top_customer_share", "marketplace_concentration",
    "top_supplier_share", "stock_turnover", "cash_conversion_cycle_days", "fx_exposure", "history_months",
    "months_since_last_data",
)

_FEATURE_POSITIONS: Final = {name: position for position, name in enumerate(FEATURE_NAMES)}

CURRENCY: Final = "USD"
LEVEL_MONTHS: Final = 6
GROWTH_MONTHS: Final = 3
YEAR_MONTHS: Final = 12
MIN_VOLATILITY_MONTHS: Final = 3
EVENT_DAYS: Final = 365
RECENT_DAYS: Final = 182
DELIVERY_PROMISE_DAYS: Final = 7
CUSTOMS_HOLD_DAYS: Final = 5
MIN_REVIEWS: Final = 3
DAYS_PER_MONTH: Final = Decimal("30.4375")  # 365.25 / 12
PLACES: Final = Decimal("0.000001")

SALE, PROMOTION, REFUND, FEE = "sale", "promotion", "refund", "fee"
NET_SALES_KINDS: Final = (SALE, PROMOTION, REFUND)
# The derived figures (tradedata.service.figures) the money features reproduce.
NET_SALES_FIGURE: Final = "monthly_net_sales@v1"
FEES_FIGURE: Final = "monthly_fees@v1"
REFUND_RATE_FIGURE: Final = "monthly_refund_rate@v1"

SETTLEMENT_LINES, ORDERS, RATES = "trade_settlement_lines", "trade_orders", "fx_reference_rates"


class MissingReason(StrEnum):
    NO_SALES_HISTORY = "no_sales_history"
    SHORT_SALES_HISTORY = "short_sales_history"
    NO_SALES = "no_sales"
    NO_PRIOR_SALES = "no_prior_sales"
    FX_RATE_UNAVAILABLE = "fx_rate_unavailable"
    NO_ORDERS = "no_orders"
    NO_PAYOUT_HISTORY = "no_payout_history"
    NO_TRACKED_DELIVERIES = "no_tracked_deliveries"
    NO_CUSTOMS_DATA = "no_customs_data"
    NO_REVIEWS = "no_reviews"
    TOO_FEW_REVIEWS = "too_few_reviews"
    NO_STOCK_DATA = "no_stock_data"
    NO_UNITS_SOLD = "no_units_sold"
    NO_SUPPLIER_DATA = "no_supplier_data"
    NO_TRADE_DATA = "no_trade_data"


# What each reason means, for people (the snapshot stores the code).
MISSING_REASON_TEXT: Final = {
    MissingReason.NO_SALES_HISTORY: N_("No whole month of sales before this date."),
    MissingReason.SHORT_SALES_HISTORY: N_("Not enough months of sales history."),
    MissingReason.NO_SALES: N_("No sales in the period."),
    MissingReason.NO_PRIOR_SALES: N_("No sales in the earlier period to compare with."),
    MissingReason.FX_RATE_UNAVAILABLE: N_("No reference exchange rate for a currency of the sales."),
    MissingReason.NO_ORDERS: N_("No orders in the period."),
    MissingReason.NO_PAYOUT_HISTORY: N_("Not enough payouts to know their rhythm."),
    MissingReason.NO_TRACKED_DELIVERIES: N_("No tracked deliveries to buyers in the period."),
    MissingReason.NO_CUSTOMS_DATA: N_("No shipment went through customs in the period."),
    MissingReason.NO_REVIEWS: N_("No customer reviews in the period."),
    MissingReason.TOO_FEW_REVIEWS: N_("Too few customer reviews to see a trend."),
    MissingReason.NO_STOCK_DATA: N_("No stock reports in the period."),
    MissingReason.NO_UNITS_SOLD: N_("No units of the stocked products sold in the period."),
    MissingReason.NO_SUPPLIER_DATA: N_("No supplier data is collected."),
    MissingReason.NO_TRADE_DATA: N_("No trade data before this date."),
}


class FeatureSellerMismatch(ValidationFailed):
    code = "feature_seller_mismatch"
    message = N_("These features were computed for another seller.")


@dataclass(frozen=True, slots=True)
class FeatureVector:
    """Every feature of FEATURE_NAMES (None when missing, the reason code in ``missing``) and
    what each was computed from: {feature: {"figures": [figure ids], "tables": [table names]}}."""

    seller_organisation_id: uuid.UUID
    as_of: date
    values: dict[str, float | None]
    missing: dict[str, str]
    lineage: dict[str, dict[str, list[str]]]
    version: str = FEATURES_VERSION
    computed_at: datetime | None = None   # set on a stored snapshot


def compute_features(session: Session, seller_organisation_id: uuid.UUID, as_of: date) -> FeatureVector:
    """The seller's features from its trade data dated strictly before ``as_of``."""
    cutoff = datetime.combine(as_of, time.min, UTC)
    this_month = as_of.replace(day=1)
    window = trade.FeatureWindow(
        cutoff=cutoff, since=cutoff - timedelta(days=EVENT_DAYS),
        recent_since=cutoff - timedelta(days=RECENT_DAYS),
        delivery_promise=timedelta(days=DELIVERY_PROMISE_DAYS),
        customs_hold=timedelta(days=CUSTOMS_HOLD_DAYS))
    inputs = trade.feature_inputs(
        session, seller_organisation_id, window, settlement_kinds=(*NET_SALES_KINDS, FEE),
        figure_transformations=(NET_SALES_FIGURE, FEES_FIGURE, REFUND_RATE_FIGURE), figures_before=this_month)
    year = [add_months(this_month, -back) for back in range(YEAR_MONTHS, 0, -1)]
    rates = trade.reference_rates(session, CURRENCY, {
        (currency, month_end(month)) for month in year
        for currency in {row.currency for row in inputs.settlement_months} | {
            row.currency for row in inputs.order_months}})
    builder = _Builder()
    money = _Money(inputs, rates, year, builder)
    money.sales_features()
    money.ratio_features()
    money.customer_share(inputs.order_months)
    _event_features(inputs, window, builder)
    _history_features(inputs, as_of, cutoff, builder)
    return builder.vector(seller_organisation_id, as_of)


def store_snapshot(session: Session, seller_organisation_id: uuid.UUID, vector: FeatureVector) -> uuid.UUID:
    """Store the vector as the seller's snapshot for its date and version, replacing one stored
    before (idempotent: storing the same vector twice leaves one row)."""
    if vector.seller_organisation_id != seller_organisation_id:
        raise FeatureSellerMismatch()
    return repository.upsert_snapshot(
        session, seller_organisation_id=seller_organisation_id, as_of=vector.as_of, version=vector.version,
        features={"values": vector.values, "missing": vector.missing}, lineage=vector.lineage,
        computed_at=get_clock().now())


def refresh_snapshot(session: Session, seller_organisation_id: uuid.UUID, as_of: date) -> FeatureVector:
    """Compute and store: what the job that runs when a seller's data lands does."""
    vector = compute_features(session, seller_organisation_id, as_of)
    store_snapshot(session, seller_organisation_id, vector)
    return vector


def current_features(session: Session, seller_organisation_id: uuid.UUID, on: date) -> FeatureVector:
    """The seller's features as of ``on``: the snapshot stored for that day, else computed and
    stored now (so a day's decisions compute them once). Data uploaded during the day is dated
    that day or before; only rows dated before ``on`` count, and the job that runs when older rows
    land late refreshes the day's snapshot (``refresh_snapshot``)."""
    stored = latest_snapshot(session, seller_organisation_id, on_or_before=on)
    if stored is not None and stored.as_of == on:
        return stored
    return refresh_snapshot(session, seller_organisation_id, on)


def latest_snapshot(session: Session, seller_organisation_id: uuid.UUID, *, on_or_before: date | None = None,
                    version: str = FEATURES_VERSION) -> FeatureVector | None:
    """The seller's newest stored snapshot of ``version`` (dated on or before ``on_or_before``)."""
    snapshot = repository.latest_snapshot(session, seller_organisation_id, version, on_or_before)
    if snapshot is None:
        return None
    return _stored_vector(snapshot.seller_organisation_id, snapshot.as_of, snapshot.version,
                          snapshot.features, snapshot.lineage, snapshot.computed_at)


def day_snapshot_columns() -> tuple[ColumnElement[Any], ...]:
    """The seller's snapshot of one day, as columns for the decision's one query; bind
    ``day_snapshot_parameters`` and read the row with ``day_features``."""
    return repository.day_snapshot_columns()


def day_snapshot_parameters(seller_organisation_id: uuid.UUID, on: date) -> dict[str, Any]:
    return {repository.SNAPSHOT_SELLER: seller_organisation_id, repository.SNAPSHOT_DAY: on,
            repository.SNAPSHOT_VERSION: FEATURES_VERSION}


def day_features(session: Session, seller_organisation_id: uuid.UUID, on: date,
                 row: Mapping[str, Any]) -> FeatureVector:
    """``current_features`` for a caller that has read ``day_snapshot_columns``: the stored snapshot
    of the day, else computed and stored now."""
    if row["day_features"] is None:
        return refresh_snapshot(session, seller_organisation_id, on)
    return _stored_vector(seller_organisation_id, on, FEATURES_VERSION, row["day_features"],
                          row["day_lineage"], row["day_computed_at"])


def _stored_vector(seller_organisation_id: uuid.UUID, as_of: date, version: str, features: dict[str, Any],
                   lineage: dict[str, dict[str, list[str]]], computed_at: datetime) -> FeatureVector:
    values: dict[str, float | None] = features.get("values", {})
    missing: dict[str, str] = features.get("missing", {})
    ordered = _in_feature_order
    return FeatureVector(
        seller_organisation_id=seller_organisation_id, as_of=as_of,
        values={name: values[name] for name in ordered(values)},
        missing={name: missing[name] for name in ordered(missing)},
        lineage={name: lineage[name] for name in ordered(lineage)}, version=version, computed_at=computed_at)


def newest_values_per_seller(session: Session, version: str = FEATURES_VERSION
                             ) -> dict[uuid.UUID, dict[str, float | None]]:
    """Every seller's newest feature values of ``version``, in FEATURE_NAMES order (one query)."""
    newest = {}
    for seller, snapshot in repository.newest_snapshot_per_seller(session, version).items():
        values: dict[str, float | None] = snapshot.features.get("values", {})
        newest[seller] = {name: values[name] for name in _in_feature_order(values)}
    return newest


def _in_feature_order(names: Iterable[str]) -> list[str]:
    """JSONB keeps no key order: names in FEATURE_NAMES order, as computed (others after, by name)."""
    return sorted(names, key=lambda name: (_FEATURE_POSITIONS.get(name, len(_FEATURE_POSITIONS)), name))


# --- building a vector --------------------------------------------------------------------------

@dataclass(slots=True)
class _Builder:
    values: dict[str, float | None] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    figures: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    tables: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def read(self, feature: str, *, tables: Iterable[str] = (), figures: Iterable[str] = ()) -> None:
        self.tables[feature].update(tables)
        self.figures[feature].update(figures)

    def set(self, feature: str, value: Decimal) -> None:
        self.values[feature] = float(value.quantize(PLACES, rounding=ROUND_HALF_EVEN))
        self.missing.pop(feature, None)

    def lack(self, feature: str, reason: MissingReason) -> None:
        self.values[feature] = None
        self.missing[feature] = reason.value

    def vector(self, seller_organisation_id: uuid.UUID, as_of: date) -> FeatureVector:
        assert set(self.values) == set(FEATURE_NAMES), set(FEATURE_NAMES) ^ set(self.values)
        return FeatureVector(
            seller_organisation_id=seller_organisation_id, as_of=as_of,
            values={name: self.values[name] for name in FEATURE_NAMES},
            missing={name: self.missing[name] for name in FEATURE_NAMES if name in self.missing},
            lineage={name: {"figures": sorted(self.figures[name]), "tables": sorted(self.tables[name])}
                     for name in FEATURE_NAMES})


Cell = tuple[date, str]  # (month, currency)


class _Money:
    """The money features: whole months, in US dollars, with the figures they reproduce."""

    def __init__(self, inputs: trade.FeatureInputs, rates: dict[tuple[str, date], Decimal | None],
                 year: list[date], builder: _Builder) -> None:
        self.rates = rates
        self.year = year
        self.out = builder
        this_month = add_months(year[-1], 1)
        self.sums: dict[Cell, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        self.sales_by_market: dict[tuple[str, date, str], Decimal] = defaultdict(Decimal)
        for row in inputs.settlement_months:
            if row.month < this_month:
                self.sums[(row.month, row.currency)][row.kind] += row.amount
                if row.kind == SALE:
                    self.sales_by_market[(row.marketplace, row.month, row.currency)] += row.amount
        sales_months = [row.month for row in inputs.settlement_months
                        if row.kind in NET_SALES_KINDS and row.month < this_month]
        self.first_month = min(sales_months, default=None)
        self.figures = {(cell.transformation, cell.period_start, cell.currency): cell
                        for cell in inputs.figures}

    # --- conversion and lineage -----------------------------------------------------------------

    def usd(self, kinds: tuple[str, ...], months: Iterable[date]) -> Decimal | None:
        """The sum of ``kinds`` over ``months`` in US dollars; None when a rate is missing."""
        total = Decimal(0)
        for (month, currency), sums in self.sums.items():
            if month not in months:
                continue
            amount = sum((sums[kind] for kind in kinds if kind in sums), Decimal(0))
            if not amount:
                continue
            rate = self.rates.get((currency, month_end(month)))
            if rate is None:
                return None
            total += amount * rate
        return total

    def cite(self, feature: str, transformation: str, kinds: tuple[str, ...], months: Iterable[date]) -> None:
        """Cite the stored figures that reproduce the month sums used, else the lines themselves."""
        months = set(months)
        for (month, currency), sums in self.sums.items():
            if month not in months or not any(kind in sums for kind in kinds):
                continue
            if currency != CURRENCY:
                self.out.read(feature, tables=[RATES])
            figure = self.figures.get((transformation, month, currency))
            if figure is not None and figure.value == _figure_value(transformation, sums):
                self.out.read(feature, figures=[str(figure.figure_id)])
            else:
                self.out.read(feature, tables=[SETTLEMENT_LINES])

    def history(self, months: list[date]) -> list[date]:
        return [] if self.first_month is None else [month for month in months if month >= self.first_month]

    def monthly(self, months: list[date]) -> list[Decimal] | None:
        values = [self.usd(NET_SALES_KINDS, {month}) for month in months]
        known = [value for value in values if value is not None]
        return known if len(known) == len(values) else None

    # --- features ---------------------------------------------------------------------------------

    def sales_features(self) -> None:
        out = self.out
        for feature, months in (("monthly_sales_level", self.year[-LEVEL_MONTHS:]),
                                ("sales_growth", self.year[-2 * GROWTH_MONTHS:]),
                                ("sales_volatility", self.year), ("seasonality", self.year)):
            self.cite(feature, NET_SALES_FIGURE, NET_SALES_KINDS, months)
        if self.first_month is None:
            for feature in ("monthly_sales_level", "sales_growth", "sales_volatility", "seasonality"):
                out.read(feature, tables=[SETTLEMENT_LINES])
                out.lack(feature, MissingReason.NO_SALES_HISTORY)
            return
        level = self.monthly(self.history(self.year[-LEVEL_MONTHS:]))
        if level is None:
            out.lack("monthly_sales_level", MissingReason.FX_RATE_UNAVAILABLE)
        elif not level:
            out.lack("monthly_sales_level", MissingReason.NO_SALES_HISTORY)
        else:
            out.set("monthly_sales_level", sum(level, Decimal(0)) / len(level))
        self._growth()
        year = self.monthly(self.history(self.year))
        if year is None:
            out.lack("sales_volatility", MissingReason.FX_RATE_UNAVAILABLE)
            out.lack("seasonality", MissingReason.FX_RATE_UNAVAILABLE)
            return
        total = sum(year, Decimal(0))
        if len(year) < MIN_VOLATILITY_MONTHS:
            out.lack("sales_volatility", MissingReason.SHORT_SALES_HISTORY)
        elif total <= 0:
            out.lack("sales_volatility", MissingReason.NO_SALES)
        else:
            mean = total / len(year)
            variance = sum(((value - mean) ** 2 for value in year), Decimal(0)) / len(year)
            out.set("sales_volatility", variance.sqrt() / mean)
        if len(year) < YEAR_MONTHS:
            out.lack("seasonality", MissingReason.SHORT_SALES_HISTORY)
        elif total <= 0:
            out.lack("seasonality", MissingReason.NO_SALES)
        else:
            quarters: dict[int, Decimal] = defaultdict(Decimal)
            for month, value in zip(self.year, year, strict=True):
                quarters[(month.month - 1) // 3] += value
            out.set("seasonality", max(quarters.values()) / total)

    def _growth(self) -> None:
        out = self.out
        months = self.year[-2 * GROWTH_MONTHS:]
        assert self.first_month is not None
        if self.first_month > months[0]:
            out.lack("sales_growth", MissingReason.SHORT_SALES_HISTORY)
            return
        earlier, recent = self.usd(NET_SALES_KINDS, months[:GROWTH_MONTHS]), self.usd(
            NET_SALES_KINDS, months[GROWTH_MONTHS:])
        if earlier is None or recent is None:
            out.lack("sales_growth", MissingReason.FX_RATE_UNAVAILABLE)
        elif earlier <= 0:
            out.lack("sales_growth", MissingReason.NO_PRIOR_SALES)
        else:
            out.set("sales_growth", recent / earlier - 1)

    def ratio_features(self) -> None:
        """Refund rate, fee ratio, FX exposure and marketplace concentration: item sales of the
        last 12 whole months are the denominator of each."""
        out = self.out
        months = set(self.year)
        self.cite("refund_rate", REFUND_RATE_FIGURE, (SALE, REFUND), months)
        self.cite("fee_ratio", FEES_FIGURE, (FEE,), months)
        for feature in ("refund_rate", "fee_ratio", "fx_exposure", "marketplace_concentration"):
            out.read(feature, tables=[SETTLEMENT_LINES])
        sales = self.usd((SALE,), months)
        refunds, fees = self.usd((REFUND,), months), self.usd((FEE,), months)
        by_market: dict[str, Decimal] = defaultdict(Decimal)
        foreign = Decimal(0)
        convertible = True
        for (marketplace, month, currency), amount in self.sales_by_market.items():
            if month not in months:
                continue
            rate = self.rates.get((currency, month_end(month)))
            if rate is None:
                convertible = False
                break
            by_market[marketplace] += amount * rate
            if currency != CURRENCY:
                foreign += amount * rate
                out.read("fx_exposure", tables=[RATES])
                out.read("marketplace_concentration", tables=[RATES])
        features = ("refund_rate", "fee_ratio", "fx_exposure", "marketplace_concentration")
        if sales is None or refunds is None or fees is None or not convertible:
            for feature in features:
                out.lack(feature, MissingReason.FX_RATE_UNAVAILABLE)
            return
        if sales <= 0:
            reason = MissingReason.NO_SALES if self.first_month else MissingReason.NO_SALES_HISTORY
            for feature in features:
                out.lack(feature, reason)
            return
        out.set("refund_rate", -refunds / sales)
        out.set("fee_ratio", -fees / sales)
        out.set("fx_exposure", foreign / sales)
        positive = {market: max(amount, Decimal(0)) for market, amount in by_market.items()}
        market_total = sum(positive.values(), Decimal(0))
        out.set("marketplace_concentration",
                sum(((amount / market_total) ** 2 for amount in positive.values()), Decimal(0)))

    def customer_share(self, order_months: list[trade.OrderMonthRow]) -> None:
        """Business orders' share of order value, last 12 whole months (see the module's note)."""
        out = self.out
        out.read("top_customer_share", tables=[ORDERS])
        months = set(self.year)
        total = business = Decimal(0)
        for row in order_months:
            if row.month not in months:
                continue
            rate = self.rates.get((row.currency, month_end(row.month)))
            if rate is None:
                out.lack("top_customer_share", MissingReason.FX_RATE_UNAVAILABLE)
                return
            if row.currency != CURRENCY:
                out.read("top_customer_share", tables=[RATES])
            total += row.amount * rate
            if row.business:
                business += row.amount * rate
        if total <= 0:
            out.lack("top_customer_share", MissingReason.NO_ORDERS)
        else:
            out.set("top_customer_share", business / total)


def _figure_value(transformation: str, sums: dict[str, Decimal]) -> Decimal:
    """What the figure of a month and currency holds when it is up to date with these sums
    (the rules of tradedata.service.figures.TRANSFORMATIONS)."""
    if transformation == NET_SALES_FIGURE:
        return sum((sums.get(kind, Decimal(0)) for kind in NET_SALES_KINDS), Decimal(0))
    if transformation == FEES_FIGURE:
        return -sums.get(FEE, Decimal(0))
    sales = sums.get(SALE, Decimal(0))
    if not sales:
        return Decimal(0)
    return (-sums.get(REFUND, Decimal(0)) / sales).quantize(PLACES, rounding=ROUND_HALF_UP)


# --- event features ---------------------------------------------------------------------------------

def _event_features(inputs: trade.FeatureInputs, window: trade.FeatureWindow, out: _Builder) -> None:
    activity, shipments = inputs.activity, inputs.shipments
    _payout_regularity(inputs.payouts, window, out)

    out.read("on_time_delivery_rate", tables=["trade_tracking_events"])
    if shipments.parcels_decided:
        out.set("on_time_delivery_rate", Decimal(shipments.parcels_on_time) / shipments.parcels_decided)
    else:
        out.lack("on_time_delivery_rate", MissingReason.NO_TRACKED_DELIVERIES)

    if shipments.customs_decided:
        out.read("customs_hold_rate", tables=["trade_tracking_events"])
        out.set("customs_hold_rate", Decimal(shipments.customs_held) / shipments.customs_decided)
    elif activity.declarations:
        out.read("customs_hold_rate", tables=["trade_customs_declarations"])
        out.set("customs_hold_rate", Decimal(activity.declarations_held) / activity.declarations)
    else:
        out.read("customs_hold_rate", tables=["trade_tracking_events", "trade_customs_declarations"])
        out.lack("customs_hold_rate", MissingReason.NO_CUSTOMS_DATA)

    out.read("review_rating", tables=["trade_reviews"])
    out.read("review_trend", tables=["trade_reviews"])
    if activity.review_mean is None:
        out.lack("review_rating", MissingReason.NO_REVIEWS)
        out.lack("review_trend", MissingReason.NO_REVIEWS)
    else:
        out.set("review_rating", activity.review_mean)
        if (activity.recent_review_mean is None or activity.earlier_review_mean is None
                or min(activity.recent_review_count, activity.earlier_review_count) < MIN_REVIEWS):
            out.lack("review_trend", MissingReason.TOO_FEW_REVIEWS)
        else:
            out.set("review_trend", activity.recent_review_mean - activity.earlier_review_mean)

    out.read("return_rate", tables=["trade_returns", ORDERS])
    if activity.orders:
        out.set("return_rate", Decimal(activity.returns) / activity.orders)
    else:
        out.lack("return_rate", MissingReason.NO_ORDERS)

    out.lack("top_supplier_share", MissingReason.NO_SUPPLIER_DATA)
    _stock_features(activity, window, out)


def _payout_regularity(payouts: list[trade.PayoutCadenceRow], window: trade.FeatureWindow,
                       out: _Builder) -> None:
    out.read("payout_regularity", tables=["trade_settlements"])
    expected = received = 0
    for payout in payouts:
        # A store closed for a year is not a missed payout; one without a rhythm yet can't miss one.
        if payout.last_deposit_at < window.since or not payout.median_gap_days:
            continue
        covered = window.cutoff - max(window.recent_since, payout.first_deposit_at)
        due = int(Decimal(covered.total_seconds()) / 86400 / Decimal(repr(payout.median_gap_days)))
        if due >= 1:
            expected += due
            received += payout.deposits_since
    if expected:
        out.set("payout_regularity", min(Decimal(1), Decimal(received) / expected))
    else:
        out.lack("payout_regularity", MissingReason.NO_PAYOUT_HISTORY)


def _stock_features(activity: trade.TradeActivity, window: trade.FeatureWindow, out: _Builder) -> None:
    out.read("stock_turnover", tables=["trade_stock_snapshots", ORDERS, "trade_order_lines"])
    out.read("cash_conversion_cycle_days", tables=["trade_stock_snapshots", ORDERS, "trade_order_lines",
                                                   SETTLEMENT_LINES, "trade_settlements"])
    if not activity.stock_snapshots or not activity.average_on_hand or activity.average_on_hand <= 0:
        out.lack("stock_turnover", MissingReason.NO_STOCK_DATA)
        out.lack("cash_conversion_cycle_days", MissingReason.NO_STOCK_DATA)
        return
    if activity.first_order_at is None or not activity.stocked_units_sold:
        turnover = Decimal(0)
    else:
        # Units per year: a seller younger than the window is measured over its own life.
        covered = window.cutoff - max(window.since, activity.first_order_at)
        days = max(Decimal(covered.total_seconds()) / 86400, Decimal(1))
        turnover = Decimal(activity.stocked_units_sold) * EVENT_DAYS / days / activity.average_on_hand
    out.set("stock_turnover", turnover)
    if not turnover:
        out.lack("cash_conversion_cycle_days", MissingReason.NO_UNITS_SOLD)
    elif activity.receivable_days is None:
        out.lack("cash_conversion_cycle_days", MissingReason.NO_PAYOUT_HISTORY)
    else:
        out.set("cash_conversion_cycle_days", EVENT_DAYS / turnover + activity.receivable_days)


def _history_features(inputs: trade.FeatureInputs, as_of: date, cutoff: datetime, out: _Builder) -> None:
    activity = inputs.activity
    out.read("history_months", tables=[SETTLEMENT_LINES, ORDERS])
    months = {row.month for row in inputs.settlement_months if row.kind == SALE} | {
        row.month for row in inputs.order_months}
    out.set("history_months", Decimal(len(months)))

    out.read("tenure_months", tables=["trade_stores", ORDERS, SETTLEMENT_LINES])
    firsts = [moment.astimezone(UTC).date() for moment in (activity.first_order_at,
                                                           activity.first_settlement_line_at) if moment]
    if activity.first_store_on is not None:
        firsts.append(activity.first_store_on)
    if firsts:
        out.set("tenure_months", Decimal((as_of - min(firsts)).days) / DAYS_PER_MONTH)
    else:
        out.lack("tenure_months", MissingReason.NO_TRADE_DATA)

    out.read("months_since_last_data", tables=[
        SETTLEMENT_LINES, "trade_settlements", ORDERS, "trade_tracking_events", "trade_customs_declarations",
        "trade_returns", "trade_reviews", "trade_stock_snapshots"])
    if activity.newest_data_at is None:
        out.lack("months_since_last_data", MissingReason.NO_TRADE_DATA)
    else:
        idle = Decimal((cutoff - activity.newest_data_at).total_seconds()) / 86400
        out.set("months_since_last_data", max(Decimal(0), idle / DAYS_PER_MONTH))

