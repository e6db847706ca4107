"""What a decision knows about the seller besides its trade features: registry facts, related-
party findings, devices and payout accounts, and (once lending runs) its repayment history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.core.errors import NotFound
from fourflow.core.i18n import N_
from fourflow.identity import service as identity
from fourflow.risk.repository import decisions as repository
from fourflow.risk.service import velocity
from fourflow.tradedata.service import profiles

# A device first seen this recently, or a payout account added this recently, is a fraud signal
# before a drawdown (F16): account takeovers change both just before taking the money.
NEW_DEVICE_DAYS = 7


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
    organisation = identity.organisation_by_id(session, seller_organisation_id)
    if organisation is None or organisation.kind != "seller":
        raise SellerUnknown(field="seller", seller=str(seller_organisation_id))
    now = get_clock().now()
    records = profiles.registry_records(session, seller_organisation_id)
    registry = max(records, key=lambda record: record.checked_at) if records else None
    accounts = profiles.bank_accounts(session, seller_organisation_id)
    devices = profiles.devices(session, seller_organisation_id)
    alerts = repository.open_alerts(session, seller_organisation_id)
    ring = next((alert for alert in alerts if alert.kind == "fraud_ring"), None)
    cycle = next((alert for alert in alerts if alert.kind == "circular_trading"), None)
    newest_account = max((account.registered_at for account in accounts), default=None)
    return SellerFacts(
        seller={"slug": organisation.slug, "country": (registry.country if registry else None)
                or organisation.country_code,
                "company_status": registry.status if registry else None,
                # Sanctions screening is the compliance domain's (F29); until it runs, decisions
                # record that no list matched because none was consulted.
                "sanctions_hit": False, "sanctions_screening": "not_in_service",
                "proven_seller": False},
        graph={"in_fraud_ring": ring is not None, "in_circular_trading": cycle is not None,
               "ring_size": len(ring.details.get("members", ())) if ring else 0},
        history={"outstanding": "0", "on_time_repaid_loans": 0, "days_past_due": 0,
                 "has_stock": profiles.stock_on_hand(session, seller_organisation_id, now.date()) > 0,
                 "anomaly_flagged": any(alert.kind == "anomaly" for alert in alerts),
                 "bank_account_age_days": _age_days(now, newest_account),
                 "new_device": any(now - device.first_seen_at < timedelta(days=NEW_DEVICE_DAYS)
                                   for device in devices),
                 "allowed_payees": []},
        velocity=velocity.seller_velocity(session, seller_organisation_id, now).to_dict())


def _age_days(now: datetime, moment: datetime | None) -> int | None:
    return None if moment is None else max((now - moment).days, 0)
