"""The simulated world of sellers: deterministic, loaded through the real connectors once, and
its planted patterns really present in the stored rows."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fourflow.core.database import database_for_url
from fourflow.core.settings import get_settings
from fourflow.tradedata.simulation.loader import LoadCounts, load_world
from fourflow.tradedata.simulation.seller import SellerSimulation, simulate_seller
from fourflow.tradedata.simulation.world import build_world
from tests.conftest import TEST_SECRET_KEY, _worker_suffix, fresh_database

SECRET = "test-secret-for-personal-data-0123456789"
END = date(2026, 10, 1)   # the world covers July, August and September 2026
SELLERS, MONTHS, SEED = 6, 3, 11


def _files(seed: int) -> list[tuple[str, str, bytes]]:
    world = build_world(sellers=SELLERS, months=MONTHS, seed=seed, end_month=END)
    return [(file.seller, file.filename, file.content)
            for plan in world.plans for file in simulate_seller(world, plan)]


def test_same_seed_same_world_other_seed_another() -> None:
    first, again, other = _files(SEED), _files(SEED), _files(SEED + 1)
    assert first == again
    assert first != other
    world = build_world(sellers=SELLERS, months=MONTHS, seed=SEED, end_month=END)
    same = build_world(sellers=SELLERS, months=MONTHS, seed=SEED, end_month=date(2026, 10, 17))
    assert world.truth.json_text() == same.truth.json_text()


def test_truth_says_what_was_planted() -> None:
    truth = build_world(sellers=30, months=24, seed=7, end_month=END).truth.as_json()
    assert set(truth) == {"seed", "first_month", "last_month", "months", "sellers", "personalities",
                          "fraud_rings", "circular_trading", "sales_collapse", "defaults",
                          "quality_defects"}
    assert (truth["seed"], truth["first_month"], truth["last_month"]) == (7, "2024-10", "2026-09")
    assert truth["sellers"][:3] == ["lumen-electronics", "silkroad-home", "bright-toys"]
    assert len(set(truth["sellers"])) == 30
    assert len(truth["fraud_rings"]) == 3
    ring_members = [slug for ring in truth["fraud_rings"] for slug in ring["sellers"]]
    assert len(ring_members) == len(set(ring_members))
    assert all(3 <= len(ring["sellers"]) <= 4 for ring in truth["fraud_rings"])
    assert all(len(ring["shared"][kind]) >= 1 for ring in truth["fraud_rings"]
               for kind in ("directors", "addresses", "phones", "bank_accounts", "devices"))
    # The circular traders are related: one of the rings.
    [circle] = truth["circular_trading"]
    assert circle["cycle"] in [ring["sellers"] for ring in truth["fraud_rings"]]
    assert len(circle["orders"]) == 24 * len(circle["cycle"])
    assert len(truth["sales_collapse"]) == 2
    assert len(truth["defaults"]) == 3  # 10 % of 30
    assert len(truth["quality_defects"]) == 2
    # The demo sellers keep out of every planted pattern in a world big enough.
    planted = (set(ring_members) | {entry["seller"] for entry in truth["sales_collapse"]}
               | {entry["seller"] for entry in truth["defaults"]})
    assert planted.isdisjoint(truth["sellers"][:3])
    assert json.loads(json.dumps(truth)) == truth


def test_a_collapse_is_a_fall_of_more_than_sixty_percent_within_two_months() -> None:
    world = build_world(sellers=30, months=24, seed=7, end_month=END)
    for slug, month in world.truth.sales_collapse:
        plan = next(plan for plan in world.plans if plan.slug == slug)
        simulation = SellerSimulation(world, plan)
        monthly: dict[str, int] = {}
        for sales in simulation.sales.values():
            for sale in sales:
                key = sale.order.purchased_at.strftime("%Y-%m")
                monthly[key] = monthly.get(key, 0) + 1
        year, number = map(int, month.split("-"))
        before = f"{year if number > 1 else year - 1}-{(number - 2) % 12 + 1:02d}"
        after = f"{year if number < 12 else year + 1}-{number % 12 + 1:02d}"
        assert monthly.get(after, 0) < Decimal("0.4") * monthly[before], (slug, monthly)


Loaded = tuple[Session, LoadCounts, dict[str, Any]]


def test_small_world_through_the_connectors(demo: Session) -> None:
    """One load (it takes a few seconds), then every check against the stored rows."""
    counts = LoadCounts()
    truth = load_world(demo, sellers=SELLERS, months=MONTHS, seed=SEED, end_month=END, secret=SECRET,
                       counts=counts)
    demo.flush()
    loaded = (demo, counts, truth.as_json())
    _settlements_sum_to_their_totals_but_the_planted_defect(loaded)
    _planted_rings_share_identifiers_in_the_stored_profiles(loaded)
    _circular_trades_are_orders_between_the_related_sellers(loaded)
    _world_loads_through_the_connectors_once(loaded)


def _count(session: Session, table: str) -> int:
    return int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


TABLES = ("trade_orders", "trade_returns", "trade_reviews", "trade_order_lines", "trade_settlements",
          "trade_settlement_lines",
          "trade_tracking_events", "trade_stock_snapshots", "trade_stock_movements",
          "trade_customs_declarations", "trade_ingest_batches", "trade_registry_records",
          "trade_seller_bank_accounts", "trade_seller_devices", "organisations", "users")


def _world_loads_through_the_connectors_once(loaded: Loaded) -> None:
    session, counts, _truth = loaded
    world = build_world(sellers=SELLERS, months=MONTHS, seed=SEED, end_month=END)
    files = [file for plan in world.plans for file in simulate_seller(world, plan)]
    simulations = [SellerSimulation(world, plan) for plan in world.plans]
    sales = [sale for simulation in simulations for each in simulation.sales.values() for sale in each]
    orders = len(sales)
    end = simulations[0].end
    refunded = sum(1 for sale in sales if sale.shipped_at < end
                   and sale.refunded_at is not None and sale.refunded_at < end)
    assert (counts.organisations, counts.users) == (SELLERS - 3, SELLERS - 3)
    assert (counts.files, counts.files_skipped) == (len(files), 0)
    assert {file.format for file in files} >= {"amazon-orders", "amazon-settlement", "shopify-orders",
                                               "shopify-payouts", "tracking-json", "warehouse-stock",
                                               "customs-json", "push-json"}
    assert counts.tables["trade_orders"] == orders
    assert _count(session, "trade_orders") == orders
    assert _count(session, "trade_ingest_batches") == len(files)
    # Every refund in a settlement has its return; reviews came with them.
    assert _count(session, "trade_returns") == refunded
    assert _count(session, "trade_reviews") > 0
    assert _count(session, "trade_registry_records") == SELLERS
    before = {table: _count(session, table) for table in TABLES}

    again = LoadCounts()
    load_world(session, sellers=SELLERS, months=MONTHS, seed=SEED, end_month=END, secret=SECRET,
               counts=again)
    assert again == LoadCounts(files_skipped=len(files))
    assert {table: _count(session, table) for table in TABLES} == before


def _settlements_sum_to_their_totals_but_the_planted_defect(loaded: Loaded) -> None:
    session, _counts, truth = loaded
    rows = session.execute(text("""
        SELECT o.slug, s.marketplace, s.settlement_id, s.total - coalesce(sum(l.amount), 0)
          FROM trade_settlements s JOIN organisations o ON o.id = s.seller_organisation_id
          LEFT JOIN trade_settlement_lines l ON l.seller_organisation_id = s.seller_organisation_id
           AND l.settlement_id = s.settlement_id
           AND (l.marketplace = s.marketplace OR s.marketplace <> 'shopify' AND l.marketplace <> 'shopify')
         GROUP BY o.slug, s.marketplace, s.settlement_id, s.total
        HAVING s.total <> coalesce(sum(l.amount), 0)""")).all()
    assert _count(session, "trade_settlements") > 20
    defects = truth["quality_defects"]
    # The quality service, run on every batch, finds that one and nothing else (the world ended
    # before today, so only its timeliness is expected to be low).
    failed = session.execute(text("""
        SELECT o.slug, q.check_name FROM trade_quality_checks q
          JOIN organisations o ON o.id = q.seller_organisation_id
         WHERE NOT q.passed AND q.check_name <> 'data_is_recent'""")).all()
    assert failed == [(defect["seller"], "settlements_balance") for defect in truth["quality_defects"]]
    assert [(slug, settlement, Decimal(difference)) for slug, _market, settlement, difference in rows] == [
        (defect["seller"], defect["settlement_id"], Decimal(defect["difference"])) for defect in defects]


def _planted_rings_share_identifiers_in_the_stored_profiles(loaded: Loaded) -> None:
    session, _counts, truth = loaded
    rings = truth["fraud_rings"]
    assert len(rings) == 1
    for ring in rings:
        shared = ring["shared"]
        for column, table, values in (
                ("registered_address", "trade_registry_records", shared["addresses"]),
                ("phone", "trade_registry_records", shared["phones"]),
                ("account_number", "trade_seller_bank_accounts", shared["bank_accounts"]),
                ("device_fingerprint", "trade_seller_devices", shared["devices"]),
                ("ip_address", "trade_seller_devices", shared["ip_addresses"])):
            holders = session.execute(text(
                f"SELECT DISTINCT o.slug FROM {table} t JOIN organisations o "
                f"ON o.id = t.seller_organisation_id WHERE t.{column} = ANY(:values)"),
                {"values": values}).scalars().all()
            assert sorted(holders) == sorted(ring["sellers"]), column
        for director in shared["directors"]:
            holders = session.execute(text(
                "SELECT o.slug FROM trade_registry_records r JOIN organisations o "
                "ON o.id = r.seller_organisation_id, jsonb_array_elements(r.officers) officer "
                "WHERE officer->>'name' = :name AND officer->>'role' = 'director'"),
                {"name": director}).scalars().all()
            assert sorted(holders) == sorted(ring["sellers"])


def _circular_trades_are_orders_between_the_related_sellers(loaded: Loaded) -> None:
    session, _counts, truth = loaded
    [circle] = truth["circular_trading"]
    stored = session.execute(text("""
        SELECT o.slug, t.order_id, t.total FROM trade_orders t
          JOIN organisations o ON o.id = t.seller_organisation_id
         WHERE t.marketplace = 'shopify' AND t.sales_channel = 'draft_order'
         ORDER BY o.slug, t.order_id""")).all()
    expected = sorted((order["seller"], order["order_id"], Decimal(order["amount"]))
                      for order in circle["orders"])
    assert [(slug, order_id, Decimal(total)) for slug, order_id, total in stored] == expected
    assert len(expected) == MONTHS * len(circle["cycle"])


def test_demo_data_command_loads_a_world_and_writes_its_truth(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`fourflow demo-data --sellers --months --seed --truth-out`, committing to a database of
    its own as in real use."""
    from fourflow.cli import app

    url = fresh_database(f"fourflow_world_cli_{_worker_suffix()}")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("FOURFLOW_SECURITY__SECRET_KEY", TEST_SECRET_KEY)
    get_settings.cache_clear()
    truth_file = tmp_path / "truth.json"
    try:
        result = CliRunner().invoke(app, ["demo-data", "--sellers", "4", "--months", "1", "--seed", "3",
                                          "--truth-out", str(truth_file)])
    finally:
        get_settings.cache_clear()
        database_for_url(url).engine.dispose()
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["world_organisations"] == 1
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    assert truth["seed"] == 3
    assert truth["sellers"][:3] == ["lumen-electronics", "silkroad-home", "bright-toys"]
    assert len(truth["sellers"]) == 4
