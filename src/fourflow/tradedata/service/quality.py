"""Data quality (F8): each batch is measured on completeness, accuracy, consistency and
timeliness; scores are stored, and a score under its threshold is an alert for operations.

Scores are shares in 0..1, so they compare across sellers and sources; ``details`` keeps what a
person needs to find the problem (which settlement, how many rows)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.core.i18n import N_
from fourflow.tradedata import repository
from fourflow.tradedata.models import QualityCheck


@dataclass(frozen=True, slots=True)
class CheckDefinition:
    name: str
    dimension: str
    threshold: Decimal
    label: str  # N_-marked, shown to operations


CHECKS = {check.name: check for check in (
    CheckDefinition("settlement_lines_complete", "completeness", Decimal("0.95"),
                    N_("Settlement lines carry a posting time")),
    CheckDefinition("settlement_periods_contiguous", "completeness", Decimal("1"),
                    N_("No gaps between settlement periods")),
    CheckDefinition("orders_complete", "completeness", Decimal("0.95"),
                    N_("Orders carry a total and a country")),
    CheckDefinition("settlements_balance", "accuracy", Decimal("1"),
                    N_("Each settlement's lines add up to its deposit")),
    CheckDefinition("order_lines_add_up", "accuracy", Decimal("0.99"),
                    N_("Each order's lines add up to what its marketplace says they come to")),
    CheckDefinition("settlement_lines_reference_orders", "consistency", Decimal("0.90"),
                    N_("Settlement lines refer to known orders")),
    CheckDefinition("tracking_references_orders", "consistency", Decimal("0.90"),
                    N_("Tracking events refer to known orders")),
    CheckDefinition("data_is_recent", "timeliness", Decimal("0.50"), N_("The newest data is recent")),
)}
# Checks that measure all of a seller's data rather than what one batch brought.
SELLER_WIDE_CHECKS = ("settlement_periods_contiguous", "data_is_recent")
# Timeliness: full marks up to this age, none from FRESHNESS_ZERO on, linear between.
FRESHNESS_FULL = timedelta(days=3)
FRESHNESS_ZERO = timedelta(days=30)
SCORE_PLACES = Decimal("0.0001")
# How many offending rows a check's details name.
EXAMPLES_KEPT = 20


def assess_batch(session: Session, seller_organisation_id: uuid.UUID, batch_id: uuid.UUID,
                 source: str, tables: set[str]) -> list[QualityCheck]:
    """Measure what this batch brought in; store and return the checks."""
    now = get_clock().now()
    measured: list[tuple[str, Decimal, dict[str, Any]]] = []
    if "trade_settlements" in tables:
        differences = repository.settlement_sum_differences(session, batch_id)
        wrong = [{"settlement_id": settlement_id, "total": str(total), "lines": str(lines)}
                 for _marketplace, settlement_id, total, lines in differences if total != lines]
        measured.append(("settlements_balance", _share(len(differences) - len(wrong), len(differences)),
                         {"settlements": len(differences), "unbalanced": wrong[:20]}))
        periods, gaps = repository.settlement_period_gaps(session, seller_organisation_id)
        measured.append(("settlement_periods_contiguous", _share(periods - len(gaps), periods),
                         {"settlements": periods, "after_gap": gaps[:20]}))
    if "trade_settlement_lines" in tables:
        rows, missing = repository.missing_fields(session, "trade_settlement_lines", batch_id,
                                                  "posted_at IS NOT NULL")
        measured.append(("settlement_lines_complete", _share(rows - missing, rows),
                         {"rows": rows, "missing": missing}))
        referring, unknown = repository.unknown_order_references(session, "trade_settlement_lines", batch_id)
        measured.append(("settlement_lines_reference_orders", _share(referring - unknown, referring),
                         {"rows": referring, "unknown_orders": unknown}))
    if "trade_orders" in tables:
        rows, missing = repository.missing_fields(session, "trade_orders", batch_id,
                                                  "total IS NOT NULL AND ship_country IS NOT NULL")
        measured.append(("orders_complete", _share(rows - missing, rows), {"rows": rows, "missing": missing}))
        stated, differing, examples = repository.order_line_sum_differences(
            session, batch_id, limit=EXAMPLES_KEPT)
        measured.append(("order_lines_add_up", _share(stated - differing, stated), {
            "orders": stated, "not_adding_up": [
                {"order_id": order_id, "stated": str(stated_total), "lines": str(lines)}
                for order_id, stated_total, lines in examples]}))
    if "trade_tracking_events" in tables:
        referring, unknown = repository.unknown_order_references(session, "trade_tracking_events", batch_id)
        measured.append(("tracking_references_orders", _share(referring - unknown, referring),
                         {"rows": referring, "unknown_orders": unknown}))
    newest = repository.newest_data_per_source(session, seller_organisation_id)
    ages = {flow: _age(now, moment) for flow, moment in newest.items() if moment is not None}
    if ages:
        youngest = min(ages.values())
        measured.append(("data_is_recent", _freshness(youngest),
                         {"age_days": {flow: age.days for flow, age in ages.items()}}))
    checks = [QualityCheck(id=uuid.uuid4(), seller_organisation_id=seller_organisation_id, batch_id=batch_id,
                           source=source, dimension=CHECKS[name].dimension, check_name=name, score=score,
                           threshold=CHECKS[name].threshold, passed=score >= CHECKS[name].threshold,
                           details=details, checked_at=now)
             for name, score, details in measured]
    session.add_all(checks)
    return checks


def latest_checks(session: Session, seller_organisation_id: uuid.UUID | None, *,
                  failed_only: bool = False) -> list[QualityCheck]:
    """The newest score of each check per seller and source (``failed_only``: the alerts)."""
    return repository.latest_quality_checks(session, seller_organisation_id, SELLER_WIDE_CHECKS,
                                            failed_only=failed_only)


def batch_checks(session: Session, batch_id: uuid.UUID) -> list[QualityCheck]:
    return repository.batch_quality_checks(session, batch_id)


def _share(good: int, total: int) -> Decimal:
    # Nothing to measure is not a defect.
    return Decimal(1) if total == 0 else (Decimal(good) / Decimal(total)).quantize(SCORE_PLACES)


def _age(now: datetime, moment: Any) -> timedelta:
    if isinstance(moment, datetime):
        return max(now - moment, timedelta(0))
    elapsed: timedelta = now.date() - moment
    return max(elapsed, timedelta(0))


def _freshness(age: timedelta) -> Decimal:
    if age <= FRESHNESS_FULL:
        return Decimal(1)
    if age >= FRESHNESS_ZERO:
        return Decimal(0)
    span = (FRESHNESS_ZERO - FRESHNESS_FULL).total_seconds()
    late = Decimal((age - FRESHNESS_FULL).total_seconds()) / Decimal(span)
    return (Decimal(1) - late).quantize(SCORE_PLACES)
