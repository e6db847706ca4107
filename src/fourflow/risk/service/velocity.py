"""Velocity figures of the anti-fraud checks (F16), as of the clock's now: how many credit
requests the seller made in the last 24 hours and 30 days, payout accounts added in the last 30
days and the days since the newest, devices first seen in the last 7 days, distinct sign-in
addresses in the last 24 hours, and how close together a new device and a payout account change
came. Read in one round trip (the decision service calls this for every decision); the pure
assessment of the figures is ``fourflow.risk.fraud``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.risk import fraud
from fourflow.risk.repository import seller_facts as repository
from fourflow.tradedata.service import profiles


def seller_velocity(session: Session, seller_organisation_id: uuid.UUID,
                    now: datetime | None = None) -> fraud.Velocity:
    """The seller's velocity figures as of ``now`` (default: the clock's now); the request being
    decided is not counted (it is stored after its decision). Request counts stop at
    ``repository.COUNT_CAP``."""
    now = now or get_clock().now()
    return velocity_of(facts_row(session, seller_organisation_id, now), now)


def facts_row(session: Session, seller_organisation_id: uuid.UUID, now: datetime, *,
              columns: tuple[ColumnElement[Any], ...] | None = None,
              parameters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The velocity figures, the open alerts and the trade profile's columns in one round trip
    (``repository.facts_row``). ``columns`` adds more, with their ``parameters``: it must begin
    with ``trade_profile_columns()`` and be the same tuple on every call (the statement is
    built once per tuple)."""
    short_since = now - timedelta(hours=fraud.SHORT_WINDOW_HOURS)
    profile_parameters = profiles.velocity_parameters(
        seller_organisation_id, now, payout_since=now - timedelta(days=fraud.PAYOUT_ACCOUNT_DAYS),
        device_since=now - timedelta(days=fraud.NEW_DEVICE_DAYS), sign_in_since=short_since)
    return repository.facts_row(session, seller_organisation_id, now, short_since=short_since,
                                long_since=now - timedelta(days=fraud.LONG_WINDOW_DAYS),
                                columns=columns or trade_profile_columns(),
                                parameters={**profile_parameters, **(parameters or {})})


def trade_profile_columns() -> tuple[ColumnElement[Any], ...]:
    return profiles.decision_columns()


def velocity_of(row: Mapping[str, Any], now: datetime) -> fraud.Velocity:
    """The velocity figures of a ``facts_row``."""
    newest: datetime | None = row["newest_payout_account_at"]
    gap = row["device_payout_gap_minutes"]
    return fraud.Velocity(
        as_of=now.isoformat(), credit_requests_24h=int(row["credit_requests_short"]),
        credit_requests_30d=int(row["credit_requests_long"]),
        payout_accounts_added_30d=int(row["payout_accounts_added"]),
        days_since_newest_payout_account=None if newest is None else (now - newest).days,
        new_devices_7d=int(row["new_devices"]), sign_in_ips_24h=int(row["sign_in_addresses"]),
        device_payout_gap_minutes=None if gap is None else int(gap))
