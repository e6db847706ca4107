"""The feature pipeline (F9) on a small simulated world: every seller gets every feature (or the
reason it has none), a feature recomputed by hand from the rows agrees to the last digit, the
features of a day never see that day or later, a planted sales collapse shows, and snapshots are
stored once per seller, day and version."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.months import add_months
from fourflow.identity import service as identity
from fourflow.risk.service.features import (
    FEATURE_NAMES,
    FEATURES_VERSION,
    MISSING_REASON_TEXT,
    FeatureSellerMismatch,
    MissingReason,
    compute_features,
    current_features,
    latest_snapshot,
    store_snapshot,
)
from fourflow.tradedata.service import figures, reference_rate
from fourflow.tradedata.simulation.loader import load_world
from fourflow.tradedata.simulation.world import WorldTruth

SECRET = "test-secret-for-personal-data-0123456789"
END = date(2026, 10, 1)   # the world covers August 2025 to September 2026
SELLERS, MONTHS, SEED = 12, 14, 5


def test_features_of_a_small_world(demo: Session) -> None:
    """One load (a quarter of a minute), then every check against it."""
    truth = load_world(demo, sellers=SELLERS, months=MONTHS, seed=SEED, end_month=END, secret=SECRET)
    sellers = {slug: _seller(demo, slug) for slug in truth.sellers}
    for seller in sellers.values():
        figures.recompute(demo, seller)
    demo.flush()
    _every_seller_has_every_feature(demo, sellers)
    _sales_level_agrees_with_the_rows(demo, sellers["lumen-electronics"])
    _a_collapse_shows_as_falling_sales(demo, sellers, truth)
    _snapshots_are_stored_once_per_day_and_version(demo, sellers["silkroad-home"])
    # Last: it deletes the world's second half.
    _rows_dated_on_or_after_the_day_change_nothing(demo, sellers)


def test_a_seller_without_trade_data_has_reasons_not_values(demo: Session) -> None:
    seller = _seller(demo, "lumen-electronics")
    vector = compute_features(demo, seller, END)
    assert vector.values == dict.fromkeys(FEATURE_NAMES) | {"history_months": 0.0}
    assert vector.missing == {
        "monthly_sales_level": "no_sales_history", "sales_growth": "no_sales_history",
        "sales_volatility": "no_sales_history", "seasonality": "no_sales_history",
        "refund_rate": "no_sales_history", "return_rate": "no_orders", "fee_ratio": "no_sales_history",
        "payout_regularity": "no_payout_history", "on_time_delivery_rate": "no_tracked_deliveries",
        "customs_hold_rate": "no_customs_data", "review_rating": "no_reviews", "review_trend": "no_reviews",
        "tenure_months": "no_trade_data", "top_customer_share": "no_orders",
        "marketplace_concentration": "no_sales_history", "top_supplier_share": "no_supplier_data",
        "stock_turnover": "no_stock_data", "cash_conversion_cycle_days": "no_stock_data",
        "fx_exposure": "no_sales_history", "months_since_last_data": "no_trade_data"}
    assert set(MISSING_REASON_TEXT) == set(MissingReason)


def _seller(session: Session, slug: str) -> uuid.UUID:
    organisation = identity.organisation_by_slug(session, slug)
    assert organisation is not None
    return organisation.id


def _every_seller_has_every_feature(session: Session, sellers: dict[str, uuid.UUID]) -> None:
    always = ("monthly_sales_level", "sales_growth", "sales_volatility", "seasonality", "refund_rate",
              "return_rate", "fee_ratio", "payout_regularity", "customs_hold_rate", "review_rating",
              "tenure_months", "top_customer_share", "marketplace_concentration", "stock_turnover",
              "cash_conversion_cycle_days", "fx_exposure", "history_months", "months_since_last_data")
    for slug, seller in sellers.items():
        vector = compute_features(session, seller, END)
        assert (vector.version, vector.as_of) == (FEATURES_VERSION, END)
        assert vector.seller_organisation_id == seller
        assert tuple(vector.values) == FEATURE_NAMES
        assert set(vector.lineage) == set(FEATURE_NAMES)
        assert {name for name, value in vector.values.items() if value is None} == set(vector.missing), slug
        assert all(vector.values[name] is not None for name in always), (slug, vector.missing)
        assert vector.missing["top_supplier_share"] == "no_supplier_data"
        assert vector.values["history_months"] == 14.0
        # From 1 August 2025, its first store, to 1 October 2026.
        assert vector.values["tenure_months"] == float(
            (Decimal(426) / Decimal("30.4375")).quantize(Decimal("0.000001")))
        assert 0 < vector.values["refund_rate"] < 0.3  # type: ignore[operator]
        assert 0 < vector.values["review_rating"] <= 5  # type: ignore[operator]
        # Sellers with a Shopify shop send parcel tracking; Amazon delivers its own orders.
        shops = session.execute(text(
            "SELECT count(*) FROM trade_stores WHERE seller_organisation_id = :seller"
            " AND marketplace = 'shopify'"), {"seller": seller}).scalar_one()
        assert (vector.values["on_time_delivery_rate"] is None) == (shops == 0), slug


def _sales_level_agrees_with_the_rows(session: Session, seller: uuid.UUID) -> None:
    """Mean monthly net sales of April to September 2026 in US dollars, from the settlement lines
    and the ECB rates of each month's last day; and the figures it reproduces."""
    rows = session.execute(text("""
        SELECT date_trunc('month', posted_at AT TIME ZONE 'UTC')::date, currency, sum(amount)
          FROM trade_settlement_lines
         WHERE seller_organisation_id = :seller AND kind IN ('sale', 'promotion', 'refund')
           AND posted_at >= '2026-04-01' AND posted_at < '2026-10-01'
         GROUP BY 1, 2"""), {"seller": seller}).all()
    assert {currency for _month, currency, _amount in rows} == {"USD", "EUR"}
    total = Decimal(0)
    for month, currency, amount in rows:
        month_end = add_months(month, 1) - timedelta(days=1)
        total += amount * reference_rate(session, currency, "USD", month_end).rate
    expected = float((total / 6).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN))
    vector = compute_features(session, seller, END)
    assert vector.values["monthly_sales_level"] == expected
    cited = session.execute(text("""
        SELECT id::text FROM trade_figures
         WHERE seller_organisation_id = :seller AND name = 'monthly_net_sales'
           AND period_start >= '2026-04-01' AND period_start < '2026-10-01' ORDER BY 1"""),
        {"seller": seller}).scalars().all()
    assert len(cited) == len(rows)
    assert vector.lineage["monthly_sales_level"] == {"figures": cited, "tables": ["fx_reference_rates"]}


def _a_collapse_shows_as_falling_sales(session: Session, sellers: dict[str, uuid.UUID],
                                       truth: WorldTruth) -> None:
    [(slug, month)] = truth.sales_collapse
    year, number = map(int, month.split("-"))
    two_months_after = add_months(date(year, number, 1), 2)
    growth = compute_features(session, sellers[slug], two_months_after).values["sales_growth"]
    assert growth is not None
    assert growth < -0.5
    before = compute_features(session, sellers[slug], date(year, number, 1)).values["sales_growth"]
    assert before is not None
    assert growth < before - 0.3


def _snapshots_are_stored_once_per_day_and_version(session: Session, seller: uuid.UUID) -> None:
    def stored() -> int:
        return int(session.execute(text(
            "SELECT count(*) FROM risk_feature_snapshots WHERE seller_organisation_id = :seller"),
            {"seller": seller}).scalar_one())

    assert latest_snapshot(session, seller) is None
    earlier = compute_features(session, seller, date(2026, 7, 1))
    vector = compute_features(session, seller, END)
    first = store_snapshot(session, seller, vector)
    assert store_snapshot(session, seller, vector) == first
    assert stored() == 1
    store_snapshot(session, seller, earlier)
    assert stored() == 2
    latest = latest_snapshot(session, seller)
    assert latest is not None
    assert latest.computed_at is not None
    assert replace(latest, computed_at=None) == vector
    assert list(latest.values) == list(FEATURE_NAMES)
    stored_earlier = latest_snapshot(session, seller, on_or_before=date(2026, 9, 30))
    assert stored_earlier is not None
    assert replace(stored_earlier, computed_at=None) == earlier
    # A corrected computation for the same day replaces the stored one.
    corrected = replace(vector, values=vector.values | {"review_rating": 1.0})
    assert store_snapshot(session, seller, corrected) == first
    assert stored() == 2
    # A decision reads the day's snapshot, and computes (and stores) it when there is none.
    assert current_features(session, seller, END).values["review_rating"] == 1.0
    august = current_features(session, seller, date(2026, 8, 1))
    assert replace(august, computed_at=None) == compute_features(session, seller, date(2026, 8, 1))
    assert stored() == 3
    with pytest.raises(FeatureSellerMismatch):
        store_snapshot(session, uuid.uuid4(), vector)


def _rows_dated_on_or_after_the_day_change_nothing(session: Session,
                                                   sellers: dict[str, uuid.UUID]) -> None:
    """The world's rows dated on or after a mid-month day are exactly what was added after it: the
    features of that day must be the same with and without them (lineage included, since the
    figures of whole months before it keep their ids and values)."""
    day = date(2026, 6, 17)
    before = {seller: compute_features(session, seller, day) for seller in sellers.values()}
    at_end = {seller: compute_features(session, seller, END) for seller in sellers.values()}
    deleted = _delete_rows_from(session, list(sellers.values()), day)
    assert deleted > 10_000
    for seller in sellers.values():
        figures.recompute(session, seller)
    session.flush()
    for seller, vector in before.items():
        assert compute_features(session, seller, day) == vector
    # And the check has teeth: features of a later day do see the deleted rows.
    assert all(compute_features(session, seller, END) != vector for seller, vector in at_end.items())


# Each table's date column (the day of a stock snapshot; an order line is dated by its order).
DATED_BY = (("trade_settlement_lines", "posted_at"), ("trade_settlements", "deposit_date"),
            ("trade_orders", "purchased_at"), ("trade_tracking_events", "event_at"),
            ("trade_stock_snapshots", "snapshot_date"), ("trade_stock_movements", "moved_at"),
            ("trade_customs_declarations", "declared_at"), ("trade_returns", "returned_at"),
            ("trade_reviews", "reviewed_at"))
LATER_ORDER_LINES = """
    DELETE FROM trade_order_lines line USING trade_orders o
     WHERE o.seller_organisation_id = ANY(:sellers) AND o.purchased_at >= :cutoff
       AND line.seller_organisation_id = o.seller_organisation_id AND line.marketplace = o.marketplace
       AND line.order_id = o.order_id"""


def _delete_rows_from(session: Session, sellers: list[uuid.UUID], day: date) -> int:
    parameters = {"sellers": sellers, "cutoff": datetime.combine(day, time.min, UTC), "day": day}
    statements = [LATER_ORDER_LINES] + [
        f"DELETE FROM {table} WHERE seller_organisation_id = ANY(:sellers) AND {column} >= "
        + (":day" if column == "snapshot_date" else ":cutoff") for table, column in DATED_BY]
    return sum(session.execute(text(statement), parameters).rowcount  # type: ignore[attr-defined]
               for statement in statements)

