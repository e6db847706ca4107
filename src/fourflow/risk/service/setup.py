"""Readying the risk engine on a platform's data: the shipped rule sets, a PD scorecard trained
on the outcomes so far, today's features of every seller (what decisions read) and a first
drift check of the model on them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.months import add_months
from fourflow.identity import service as identity
from fourflow.risk.models import CreditModel
from fourflow.risk.scorecard.errors import TargetSingleClass, TrainingDataTooSmall
from fourflow.risk.service import anomalies, features, graph, monitoring, rule_sets, training

# Observations start once sellers have three months of history; the last months are the test.
WARM_UP_MONTHS = 3
TEST_SHARE = 0.3


class SimulatedWorld(Protocol):
    """What the risk engine needs of a simulated world's truth (the demo world's WorldTruth)."""

    @property
    def seed(self) -> int: ...
    @property
    def first_month(self) -> date: ...
    @property
    def end_month(self) -> date: ...
    def default_dates(self) -> dict[str, date]: ...


def prepare_risk_engine(session: Session, context: audit.AuditContext, *,
                        defaulted_on: Mapping[uuid.UUID, date], first_month: date, end_month: date,
                        version: str, secret: str) -> CreditModel | None:
    """``first_month``/``end_month``: the months with trade data (end exclusive). Returns None
    when the data is too little to train on (a short or small world): decisions then say that no
    credit model is active."""
    rule_sets.install_defaults(session)
    # Related parties first: their alerts are what decisions read for rings and cycles.
    graph.raise_related_party_alerts(session, graph.detect_related_party_risk(session, secret=secret,
                                                                              context=context))
    sellers = [organisation.id for organisation in identity.organisations_of_kind(session, "seller")]
    first_as_of = add_months(first_month, WARM_UP_MONTHS)
    months = (end_month.year - first_as_of.year) * 12 + end_month.month - first_as_of.month
    test_from = add_months(end_month, -max(1, round(months * TEST_SHARE)))
    try:
        model = training.train_on_outcomes(
            session, context, sellers=sellers, defaulted_on=defaulted_on, version=version,
            window=training.TrainingWindow(first_as_of=first_as_of, test_from=test_from,
                                           last_as_of=end_month))
    except (TrainingDataTooSmall, TargetSingleClass):
        model = None
    today = get_clock().now().date()
    for seller in sellers:
        features.refresh_snapshot(session, seller, today)
    anomalies.raise_anomaly_alerts(session)
    if model is not None:
        monitoring.check_drift(session, context, as_of=today)
    return model


def world_defaulted_on(session: Session, truth: SimulatedWorld) -> dict[uuid.UUID, date]:
    """A simulated world's defaults as training outcomes: each defaulting seller's organisation id
    and the first day of the month it defaults in. Sellers not in the database are left out."""
    sellers = {organisation.slug: organisation.id
               for organisation in identity.organisations_of_kind(session, "seller")}
    return {sellers[slug]: day for slug, day in truth.default_dates().items() if slug in sellers}


def prepare_risk_engine_for_world(session: Session, truth: SimulatedWorld, *, secret: str,
                                  context: audit.AuditContext | None = None,
                                  version: str | None = None) -> CreditModel | None:
    """``prepare_risk_engine`` on a simulated world: its defaults are the outcomes the first
    credit model learns from; the model's version names the world unless ``version`` is given."""
    return prepare_risk_engine(
        session, context or audit.AuditContext.system(), defaulted_on=world_defaulted_on(session, truth),
        first_month=truth.first_month, end_month=truth.end_month,
        version=version or f"pd-demo-{truth.seed}-{truth.end_month:%Y%m}", secret=secret)
