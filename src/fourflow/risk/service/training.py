"""Training the PD scorecard on the platform's own outcomes (F11), with a time-based split.

Each observation is a seller as of the first day of a month: its features then (computed with
no look-ahead) and whether it defaulted within the following twelve months. Observations after
a seller's default are left out. The model learns from the earlier months and is measured on the
later ones, as it will be used; the model card stores both windows and the measures.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.months import add_months
from fourflow.risk.models import CreditModel
from fourflow.risk.service import features, models

HORIZON_MONTHS = 12
AS_OF_COLUMN = "as_of"


@dataclass(frozen=True, slots=True)
class TrainingWindow:
    first_as_of: date   # first observation month (its first day)
    test_from: date     # observations from this month on are the test set
    last_as_of: date    # last observation month


def train_on_outcomes(session: Session, context: audit.AuditContext, *, sellers: Sequence[uuid.UUID],
                      defaulted_on: Mapping[uuid.UUID, date], window: TrainingWindow, version: str,
                      seed: int = 7) -> CreditModel:
    """Build the observations, train on the earlier ones, measure on the later ones, register."""
    # Imported here: training pulls in pandas and optbinning, which deciding never needs.
    import pandas as pd

    from fourflow.risk.scorecard.errors import TrainingDataTooSmall
    from fourflow.risk.scorecard.training import (
        TRAINING_MINIMUM_PER_CLASS,
        TRAINING_MINIMUM_ROWS,
        train_scorecard,
    )
    from fourflow.risk.scorecard.validation import model_card, time_split

    rows: list[dict[str, object]] = []
    for seller in sellers:
        default = defaulted_on.get(seller)
        for as_of in _months(window.first_as_of, window.last_as_of):
            if default is not None and default <= as_of:
                continue
            vector = features.compute_features(session, seller, as_of)
            features.store_snapshot(session, seller, vector)
            bad = default is not None and default < add_months(as_of, HORIZON_MONTHS)
            rows.append({**vector.values, AS_OF_COLUMN: as_of, "bad": int(bad)})
    if not rows:
        raise TrainingDataTooSmall(rows=0, bad=0, minimum_rows=TRAINING_MINIMUM_ROWS,
                                   minimum_per_class=TRAINING_MINIMUM_PER_CLASS)
    frame = pd.DataFrame(rows)
    training, test = time_split(frame, AS_OF_COLUMN, window.test_from)
    columns = [name for name in features.FEATURE_NAMES if name in frame.columns]
    trained = train_scorecard(training[columns].astype(float), training["bad"], seed=seed)
    card = model_card(trained, training[columns].astype(float), test[columns].astype(float), test["bad"],
                      version=version, training_from=window.first_as_of,
                      training_to=add_months(window.test_from, -1))
    return models.register(session, context, trained.model, card.to_dict() | {
        "test_from": window.test_from.isoformat(), "test_to": window.last_as_of.isoformat(),
        "horizon_months": HORIZON_MONTHS, "features_version": features.FEATURES_VERSION,
        "bad_rows": int(frame["bad"].sum()), "observations": len(frame)}, version=version)


def _months(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months

