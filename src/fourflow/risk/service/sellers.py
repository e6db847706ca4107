"""What a decision knows about the seller besides its trade features: registry facts, related-
party findings, devices and payout accounts, and (once lending runs) its repayment history."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.core.errors import NotFound
from fourflow.core.i18n import N_
from fourflow.identity import service as identity
from fourflow.risk.service import velocity


class SellerUnknown(NotFound):
    code = "seller_unknown"
    message = N_("There is no seller {seller}.")


@dataclass(frozen=True, slots=True)
class SellerFacts:
    seller: dict[str, Any]
    graph: dict[str, Any]
    history: dict[str, Any]
    velocity: dict[str, Any]  # fraud.Velocity as stored (F16)


def seller_facts(session: Session, seller_organisation_id: uuid.UUID) -> SellerFacts:
    """The seller's facts as of the clock's now, in one round trip (``velocity.facts_row`` with the
    organisation's columns); a credit decision reads them with the rest of its inputs instead
    (``decision_inputs``)."""
    now = get_clock().now()
    row = velocity.facts_row(session, seller_organisation_id, now, columns=_facts_columns(),
                             parameters=identity.organisation_parameters(seller_organisation_id))
    return facts_of(seller_organisation_id, row, now)


@cache
def _facts_columns() -> tuple[ColumnElement[Any], ...]:
    return velocity.trade_profile_columns() + identity.organisation_columns()


def facts_of(seller_organisation_id: uuid.UUID, row: Mapping[str, Any], now: datetime) -> SellerFacts:
    """The facts of a ``velocity.facts_row`` read with ``identity.organisation_columns()``; raises
    SellerUnknown when the organisation is missing or not a seller."""
    if row["organisation_kind"] != "seller":
        raise SellerUnknown(field="seller", seller=str(seller_organisation_id))
    figures = velocity.velocity_of(row, now)
    return SellerFacts(
        seller={"slug": row["organisation_slug"],
                "country": row["registry_country"] or row["organisation_country"],
                "company_status": row["registry_status"],
                # Sanctions screening is the compliance domain's (F29); until it runs, decisions
                # record that no list matched because none was consulted.
                "sanctions_hit": False, "sanctions_screening": "not_in_service",
                "proven_seller": False},
        graph={"in_fraud_ring": bool(row["in_fraud_ring"]), "ring_size": int(row["ring_size"] or 0),
               "in_circular_trading": bool(row["in_circular_trading"])},
        history={"outstanding": "0", "on_time_repaid_loans": 0, "days_past_due": 0,
                 "has_stock": int(row["stock_on_hand"]) > 0, "anomaly_flagged": bool(row["anomaly_flagged"]),
                 "bank_account_age_days": _age_days(now, row["newest_payout_account_at"]),
                 "new_device": figures.new_devices_7d > 0, "allowed_payees": [],
                 "controls": _controls(row)},
        velocity=figures.to_dict())


def _controls(row: Mapping[str, Any]) -> list[str]:
    """A downgrade's controls (F13), then those risk officers put on the seller (F22), once each."""
    downgrade = list(row["controls_in_force"] or [])
    return downgrade + [control for control in row.get("standing_controls") or [] if control not in downgrade]


def _age_days(now: datetime, moment: datetime | None) -> int | None:
    return None if moment is None else max((now - moment).days, 0)
