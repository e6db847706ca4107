"""Everything a new credit decision reads, in one round trip: the seller's organisation
(identity), its velocity figures, open alerts and trade profile (``velocity.facts_row``), its
feature snapshot of the day, and which rule sets and model are active.

A decision is the platform's hottest write (bench/decision.py); each round trip saved is a wait
on PostgreSQL and a hand-over of the GIL saved, so the five reads are one SELECT of scalar
subqueries, each built by the domain or module that owns its table."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from fourflow.identity import service as identity
from fourflow.risk.service import engines, features, sellers, velocity


@dataclass(frozen=True, slots=True)
class DecisionInputs:
    facts: sellers.SellerFacts
    features: features.FeatureVector
    engines: engines.ActiveEngines


def read(session: Session, seller_organisation_id: uuid.UUID, now: datetime) -> DecisionInputs:
    """Raises SellerUnknown for an organisation that is not a seller, NoActiveCreditModel when no
    model is active; computes and stores the day's features when none are stored yet."""
    row = velocity.facts_row(session, seller_organisation_id, now, columns=_columns(), parameters={
        **identity.organisation_parameters(seller_organisation_id),
        **features.day_snapshot_parameters(seller_organisation_id, now.date())})
    facts = sellers.facts_of(seller_organisation_id, row, now)
    return DecisionInputs(facts, features.day_features(session, seller_organisation_id, now.date(), row),
                          engines.active_engines(session, row["active_versions"]))


@cache
def _columns() -> tuple[ColumnElement[Any], ...]:
    # One tuple for the life of the process: the statement is built (and cached) per tuple.
    return (velocity.trade_profile_columns() + identity.organisation_columns()
            + features.day_snapshot_columns() + (engines.active_versions_column(),))
