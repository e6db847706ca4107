"""A seller's insights from the small history in conftest, every figure computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.insights import service
from fourflow.insights.peaks import upcoming_peaks
from tests.insights.conftest import trade_history


def test_stock_cover_cash_cycle_and_trend(demo: Session, clock: FrozenClock) -> None:
    seller = trade_history(demo)
    found = service.seller_insights(demo, seller, date(2026, 10, 15))
    assert found.version == "insights@v1"
    assert found.as_of == date(2026, 9, 30)  # the newest deposit and snapshot
    lamp, cable = found.stock
    # LAMP-01: 120 on hand − 20 locked = 100; 40 + 20 units in [1 Sep, 1 Oct) = 60 ÷ 30 = 2 a day;
    # 100 ÷ 2 = 50.0 days, out on 30 Sep + 50 = 19 Nov; lead times 41 and 35 days → the higher middle 41.
    assert (lamp.sku, lamp.available, lamp.units_sold, lamp.daily_units) == ("LAMP-01", 100, 60, Decimal(2))
    assert (lamp.cover_days, lamp.runs_out_on) == (Decimal("50.0"), date(2026, 11, 19))
    assert (lamp.lead_time.days, lamp.lead_time.source, lamp.lead_time.shipments) == (41, "shipments", 2)
    assert lamp.reorder_now is False  # 50 days ≥ 41 + 7
    # CABLE-01: 300 ÷ (30 ÷ 30) = 300.0 days; one shipment of 40.5 days → 41.
    assert (cable.sku, cable.cover_days, cable.lead_time.days) == ("CABLE-01", Decimal("300.0"), 41)
    cycle = found.cash_cycle
    # Stock at cost 100 × 10.00 + 300 × 2.00 = 1,600.00; cost of sales in [3 Jul, 1 Oct):
    # LAMP-01 (30 + 40 + 20) × 10.00 + CABLE-01 30 × 2.00 = 960.00, ÷ 90 = 10.67 a day;
    # 1,600 ÷ (960 ÷ 90) = 150.0 days. To payout: (7 + 10) ÷ 2 = 8.5. Payable 0. Cycle 158.5.
    assert (cycle.inventory_value, cycle.cost_currency) == (Decimal("1600.00"), "USD")
    assert (cycle.days_inventory, cycle.days_to_payout, cycle.days_payable) == (
        Decimal("150.0"), Decimal("8.5"), Decimal(0))
    assert (cycle.cycle_days, cycle.sale_lines) == (Decimal("158.5"), 2)
    trend = found.sales
    # Apr–Jun 3 × 1,000 = 3,000; Jul 300 + Aug 900 + Sep 1,200 + 600 + 300 = 3,300; +10.0 %.
    assert trend.currency == "USD"
    assert [(m.month.month, m.amount) for m in trend.months] == [
        (4, Decimal("1000.00")), (5, Decimal("1000.00")), (6, Decimal("1000.00")), (7, Decimal("300.00")),
        (8, Decimal("900.00")), (9, Decimal("2100.00"))]
    assert (trend.recent, trend.earlier, trend.change_percent, trend.direction) == (
        Decimal("3300.00"), Decimal("3000.00"), Decimal("10.0"), "growing")
    assert trend.other_currencies == ["EUR"]
    assert found.inputs["peaks"] == "peaks@v1"
    assert found.inputs["velocity_window_days"] == 30


def test_restock_before_each_peak(demo: Session, clock: FrozenClock) -> None:
    seller = trade_history(demo)
    found = service.seller_insights(demo, seller, date(2026, 10, 15))
    # LAMP-01 at 2 a day from 30 Sep, lead 41 + 7 safety days = 48 days before each peak:
    # Singles' Day 11 Nov (42 days on): 100 − 84 = 16 left ≥ ⌈2 × 1.8 × 1⌉ = 4 → nothing to order;
    # Black Friday 27–30 Nov (58 days): 0 left, 2 × 2.0 × 4 = 16 → 16 by 27 Nov − 48 = 10 Oct;
    # Christmas 1–20 Dec (62 days): 0 left, 2 × 1.5 × 20 = 60 → 60 by 14 Oct;
    # Valentine's 7–14 Feb 2027: 2 × 1.3 × 8 = 20.8 → 21 by 21 Dec; Prime Day 13–14 Jul 2027:
    # 2 × 3.0 × 2 = 12 by 26 May 2027. CABLE-01 (300 units at 1 a day) lasts through every peak.
    assert [(a.sku, a.peak.code, a.units, a.stock_at_peak, a.order_by) for a in found.restock] == [
        ("LAMP-01", "black_friday", 16, 0, date(2026, 10, 10)),
        ("LAMP-01", "christmas", 60, 0, date(2026, 10, 14)),
        ("LAMP-01", "valentines_day", 21, 0, date(2026, 12, 21)),
        ("LAMP-01", "prime_day", 12, 0, date(2027, 5, 26)),
    ]


def test_peaks_follow_the_marketplaces() -> None:
    # Prime Day is Amazon's: a Shopify-only seller has none.
    assert "prime_day" not in [p.code for p in upcoming_peaks(["shopify"], date(2026, 10, 15), 365)]
    prime = [p for p in upcoming_peaks(["amazon.de"], date(2026, 10, 15), 365) if p.code == "prime_day"]
    assert [(p.starts_on, p.ends_on) for p in prime] == [(date(2027, 7, 13), date(2027, 7, 14))]


def test_a_seller_without_data_has_empty_insights(demo: Session, clock: FrozenClock) -> None:
    from tests.lending.loans.conftest import seller_id
    found = service.seller_insights(demo, seller_id(demo, "silkroad-home"), date(2026, 10, 15))
    assert found.as_of is None
    assert found.stock == []
    assert found.restock == []
    assert found.cash_cycle.cycle_days is None
    assert found.sales.direction == "none"


def test_without_unit_costs_days_of_inventory_are_in_units() -> None:
    from fourflow.insights.service import analytics
    stock = [analytics.SkuStock("A", 90, None, None, date(2026, 9, 30)),
             analytics.SkuStock("B", 30, None, None, date(2026, 9, 30))]
    # (90 + 30) units ÷ ((60 + 30) units ÷ 90 days = 1 a day) = 120.0 days; + 8.5 to payout = 128.5.
    cycle = analytics.cash_cycle(stock, {"A": 60, "B": 30}, Decimal("8.5"), 2)
    assert (cycle.basis, cycle.days_inventory, cycle.cycle_days) == (
        "units", Decimal("120.0"), Decimal("128.5"))


def test_a_warehouse_without_snapshots_counts_its_movements(demo: Session, clock: FrozenClock) -> None:
    from fourflow.tradedata.models import StockMovement
    seller = trade_history(demo)
    batch_id = demo.execute(text(
        "SELECT id FROM trade_ingest_batches WHERE filename = 'insights.json'")).scalar_one()
    # A 3PL that reports receipts and picks only: 50 in, then 20 and 5 out.
    for movement_id, kind, units, day in (("R1", "inbound", 50, 2), ("P1", "outbound", 20, 20),
                                          ("P2", "outbound", 5, 30)):
        demo.add(StockMovement(seller_organisation_id=seller, batch_id=batch_id, source_line=900 + units,
                               warehouse="LAX-3PL", movement_id=movement_id, sku="CABLE-01", kind=kind,
                               quantity=units, moved_at=datetime(2026, 9, day, 12, tzinfo=UTC),
                               reference=None))
    demo.flush()
    found = service.seller_insights(demo, seller, date(2026, 10, 15))
    cable = next(cover for cover in found.stock if cover.sku == "CABLE-01")
    # 300 at the FBA warehouse + 50 − 20 − 5 at the 3PL = 325 (all movements are by 30 Sep 23:59).
    assert cable.available == 325
