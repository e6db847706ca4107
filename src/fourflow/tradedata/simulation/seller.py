"""One seller's trade over the simulated months, written as the files its marketplaces, carriers,
warehouses and customs broker would give it: Amazon all-orders reports and V2 settlement files,
Shopify orders and payouts, AfterShip tracking, the FBA inventory report, 3PL movements and
customs export declarations, and returns and reviews through the push API's JSON batch.

The story, day by day: orders arrive at a rate set by the seller's base size, its trend
(growth, decline, collapse, the deterioration of a seller who will default) and the calendar
(Q4, Black Friday to Cyber Monday, Prime Day, Singles' Day); some are refunded weeks later;
marketplaces settle every 14 days net of fees; stock sails from China each month to the
overseas warehouses, clears customs (sometimes held) and is sold down.

Deterministic: one ``random.Random`` per seller, seeded from the world's seed and the slug.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from fourflow.core.money import Money
from fourflow.core.months import add_months
from fourflow.tradedata.connectors.push.batch import PushBatch, PushReturn, PushReview
from fourflow.tradedata.records import (
    BuyerPersonalData,
    CustomsDeclaration,
    Order,
    OrderLine,
    Settlement,
    SettlementLine,
    SettlementLineKind,
    ShipmentStatus,
    StockMovement,
    StockMovementKind,
    StockSnapshot,
    TrackingEvent,
)
from fourflow.tradedata.simulation.catalogue import (
    FULFILMENT_FEES,
    GIVEN_NAMES,
    MARKETPLACES,
    REFERRAL_FEE_RATE,
    REFUND_ADMINISTRATION_RATE,
    SHOPIFY_CARD_FIXED,
    SHOPIFY_CARD_RATE,
    SUBSCRIPTION_FEES,
    SURNAMES,
    Marketplace,
)
from fourflow.tradedata.simulation.world import (
    DETERIORATION_MONTHS,
    SETTLEMENT_PERIOD_DAYS,
    CircularOrder,
    Personality,
    SellerPlan,
    World,
    amazon_settlement_id,
    month_text,
)
from fourflow.tradedata.simulation.writers.amazon import (
    write_amazon_orders,
    write_amazon_settlement_v2,
)
from fourflow.tradedata.simulation.writers.logistics import (
    write_customs_json,
    write_tracking_json,
    write_warehouse_movements_json,
    write_warehouse_stock_csv,
)
from fourflow.tradedata.simulation.writers.shopify import (
    write_shopify_orders_csv,
    write_shopify_orders_json,
    write_shopify_payout_transactions_csv,
    write_shopify_payouts_json,
    write_shopify_transactions_json,
)

CENT = Decimal("0.01")
EU_STYLE_MARKETPLACES = frozenset({"amazon.de", "amazon.co.uk"})
# Relative order volume by calendar month: a January lull, the summer, the Q4 peak.
MONTH_FACTORS = {1: 0.85, 2: 0.85, 3: 0.95, 4: 0.95, 5: 1.0, 6: 1.0, 7: 1.05, 8: 1.0, 9: 1.0,
                 10: 1.1, 11: 1.45, 12: 1.7}
BUYER_PLACES = {
    "US": (("Seattle", "WA", "98109"), ("Austin", "TX", "78701"), ("Columbus", "OH", "43215"),
           ("Denver", "CO", "80202"), ("Miami", "FL", "33131"), ("Brooklyn", "NY", "11201")),
    "DE": (("Berlin", "", "10115"), ("München", "", "80331"), ("Köln", "", "50667"),
           ("Hamburg", "", "20095")),
    "GB": (("London", "", "SW1A 1AA"), ("Manchester", "", "M1 1AE"), ("Leeds", "", "LS1 4AP")),
}
OCEAN_CARRIER = "maersk"
PARCEL_CARRIER = "usps"


@dataclass(frozen=True, slots=True)
class WorldFile:
    """One file as a seller would upload it; ``warehouse`` and ``as_of`` are the upload options
    a stock report needs (it names neither)."""

    seller: str
    format: str
    filename: str
    content: bytes
    warehouse: str | None = None
    as_of: date | None = None


@dataclass(slots=True)
class _Sale:
    order: Order
    shipped_at: datetime
    refunded_at: datetime | None
    warehouse: str
    circular: bool = False


@dataclass(slots=True)
class _Shipment:
    """Sea freight from China to one overseas warehouse."""

    tracking_number: str
    warehouse: str
    market: Marketplace
    booked_at: datetime
    units: dict[str, int]
    events: list[TrackingEvent] = field(default_factory=list)
    arrived_at: datetime | None = None
    released: bool = True


@dataclass(frozen=True, slots=True)
class _Product:
    sku: str
    title: str
    price_usd: Decimal
    unit_cost_usd: Decimal
    weight: float


class SellerSimulation:
    """Simulates one seller; ``files()`` yields its files in the order they would be loaded."""

    def __init__(self, world: World, plan: SellerPlan, *, months_per_file: int = 1) -> None:
        self.world = world
        self.months_per_file = max(1, months_per_file)
        self.plan = plan
        self.rng = random.Random(f"fourflow-trade:{world.seed}:{plan.slug}")
        self.start = world.start_at
        self.end = world.end_at
        self.markets = [MARKETPLACES[name] for name in plan.marketplaces]
        self.products = self._products()
        self.month_factor = [self._trend(index) for index in range(world.months)]
        self.sales: dict[str, list[_Sale]] = {market.name: [] for market in self.markets}
        self.shipments: list[_Shipment] = []
        self.parcels: list[TrackingEvent] = []
        self.snapshots: dict[str, list[StockSnapshot]] = defaultdict(list)
        self.movements: dict[str, list[StockMovement]] = defaultdict(list)
        self._order_counter = 0
        self._simulate()

    # --- who sells what ---------------------------------------------------------------------

    def _products(self) -> list[_Product]:
        category = self.plan.category
        titles = self.rng.sample(category.products, 4)
        prefix = "".join(part[0] for part in self.plan.slug.split("-")).upper()[:3]
        low, high = category.price_range
        products = []
        for position, title in enumerate(titles, start=1):
            price = Decimal(self.rng.randint(int(low), int(high))) + Decimal("0.99")
            products.append(_Product(
                sku=f"{prefix}-{category.key[:3].upper()}-{position:03d}", title=title,
                price_usd=price, unit_cost_usd=(price * Decimal("0.32")).quantize(CENT),
                weight=self.rng.uniform(0.5, 2.0)))
        return products

    def _trend(self, month: int) -> float:
        """The month's sales level relative to the seller's base."""
        plan = self.plan
        level = (1 + plan.growth_rate) ** month
        if plan.collapse_month is not None and month >= plan.collapse_month:
            level *= 0.35 if month == plan.collapse_month else 0.12
        if plan.default_month is not None:
            start = max(0, self.world.months - DETERIORATION_MONTHS)
            if month >= start:
                level *= 0.86 ** (month - start + 1)
        return level * self.rng.uniform(0.93, 1.07)

    def _deterioration(self, month: int) -> float:
        """0 in normal times; rises towards 1 over the last months of a seller who will default."""
        if self.plan.default_month is None:
            return 0.0
        start = max(0, self.world.months - DETERIORATION_MONTHS)
        return 0.0 if month < start else (month - start + 1) / DETERIORATION_MONTHS

    def _season(self, day: date, market: Marketplace) -> float:
        factor = MONTH_FACTORS[day.month]
        weight = float(self.plan.category.q4_weight)
        if self.plan.personality is Personality.SEASONAL:
            weight *= 2
        factor = 1 + (factor - 1) * weight
        if market.name.startswith("amazon") and _is_prime_day(day):
            factor *= 3.0
        if day.month == 11 and day.day == 11:
            factor *= 1.8  # Singles' Day: Chinese sellers run their deepest discounts
        if _is_black_friday_week(day):
            factor *= 2.0
        return max(factor, 0.2)

    # --- the simulation ---------------------------------------------------------------------

    def _simulate(self) -> None:
        stock: dict[tuple[str, str], int] = {}
        for market in self.markets:
            for product in self.products:
                stock[(market.warehouse, product.sku)] = max(20, int(self._expected_units(market, product, 0)
                                                                     * 2))
        self._opening_stock = dict(stock)
        total_share = sum(float(market.share) for market in self.markets)
        day = self.start.date()
        sold: dict[tuple[str, str], int] = defaultdict(int)
        while day < self.end.date():
            month = _months_between(self.world.first_month, day)
            if day.day == 4:
                self._ship_stock(day, month, stock, sold)
            for shipment in self.shipments:
                if shipment.arrived_at is not None and shipment.arrived_at.date() == day:
                    for sku, units in shipment.units.items():
                        stock[(shipment.warehouse, sku)] = stock.get((shipment.warehouse, sku), 0) + units
                    if shipment.market.name == "shopify":
                        self._movements_in(shipment)
            for market in self.markets:
                rate = (self.plan.base_daily_orders * self.month_factor[month]
                        * self._season(day, market) * float(market.share) / total_share)
                for _ in range(_poisson(self.rng, rate)):
                    sale = self._sale(market, day, month)
                    self.sales[market.name].append(sale)
                    for line in sale.order.lines:
                        key = (market.warehouse, line.sku or "")
                        stock[key] = max(0, stock.get(key, 0) - line.quantity)
                        sold[key] += line.quantity
            if day.weekday() == 6:
                self._movements_out(day, sold)
            next_day = day + timedelta(days=1)
            if next_day.day == 1:
                self._snapshot(day, stock)
            day = next_day
        for circular in self.plan.circular_sales:
            self.sales["shopify"].append(self._circular_sale(circular))

    def _expected_units(self, market: Marketplace, product: _Product, month: int) -> float:
        total_share = sum(float(each.share) for each in self.markets)
        per_day = self.plan.base_daily_orders * float(market.share) / total_share
        return per_day * 30 * product.weight / sum(each.weight for each in self.products) * 1.2 \
            * (self.month_factor[month] if month < len(self.month_factor) else 1.0)

    def _sale(self, market: Marketplace, day: date, month: int) -> _Sale:
        rng = self.rng
        purchased_at = datetime.combine(day, time(rng.randint(0, 23), rng.randint(0, 59),
                                                  rng.randint(0, 59)), UTC)
        lines = []
        count = 1 if rng.random() < 0.82 else 2
        chosen = rng.choices(self.products, weights=[product.weight for product in self.products], k=count)
        seen: set[str] = set()
        for product in chosen:
            if product.sku in seen:
                continue
            seen.add(product.sku)
            quantity = 1 if rng.random() < 0.85 else rng.randint(2, 3)
            unit = _local_price(product.price_usd, market)
            lines.append((product, quantity, unit))
        self._order_counter += 1
        refund_rate = float(self.plan.category.refund_rate) + 0.14 * self._deterioration(month)
        refunded_at = None
        if rng.random() < refund_rate:
            refunded_at = purchased_at + timedelta(days=rng.randint(6, 30), hours=rng.randint(0, 23))
        shipped_at = purchased_at + timedelta(hours=rng.randint(6, 40))
        total = sum((unit * quantity for _product, quantity, unit in lines), Decimal(0))
        if market.name == "shopify":
            order_id = str(5_500_000_000_000 + self.plan.index * 10_000_000 + self._order_counter)
            order_lines = tuple(OrderLine(
                line_key=str(13_000_000_000_000 + self.plan.index * 10_000_000 + self._order_counter * 4
                             + position),
                sku=product.sku, title=product.title, quantity=quantity,
                item_price=Money(unit * quantity, market.currency))
                for position, (product, quantity, unit) in enumerate(lines))
            name = f"{rng.choice(GIVEN_NAMES)} {rng.choice(SURNAMES)}" if rng.random() < 0.2 else \
                f"{rng.choice(_WESTERN_GIVEN)} {rng.choice(_WESTERN_FAMILY)}"
            city, state, postal_code = rng.choice(BUYER_PLACES["US"])
            buyer = BuyerPersonalData(
                name=name, email=f"{name.lower().replace(' ', '.')}{rng.randint(1, 999)}@example.com",
                phone=f"+1 {rng.randint(201, 989)} 555 {rng.randint(1000, 9999)}",
                address=f"{rng.randint(1, 9999)} {rng.choice(_US_STREETS)}, {city}, {state} {postal_code}")
            status = ("refunded" if refunded_at is not None and refunded_at < self.end else "paid") \
                + "/fulfilled"
            order = Order(marketplace="shopify", order_id=order_id, purchased_at=purchased_at,
                          status=status, currency=market.currency,
                          total=Money(total, market.currency), ship_country="US",
                          sales_channel="web", buyer=buyer, lines=order_lines, line=0)
            if shipped_at < self.end:
                self._parcel(order, shipped_at, month)
        else:
            prefix = {"amazon.com": "11", "amazon.de": "30", "amazon.co.uk": "20"}[market.name]
            order_id = (f"{prefix}{rng.randint(1, 9)}-{rng.randint(1_000_000, 9_999_999)}-"
                        f"{rng.randint(1_000_000, 9_999_999)}")
            order_lines = tuple(OrderLine(line_key=f"{product.sku}#1", sku=product.sku,
                                          title=product.title, quantity=quantity,
                                          item_price=Money(unit * quantity, market.currency))
                                for product, quantity, unit in lines)
            city, state, postal_code = rng.choice(BUYER_PLACES[market.country])
            address = ", ".join(part for part in (city, state, postal_code) if part)
            order = Order(marketplace=market.name, order_id=order_id, purchased_at=purchased_at,
                          # Amazon prices an order once it is paid; it ships within two days.
                          status="Shipped" if shipped_at < self.end else "Unshipped",
                          currency=market.currency, total=Money(total, market.currency),
                          ship_country=market.country, sales_channel=_amazon_name(market.name),
                          buyer=BuyerPersonalData(address=address), lines=order_lines, line=0)
        return _Sale(order, shipped_at, refunded_at, market.warehouse)

    def _circular_sale(self, circular: CircularOrder) -> _Sale:
        buyer_plan = next(plan for plan in self.world.plans if plan.slug == circular.buyer)
        month_start = self.world.month_start(circular.month_index)
        purchased_at = datetime.combine(month_start + timedelta(days=14), time(3, 15), UTC)
        product = self.products[0]
        quantity = 500
        order = Order(
            marketplace="shopify", order_id=circular.order_id, purchased_at=purchased_at,
            status="paid/fulfilled", currency="USD", total=Money(circular.amount, "USD"),
            ship_country="CN", sales_channel="draft_order",
            buyer=BuyerPersonalData(name=buyer_plan.name, email=f"owner@{buyer_plan.slug}.demo",
                                    phone=buyer_plan.registry.phone,
                                    address=buyer_plan.registry.registered_address),
            lines=(OrderLine(line_key=str(int(circular.order_id) + 1), sku=f"B2B-{product.sku}",
                             title=f"{product.title} (wholesale lot)", quantity=quantity,
                             item_price=Money(circular.amount, "USD")),),
            line=0)
        return _Sale(order, purchased_at + timedelta(days=2), None, MARKETPLACES["shopify"].warehouse,
                     circular=True)

    # --- logistics --------------------------------------------------------------------------

    def _parcel(self, order: Order, shipped_at: datetime, month: int) -> None:
        rng = self.rng
        number = f"9400{int(order.order_id) % 10 ** 18:018d}"
        delay = rng.randint(3, 8) if rng.random() < 0.08 + 0.2 * self._deterioration(month) else 0
        steps: list[tuple[datetime, ShipmentStatus, str, str | None, str]] = [
            (shipped_at, ShipmentStatus.INFO_RECEIVED, "InfoReceived_001", "Los Angeles, CA",
             "Shipping label created"),
            (shipped_at + timedelta(hours=rng.randint(8, 20)), ShipmentStatus.IN_TRANSIT,
             "InTransit_002", "Los Angeles, CA", "Accepted at USPS origin facility")]
        out_at = steps[-1][0] + timedelta(days=rng.randint(2, 4) + delay, hours=rng.randint(0, 6))
        if delay:
            steps.append((steps[-1][0] + timedelta(days=2), ShipmentStatus.IN_TRANSIT, "InTransit_007",
                          "Regional facility", "Delayed: in transit, arriving late"))
        steps.append((out_at, ShipmentStatus.OUT_FOR_DELIVERY, "OutForDelivery_001", None,
                      "Out for delivery"))
        steps.append((out_at + timedelta(hours=rng.randint(2, 9)), ShipmentStatus.DELIVERED,
                      "Delivered_001", None, "Delivered, in/at mailbox"))
        for at, status, code, location, message in steps:
            if at < self.end:
                self.parcels.append(TrackingEvent(
                    carrier=PARCEL_CARRIER, tracking_number=number, status=status, carrier_status=code,
                    event_at=at, location=location, message=message, order_id=order.order_id,
                    warehouse=None, line=0))

    def _ship_stock(self, day: date, month: int, stock: dict[tuple[str, str], int],
                    sold: dict[tuple[str, str], int]) -> None:
        """Once a month a container leaves for each warehouse, topping it up to about two and a
        half months of the coming sales."""
        rng = self.rng
        for market in self.markets:
            units: dict[str, int] = {}
            for product in self.products:
                expected = self._expected_units(market, product, min(month + 1, self.world.months - 1))
                target = int(expected * 2.5)
                have = stock.get((market.warehouse, product.sku), 0) + sum(
                    shipment.units.get(product.sku, 0) for shipment in self.shipments
                    if shipment.warehouse == market.warehouse
                    and (shipment.arrived_at is None or shipment.arrived_at.date() > day))
                if target - have >= 10:
                    units[product.sku] = target - have
            if not units:
                continue
            booked_at = datetime.combine(day, time(rng.randint(1, 9), 0), UTC)
            number = f"MAEU{rng.randint(100_000_000, 999_999_999)}"
            shipment = _Shipment(number, market.warehouse, market, booked_at, units)
            self._sail(shipment, month)
            self.shipments.append(shipment)

    def _sail(self, shipment: _Shipment, month: int) -> None:
        rng = self.rng
        city = self.plan.city
        held = rng.random() < 0.06 + 0.35 * self._deterioration(month)
        departed = shipment.booked_at + timedelta(days=rng.randint(2, 5))
        berthed = departed + timedelta(days=rng.randint(20, 30) + (rng.randint(2, 9) if rng.random() < 0.15
                                                                   else 0))
        clearance = berthed + timedelta(hours=rng.randint(10, 40))
        steps: list[tuple[datetime, ShipmentStatus, str, str | None, str]] = [
            (shipment.booked_at, ShipmentStatus.INFO_RECEIVED, "InfoReceived_001", f"{city.english}, CN",
             "Booking confirmed"),
            (departed, ShipmentStatus.IN_TRANSIT, "InTransit_002", city.port, "Vessel departed"),
            (berthed, ShipmentStatus.IN_TRANSIT, "InTransit_003", shipment.market.port_of_discharge,
             "Vessel arrived at port of discharge"),
            (clearance, ShipmentStatus.CUSTOMS_HOLD, "InTransit_006", shipment.market.port_of_discharge,
             "Customs clearance started"),
        ]
        released = clearance + timedelta(days=rng.randint(1, 3))
        if held:
            steps.append((clearance + timedelta(days=1), ShipmentStatus.CUSTOMS_HOLD, "Exception_004",
                          shipment.market.port_of_discharge, "Held by customs for inspection"))
            released += timedelta(days=rng.randint(8, 25))
        steps.append((released, ShipmentStatus.IN_TRANSIT, "InTransit_001",
                      shipment.market.port_of_discharge, "Released by customs"))
        arrived = released + timedelta(days=rng.randint(2, 5))
        steps.append((arrived, ShipmentStatus.ARRIVED_AT_WAREHOUSE, "Delivered_001", shipment.warehouse,
                      "Received at warehouse"))
        for at, status, code, location, message in steps:
            if at < self.end:
                shipment.events.append(TrackingEvent(
                    carrier=OCEAN_CARRIER, tracking_number=shipment.tracking_number, status=status,
                    carrier_status=code, event_at=at, location=location, message=message, order_id=None,
                    warehouse=shipment.warehouse if status is ShipmentStatus.ARRIVED_AT_WAREHOUSE else None,
                    line=0))
        shipment.released = released < self.end
        # Not there by the end of the world: in transit, never stock.
        shipment.arrived_at = arrived if arrived < self.end else None

    def _movements_in(self, shipment: _Shipment) -> None:
        assert shipment.arrived_at is not None
        for sku, units in sorted(shipment.units.items()):
            self.movements[shipment.warehouse].append(StockMovement(
                warehouse=shipment.warehouse, movement_id=f"IN-{shipment.tracking_number}-{sku}", sku=sku,
                kind=StockMovementKind.INBOUND, quantity=units, moved_at=shipment.arrived_at,
                reference=shipment.tracking_number, line=0))

    def _movements_out(self, day: date, sold: dict[tuple[str, str], int]) -> None:
        """The 3PL reports picks as one outbound movement per SKU and week."""
        shopify = MARKETPLACES["shopify"]
        week = day.isocalendar()
        for (warehouse, sku), units in sorted(sold.items()):
            if warehouse != shopify.warehouse or units <= 0:
                continue
            self.movements[warehouse].append(StockMovement(
                warehouse=warehouse, movement_id=f"OUT-{week.year}W{week.week:02d}-{sku}", sku=sku,
                kind=StockMovementKind.OUTBOUND, quantity=units,
                moved_at=datetime.combine(day, time(22, 0), UTC),
                reference=f"shopify orders {week.year}-W{week.week:02d}", line=0))
        for key in [key for key in sold if key[0] == shopify.warehouse]:
            sold[key] = 0

    def _snapshot(self, day: date, stock: dict[tuple[str, str], int]) -> None:
        for market in self.markets:
            if not market.name.startswith("amazon"):
                continue
            for product in self.products:
                self.snapshots[market.warehouse].append(StockSnapshot(
                    warehouse=market.warehouse, sku=product.sku, snapshot_date=day,
                    on_hand=stock.get((market.warehouse, product.sku), 0), pledged=0, locked=0,
                    unit_cost=None, line=0))

    # --- settlements ------------------------------------------------------------------------

    def _periods(self) -> list[tuple[datetime, datetime]]:
        periods = []
        start = self.start
        while start + timedelta(days=SETTLEMENT_PERIOD_DAYS) <= self.end:
            periods.append((start, start + timedelta(days=SETTLEMENT_PERIOD_DAYS)))
            start += timedelta(days=SETTLEMENT_PERIOD_DAYS)
        return periods

    def _amazon_settlements(self, market: Marketplace) -> Iterator[tuple[Settlement, list[SettlementLine]]]:
        currency = market.currency
        periods = self._periods()
        lines_by_period: dict[int, list[SettlementLine]] = defaultdict(list)

        settlement_ids = [amazon_settlement_id(self.world.seed, self.plan.slug, market.name, index)
                          for index in range(len(periods))]

        def add(at: datetime, transaction_type: str, description: str, amount: Decimal,
                order_id: str | None = None, sku: str | None = None, quantity: int | None = None) -> None:
            index = (at - self.start).days // SETTLEMENT_PERIOD_DAYS
            if index >= len(periods) or at < self.start:
                return  # still in the open settlement when the world ends
            lines_by_period[index].append(SettlementLine(
                marketplace=market.name, settlement_id=settlement_ids[index], source_key="",
                kind=SettlementLineKind.OTHER, transaction_type=transaction_type, description=description,
                amount=Money(amount.quantize(CENT), currency), posted_at=at, order_id=order_id, sku=sku,
                quantity=quantity, line=0))

        for sale in self.sales[market.name]:
            order = sale.order
            if sale.shipped_at >= self.end:
                continue  # not shipped yet, so not charged yet
            for line in order.lines:
                price = line.item_price.amount
                commission = (price * REFERRAL_FEE_RATE).quantize(CENT)
                add(sale.shipped_at, "Order", "ItemPrice/Principal", price, order.order_id, line.sku,
                    line.quantity)
                add(sale.shipped_at, "Order", "ItemFees/Commission", -commission, order.order_id, line.sku,
                    line.quantity)
                add(sale.shipped_at, "Order", "ItemFees/FBAPerUnitFulfillmentFee",
                    -FULFILMENT_FEES[currency] * line.quantity, order.order_id, line.sku, line.quantity)
                if sale.refunded_at is not None:
                    add(sale.refunded_at, "Refund", "ItemPrice/Principal", -price, order.order_id, line.sku,
                        line.quantity)
                    add(sale.refunded_at, "Refund", "ItemFees/Commission", commission, order.order_id,
                        line.sku, line.quantity)
                    add(sale.refunded_at, "Refund", "ItemFees/RefundCommission",
                        -min(Decimal(5), (commission * REFUND_ADMINISTRATION_RATE).quantize(CENT)),
                        order.order_id, line.sku, line.quantity)
        month = self.world.first_month
        while month < self.world.end_month:
            first = datetime.combine(month, time(8, 0), UTC)
            add(first, "other-transaction", "other-transaction/Subscription Fee",
                -SUBSCRIPTION_FEES[currency])
            units = sum(snapshot.on_hand for snapshot in self.snapshots[market.warehouse]
                        if snapshot.snapshot_date == month - timedelta(days=1))
            if units:
                add(first + timedelta(days=6), "other-transaction", "other-transaction/Storage Fee",
                    -(Decimal(units) * Decimal("0.045")))
            month = add_months(month, 1)
        advertising_rate = Decimal(self.rng.randint(5, 12)) / 100
        for index, (_start, end) in enumerate(periods):
            sales = sum((line.amount.amount for line in lines_by_period[index]
                         if line.description == "ItemPrice/Principal" and line.transaction_type == "Order"),
                        Decimal(0))
            if sales:
                add(end - timedelta(hours=2), "ServiceFee", "Cost of Advertising/TransactionTotalAmount",
                    -(sales * advertising_rate))
        defect = self.plan.quality_defect
        for index, (start, end) in enumerate(periods):
            settlement_id = settlement_ids[index]
            lines = sorted(lines_by_period[index], key=lambda line: (line.posted_at or start,
                                                                     line.order_id or ""))
            total = sum((line.amount.amount for line in lines), Decimal(0))
            if defect is not None and defect.marketplace == market.name and defect.settlement_index == index:
                total += defect.difference
            yield Settlement(marketplace=market.name, settlement_id=settlement_id,
                             total=Money(total, currency), period_start=start, period_end=end,
                             deposit_date=end + timedelta(days=1), status=None, line=0), lines

    def _shopify_payouts(self) -> Iterator[tuple[Settlement, list[SettlementLine]]]:
        periods = self._periods()
        lines_by_period: dict[int, list[SettlementLine]] = defaultdict(list)
        counter = 0

        def add(at: datetime, transaction_type: str, amount: Decimal, fee: Decimal, order_id: str) -> None:
            nonlocal counter
            counter += 1
            index = (at - self.start).days // SETTLEMENT_PERIOD_DAYS
            if index >= len(periods):
                return
            key = str(2_100_000_000_000 + self.plan.index * 10_000_000 + counter)
            lines_by_period[index].append(SettlementLine(
                marketplace="shopify", settlement_id="", source_key=key, kind=SettlementLineKind.SALE,
                transaction_type=transaction_type, description="card", amount=Money(amount, "USD"),
                posted_at=at, order_id=order_id, sku=None, quantity=None, line=0))
            if fee:
                lines_by_period[index].append(SettlementLine(
                    marketplace="shopify", settlement_id="", source_key=key + ":fee",
                    kind=SettlementLineKind.FEE, transaction_type=transaction_type, description="fee",
                    amount=Money(-fee, "USD"), posted_at=at, order_id=order_id, sku=None, quantity=None,
                    line=0))

        for sale in sorted(self.sales["shopify"], key=lambda sale: sale.order.purchased_at):
            order = sale.order
            assert order.total is not None
            total = order.total.amount
            fee = (total * SHOPIFY_CARD_RATE + SHOPIFY_CARD_FIXED).quantize(CENT, ROUND_HALF_EVEN)
            add(order.purchased_at, "charge", total, fee, order.order_id)
            if sale.refunded_at is not None:
                add(sale.refunded_at, "refund", -total, Decimal(0), order.order_id)
        for index, (_start, end) in enumerate(periods):
            payout_id = str(90_000_000 + self.plan.index * 10_000 + index)
            lines = [_in_settlement(line, payout_id) for line in sorted(
                lines_by_period[index], key=lambda line: (line.posted_at or end, line.source_key))]
            if not lines:
                continue
            total = sum((line.amount.amount for line in lines), Decimal(0))
            yield Settlement(marketplace="shopify", settlement_id=payout_id, total=Money(total, "USD"),
                             period_start=None, period_end=None, deposit_date=end, status="paid",
                             line=0), lines

    def _customs(self) -> list[CustomsDeclaration]:
        declarations: list[CustomsDeclaration] = []
        costs = {product.sku: product.unit_cost_usd for product in self.products}
        for shipment in self.shipments:
            value = sum((costs[sku] * units for sku, units in shipment.units.items()), Decimal(0))
            declared_at = shipment.booked_at + timedelta(days=1)
            if declared_at >= self.end:
                continue
            status = "released" if shipment.released else (
                "held" if any(event.carrier_status == "Exception_004" for event in shipment.events)
                else "accepted")
            declarations.append(CustomsDeclaration(
                declaration_id=f"{shipment.booked_at:%y}{self.plan.index:04d}{shipment.tracking_number[4:]}"
                               f"{len(declarations):03d}",
                declared_at=declared_at, status=status, hs_code=self.plan.category.hs_code,
                description=f"{self.plan.category.english}: "
                            + ", ".join(sorted({p.title for p in self.products if p.sku in shipment.units})),
                quantity=Decimal(sum(shipment.units.values())), unit="pcs",
                declared_value=Money(value, "USD"), origin_country="CN",
                destination_country=shipment.market.country, port_of_loading=self.plan.city.port,
                port_of_discharge=shipment.market.port_of_discharge, reference=shipment.tracking_number,
                line=0))
        return declarations

    # --- files ------------------------------------------------------------------------------

    def files(self) -> Iterator[WorldFile]:
        """The seller's files, each covering ``months_per_file`` months (a seller downloads a
        report for a range of dates; the Amazon settlements of the range are appended in one
        file, which the connector reads settlement by settlement). Stock reports are snapshots:
        one at the end of every range and one at each of the last three month-ends."""
        slug = self.plan.slug
        bundle = self._bundle
        for market in self.markets:
            if market.name == "shopify":
                yield from self._shopify_files()
                continue
            by_range: dict[date, list[Order]] = defaultdict(list)
            for sale in self.sales[market.name]:
                by_range[bundle(sale.order.purchased_at.date())].append(sale.order)
            for first, orders in sorted(by_range.items()):
                yield WorldFile(slug, "amazon-orders",
                                f"{market.name}-all-orders-{self._range_text(first)}.txt",
                                write_amazon_orders(orders))
            settlements: dict[date, list[bytes]] = defaultdict(list)
            for settlement, lines in self._amazon_settlements(market):
                assert settlement.period_start is not None
                settlements[bundle(settlement.period_start.date())].append(write_amazon_settlement_v2(
                    settlement, lines, eu_style=market.name in EU_STYLE_MARKETPLACES))
            for first, contents in sorted(settlements.items()):
                yield WorldFile(slug, "amazon-settlement",
                                f"{market.name}-settlements-{self._range_text(first)}.txt",
                                _appended(contents))
        last_months = {add_months(self.world.end_month, -back) - timedelta(days=1) for back in range(3)}
        range_ends = {add_months(first, self.months_per_file) - timedelta(days=1)
                      for first in self._range_starts()}
        for warehouse, snapshots in self.snapshots.items():
            by_day: dict[date, list[StockSnapshot]] = defaultdict(list)
            for snapshot in snapshots:
                if snapshot.snapshot_date in last_months or snapshot.snapshot_date in range_ends:
                    by_day[snapshot.snapshot_date].append(snapshot)
            for day, day_snapshots in sorted(by_day.items()):
                yield WorldFile(slug, "warehouse-stock", f"{warehouse}-inventory-{day.isoformat()}.txt",
                                write_warehouse_stock_csv(day_snapshots).encode(),
                                warehouse=warehouse, as_of=day)
        for warehouse, movements in self.movements.items():
            by_range_movements: dict[date, list[StockMovement]] = defaultdict(list)
            for movement in movements:
                by_range_movements[bundle(movement.moved_at.date())].append(movement)
            for first, range_movements in sorted(by_range_movements.items()):
                yield WorldFile(slug, "warehouse-movements",
                                f"{warehouse}-movements-{self._range_text(first)}.json",
                                write_warehouse_movements_json(
                                    sorted(range_movements, key=lambda each: each.moved_at)).encode())
        trackings: dict[date, list[TrackingEvent]] = defaultdict(list)
        for shipment in self.shipments:
            trackings[bundle(shipment.booked_at.date())].extend(shipment.events)
        for event in self.parcels:
            trackings[bundle(event.event_at.date())].append(event)
        for first, events in sorted(trackings.items()):
            if events:
                yield WorldFile(slug, "tracking-json", f"trackings-{self._range_text(first)}.json",
                                write_tracking_json(events).encode())
        yield from self._returns_and_reviews()
        declarations: dict[date, list[CustomsDeclaration]] = defaultdict(list)
        for declaration in self._customs():
            declarations[bundle(declaration.declared_at.date())].append(declaration)
        for first, entries in sorted(declarations.items()):
            yield WorldFile(slug, "customs-json", f"customs-declarations-{self._range_text(first)}.json",
                            write_customs_json(entries).encode())

    def _returns_and_reviews(self) -> Iterator[WorldFile]:
        """Returns (one per refunded order, received back a couple of days before the refund,
        so they match the settlement's refund lines) and reviews, sent by the seller's ERP
        through the push API's JSON batch."""
        rng = random.Random(f"fourflow-reviews:{self.world.seed}:{self.plan.slug}")
        returns: dict[date, list[PushReturn]] = defaultdict(list)
        reviews: dict[date, list[PushReview]] = defaultdict(list)
        for market in self.markets:
            for sale in self.sales[market.name]:
                order = sale.order
                if sale.circular or sale.shipped_at >= self.end:
                    continue
                first_line = order.lines[0]
                if sale.refunded_at is not None and sale.refunded_at < self.end:
                    returned_at = sale.refunded_at - timedelta(days=2)
                    returns[self._bundle(returned_at.date())].append(PushReturn(
                        marketplace=market.name, return_id=f"RT-{order.order_id}", order_id=order.order_id,
                        sku=first_line.sku, quantity=first_line.quantity, returned_at=returned_at,
                        reason=rng.choice(_RETURN_REASONS)))
                month = _months_between(self.world.first_month, order.purchased_at.date())
                reviewed_at = sale.shipped_at + timedelta(days=rng.randint(4, 20), hours=rng.randint(0, 23))
                if rng.random() < 0.08 and reviewed_at < self.end:
                    reviews[self._bundle(reviewed_at.date())].append(PushReview(
                        marketplace=market.name, review_id=f"RV-{order.order_id}", sku=first_line.sku,
                        rating=self._rating(rng, month, refunded=sale.refunded_at is not None),
                        reviewed_at=reviewed_at))
        for first in sorted(set(returns) | set(reviews)):
            batch = PushBatch(source="seller-erp", returns=returns[first], reviews=reviews[first])
            yield WorldFile(self.plan.slug, "push-json", f"returns-reviews-{self._range_text(first)}.json",
                            batch.model_dump_json(indent=2, exclude_defaults=True).encode())

    def _rating(self, rng: random.Random, month: int, *, refunded: bool) -> int:
        """Mostly five stars; refunds and a deteriorating seller pull it down."""
        bad = 0.08 + (0.5 if refunded else 0.0) + 0.3 * self._deterioration(month)
        if rng.random() < bad:
            return rng.choice((1, 1, 2, 2, 3))
        return rng.choice((4, 5, 5, 5))

    def _shopify_files(self) -> Iterator[WorldFile]:
        slug = self.plan.slug
        csv_export = self.plan.shopify_export == "csv"
        orders: dict[date, list[Order]] = defaultdict(list)
        for sale in sorted(self.sales["shopify"], key=lambda sale: sale.order.purchased_at):
            orders[self._bundle(sale.order.purchased_at.date())].append(sale.order)
        for first, range_orders in sorted(orders.items()):
            if csv_export:
                content = write_shopify_orders_csv(range_orders)
                name = f"shopify-orders-{self._range_text(first)}.csv"
            else:
                content = write_shopify_orders_json(range_orders)
                name = f"shopify-orders-{self._range_text(first)}.json"
            yield WorldFile(slug, "shopify-orders", name, content.encode())
        payouts: dict[date, list[tuple[Settlement, list[SettlementLine]]]] = defaultdict(list)
        for settlement, lines in self._shopify_payouts():
            assert settlement.deposit_date is not None
            payouts[self._bundle((settlement.deposit_date - timedelta(days=1)).date())].append(
                (settlement, lines))
        for first, entries in sorted(payouts.items()):
            # The transactions first: the quality service checks a payout against the lines
            # stored when the payout arrives.
            label = self._range_text(first)
            lines = [line for _, settlement_lines in entries for line in settlement_lines]
            if csv_export:
                yield WorldFile(slug, "shopify-payouts", f"shopify-transactions-{label}.csv",
                                write_shopify_payout_transactions_csv(lines).encode())
            else:
                yield WorldFile(slug, "shopify-payouts", f"shopify-transactions-{label}.json",
                                write_shopify_transactions_json(lines).encode())
            yield WorldFile(slug, "shopify-payouts", f"shopify-payouts-{label}.json",
                            write_shopify_payouts_json(settlement for settlement, _ in entries).encode())

    # --- ranges of months one file covers -----------------------------------------------------

    def _range_starts(self) -> list[date]:
        return [self.world.month_start(index) for index in range(0, self.world.months, self.months_per_file)]

    def _bundle(self, day: date) -> date:
        month = _months_between(self.world.first_month, day)
        return self.world.month_start(month - month % self.months_per_file)

    def _range_text(self, first: date) -> str:
        last = min(add_months(first, self.months_per_file - 1), add_months(self.world.end_month, -1))
        return month_text(first) if last == first else f"{month_text(first)}-to-{month_text(last)}"


def simulate_seller(world: World, plan: SellerPlan, *, months_per_file: int = 1) -> list[WorldFile]:
    return list(SellerSimulation(world, plan, months_per_file=months_per_file).files())


# --- helpers --------------------------------------------------------------------------------

_RETURN_REASONS = ("DEFECTIVE", "NOT_AS_DESCRIBED", "NO_LONGER_NEEDED", "WRONG_SIZE", "ARRIVED_LATE",
                   "DAMAGED_IN_TRANSIT")
_WESTERN_GIVEN = ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
                  "David", "Emily", "Daniel", "Sarah", "Chris", "Laura", "Kevin", "Anna")
_WESTERN_FAMILY = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
                   "Martinez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Clark", "Lewis")
_US_STREETS = ("Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Park Blvd", "Pine St", "Elm St",
               "Lake View Rd")


def _in_settlement(line: SettlementLine, settlement_id: str) -> SettlementLine:
    return replace(line, settlement_id=settlement_id)


def _appended(settlement_files: list[bytes]) -> bytes:
    """Settlement reports appended into one file: the column row once, then each settlement's
    summary row and lines (the connector starts a new settlement at each summary row)."""
    first, *others = settlement_files
    return first + b"".join(content.split(b"\n", 1)[1] for content in others)


def _amazon_name(marketplace: str) -> str:
    return marketplace[:1].upper() + marketplace[1:]


def _local_price(price_usd: Decimal, market: Marketplace) -> Decimal:
    """A list price in the marketplace's currency, ending in .99 as shelf prices do."""
    local = price_usd * market.price_factor
    return Decimal(int(local)) + Decimal("0.99")


def _poisson(rng: random.Random, rate: float) -> int:
    """Knuth's method: fine for the few orders a day a seller gets."""
    if rate <= 0:
        return 0
    limit = math.exp(-rate)
    count = 0
    product = rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _months_between(first: date, day: date) -> int:
    return (day.year - first.year) * 12 + day.month - first.month


def _is_prime_day(day: date) -> bool:
    """Amazon's Prime Day: the second Tuesday of July and the Wednesday after it."""
    if day.month != 7:
        return False
    first = date(day.year, 7, 1)
    second_tuesday = first + timedelta(days=(1 - first.weekday()) % 7 + 7)
    return day in (second_tuesday, second_tuesday + timedelta(days=1))


def _is_black_friday_week(day: date) -> bool:
    """Black Friday (the day after the fourth Thursday of November) to Cyber Monday."""
    if day.month != 11 and not (day.month == 12 and day.day <= 3):
        return False
    first = date(day.year, 11, 1)
    thanksgiving = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thanksgiving + timedelta(days=1) <= day <= thanksgiving + timedelta(days=4)
