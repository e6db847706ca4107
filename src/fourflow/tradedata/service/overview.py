"""A seller's trade at a glance: month by month sales, refunds, fees, payouts, orders, on-time
delivery and customs holds, and the stock in each warehouse now.

Money is shown in one currency, the seller's main one (the currency most of their sale lines are
in; else their first store's), because a month's figures must add up to one bar and one KPI that a
seller and a lender read the same way. Other currencies are converted at the ECB reference rate of
the month's last day (the newest rate on or before it), which is how a month's trade is usually
translated for reporting; stock is valued at the rate of the overview's day. A currency without
any reference rate is left out of the totals and named in ``unconverted_currencies`` so the page
can say so rather than add apples to pears.

Definitions:
- sales: settlement lines of kind ``sale`` (item price paid by buyers), by posting month;
- refunds, fees: lines of kind ``refund`` / ``fee`` as positive amounts (fees net of fee refunds);
- payouts: settlement totals by the month they were deposited;
- orders: orders by purchase month, cancelled ones left out;
- on-time delivery: a shipment (carrier + tracking number) is on time when delivered within
  ``ON_TIME_DAYS`` days of its first tracking event; late when delivered later or still not
  delivered once that window has passed; a shipment still inside its window is open and not
  counted. The rate is by the month of the first event;
- customs holds: customs declarations held or under inspection, by declaration month (the
  customs authority's own word; a tracking scan "customs clearance started" is routine);
- stock: the newest snapshot of each warehouse + SKU, valued where the unit cost is known.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.errors import PermissionDenied, ValidationFailed
from fourflow.core.i18n import N_
from fourflow.core.money import minor_units
from fourflow.core.months import add_months, month_end
from fourflow.identity import service as identity
from fourflow.identity.principal import Principal
from fourflow.identity.roles import OrganisationKind
from fourflow.tradedata import repository
from fourflow.tradedata.service.rates import RateUnavailable, reference_rate
from fourflow.tradedata.service.sellers import NotASeller

ON_TIME_DAYS = 14  # cross-border parcels from China to EU/US buyers: two weeks is the promise
DEFAULT_CURRENCY = "USD"  # before any sale or store is known: the marketplaces' lingua franca
HOLD_STATUSES = ("held", "inspection")
MONEY_KINDS = ("sale", "refund", "fee")
PERCENT = Decimal("0.1")


class SellerRequired(ValidationFailed):
    code = "seller_required"
    message = N_("Choose a seller.")


@dataclass(frozen=True, slots=True)
class MonthFigures:
    month: date  # the first day of the month
    sales: Decimal
    refunds: Decimal
    fees: Decimal
    payouts: Decimal
    orders: int
    shipments_decided: int
    shipments_on_time: int
    customs_holds: int

    @property
    def on_time_rate(self) -> Decimal | None:
        """Per cent of decided shipments delivered on time; None when none was decided."""
        if not self.shipments_decided:
            return None
        return (Decimal(100) * self.shipments_on_time / self.shipments_decided).quantize(PERCENT)

    @property
    def refund_rate(self) -> Decimal | None:
        """Refunds as per cent of sales; None without sales."""
        if not self.sales:
            return None
        return (Decimal(100) * self.refunds / self.sales).quantize(PERCENT)


@dataclass(frozen=True, slots=True)
class WarehouseStock:
    warehouse: str
    skus: int
    on_hand: int
    pledged: int
    locked: int
    value: Decimal       # of the SKUs with a known unit cost, in the overview's currency
    units_without_cost: int
    as_of: date          # the newest snapshot among its SKUs


@dataclass(frozen=True, slots=True)
class SellerOverview:
    seller_organisation_id: uuid.UUID
    currency: str
    on_time_days: int
    months: list[MonthFigures]
    stock: list[WarehouseStock]
    unconverted_currencies: list[str]
    last_month_open: bool = True  # the window ends with the current month, still moving

    @property
    def has_data(self) -> bool:
        return bool(self.stock) or any(
            month.sales or month.refunds or month.fees or month.payouts or month.orders
            or month.shipments_decided or month.customs_holds for month in self.months)

    @property
    def last_complete_month(self) -> MonthFigures | None:
        """The latest month whose figures no longer move (not the current one)."""
        if not self.last_month_open:
            return self.months[-1]
        return self.months[-2] if len(self.months) >= 2 else None


def overview_target(session: Session, principal: Principal, seller_id: uuid.UUID | None) -> uuid.UUID:
    """Whose overview the caller reads: their own seller's; platform staff name a seller (and the
    read is audited, as every staff read across organisations is)."""
    if seller_id is None or seller_id == principal.organisation_id:
        if principal.organisation_kind is OrganisationKind.SELLER:
            return principal.organisation_id
        if principal.sees_all_organisations():
            raise SellerRequired(field="seller_id")
        raise NotASeller(field="seller_id", name=principal.organisation.name)
    if not principal.sees_all_organisations():
        raise PermissionDenied()
    organisation = identity.get_organisation(session, principal, seller_id)
    if organisation.kind != OrganisationKind.SELLER.value:
        raise NotASeller(field="seller_id", name=organisation.name)
    audit.record(session, principal.audit_context(), "tradedata:overview:viewed",
                 subject_type="organisation", subject_id=organisation.id, organisation_id=organisation.id)
    return organisation.id


def main_currency(session: Session, seller_organisation_id: uuid.UUID) -> str:
    used = repository.sale_currencies(session, seller_organisation_id)
    if used:
        return used[0][0]
    stores = repository.store_currencies(session, seller_organisation_id)
    return stores[0] if stores else DEFAULT_CURRENCY


def month_starts(until: date, months: int) -> list[date]:
    """The first days of the ``months`` calendar months ending with ``until``'s month."""
    year, month = until.year, until.month
    starts = []
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def latest_activity(session: Session, seller_organisation_id: uuid.UUID) -> date | None:
    """The newest day any of the seller's trade data speaks of (None: no data at all)."""
    return repository.latest_trade_day(session, seller_organisation_id)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class _Converter:
    """Converts into one currency at reference rates, remembering currencies it could not."""

    def __init__(self, session: Session, currency: str) -> None:
        self._session = session
        self.currency = currency
        self.unconverted: set[str] = set()
        self._rates: dict[tuple[str, date], Decimal | None] = {}

    def __call__(self, amount: Decimal, currency: str, on: date) -> Decimal:
        if currency == self.currency:
            return amount
        key = (currency, on)
        if key not in self._rates:
            try:
                self._rates[key] = reference_rate(self._session, currency, self.currency, on).rate
            except RateUnavailable:
                self._rates[key] = None
        rate = self._rates[key]
        if rate is None:
            self.unconverted.add(currency)
            return Decimal(0)
        return amount * rate

    def rounded(self, amount: Decimal) -> Decimal:
        return amount.quantize(Decimal(1).scaleb(-minor_units(self.currency)), rounding=ROUND_HALF_EVEN)


def seller_overview(session: Session, seller_organisation_id: uuid.UUID, months: int = 12,
                    until: date | None = None) -> SellerOverview:
    """The ``months`` calendar months ending with ``until``'s (today's by default), oldest first."""
    today = until or get_clock().now().date()
    starts = month_starts(today, months)
    start, end = _midnight(starts[0]), _midnight(add_months(starts[-1], 1))
    convert = _Converter(session, main_currency(session, seller_organisation_id))
    money: dict[tuple[date, str], Decimal] = defaultdict(Decimal)

    def rate_day(month: date) -> date:
        return min(month_end(month), today)

    for month, kind, currency, total in repository.monthly_settlement_lines(
            session, seller_organisation_id, start, end, MONEY_KINDS):
        # Refunds and fees are stored as the money they take away (negative); shown as positive.
        signed = total if kind == "sale" else -total
        money[(month, kind)] += convert(signed, currency, rate_day(month))
    for month, currency, total in repository.monthly_payouts(session, seller_organisation_id, start, end):
        money[(month, "payout")] += convert(total, currency, rate_day(month))
    orders = dict(repository.monthly_orders(session, seller_organisation_id, start, end))
    deliveries = {month: (decided, on_time) for month, decided, on_time in repository.monthly_deliveries(
        session, seller_organisation_id, start, end, on_time_days=ON_TIME_DAYS,
        as_of=min(end, get_clock().now()))}
    holds = dict(repository.monthly_customs_holds(session, seller_organisation_id, start, end,
                                                  HOLD_STATUSES))
    figures = [MonthFigures(
        month=month, sales=convert.rounded(money[(month, "sale")]),
        refunds=convert.rounded(money[(month, "refund")]), fees=convert.rounded(money[(month, "fee")]),
        payouts=convert.rounded(money[(month, "payout")]), orders=orders.get(month, 0),
        shipments_decided=deliveries.get(month, (0, 0))[0],
        shipments_on_time=deliveries.get(month, (0, 0))[1], customs_holds=holds.get(month, 0))
        for month in starts]
    stock = _stock(session, seller_organisation_id, today, convert)
    clock_today = get_clock().now().date()
    return SellerOverview(seller_organisation_id, convert.currency, ON_TIME_DAYS, figures, stock,
                          sorted(convert.unconverted),
                          last_month_open=starts[-1] <= clock_today < add_months(starts[-1], 1))


def _stock(session: Session, seller_organisation_id: uuid.UUID, today: date,
           convert: _Converter) -> list[WarehouseStock]:
    by_warehouse: dict[str, list[repository.StockRow]] = defaultdict(list)
    for row in repository.latest_stock(session, seller_organisation_id, today):
        by_warehouse[row.warehouse].append(row)
    stock = []
    for warehouse, rows in sorted(by_warehouse.items()):
        value = Decimal(0)
        without_cost = 0
        for row in rows:
            if row.unit_cost is None or row.unit_cost_currency is None:
                without_cost += row.on_hand
            else:
                value += convert(row.unit_cost * row.on_hand, row.unit_cost_currency, today)
        stock.append(WarehouseStock(
            warehouse=warehouse, skus=len(rows), on_hand=sum(row.on_hand for row in rows),
            pledged=sum(row.pledged for row in rows), locked=sum(row.locked for row in rows),
            value=convert.rounded(value), units_without_cost=without_cost,
            as_of=max(row.snapshot_date for row in rows)))
    return stock
