"""Does the scorecard method work on a given labelled data set? Cross-validation, time splits and
the model card that goes with a trained model.

``validate_on_csv`` backs ``fourflow risk validate-model``: stratified 5-fold cross-validation
shuffled by the seed; each fold trains the full method (bins, selection, regression, points) on
four folds and measures AUC, KS and Gini of the score on the fifth, so nothing it measures on
was seen in training.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from fourflow.risk.scorecard import drift, metrics
from fourflow.risk.scorecard.errors import (
    BadValueAbsent,
    ColumnMissing,
    DateColumnInvalid,
    TrainingFileNotFound,
    TrainingFileUnreadable,
)
from fourflow.risk.scorecard.training import (
    DEFAULT_SETTINGS,
    TrainedScorecard,
    TrainingSettings,
    binary_outcomes,
    check_size,
    train_scorecard,
)

FOLDS = 5
# Each held-out fold must have at least two bad and two good rows to measure anything.
VALIDATION_MINIMUM_ROWS = 50
VALIDATION_MINIMUM_PER_CLASS = 2 * FOLDS
DECIMALS = 4


@dataclass(frozen=True, slots=True)
class FoldResult:
    fold: int
    training_rows: int
    test_rows: int
    features_used: tuple[str, ...]
    auc: float
    ks: float
    gini: float


def validate_on_csv(path: str | Path, target_column: str, bad_value: str, seed: int) -> dict[str, Any]:
    """Cross-validate the method on a CSV: {"rows", "features_used", "test_auc", "test_ks", "test_gini"}.

    ``features_used`` is the number of input columns the scorecard trained on all rows uses (the
    one a lender would deploy); the test figures are means over the held-out folds, rounded to 4
    decimals.
    """
    frame, target = read_labelled_csv(path, target_column, bad_value)
    check_size(target.to_numpy(), VALIDATION_MINIMUM_ROWS, VALIDATION_MINIMUM_PER_CLASS, column=target_column)
    folds = cross_validate(frame, target, seed=seed)
    deployed = train_scorecard(frame, target, seed=seed)
    return {
        "rows": len(frame),
        "features_used": len(deployed.features_used),
        "test_auc": round(float(np.mean([fold.auc for fold in folds])), DECIMALS),
        "test_ks": round(float(np.mean([fold.ks for fold in folds])), DECIMALS),
        "test_gini": round(float(np.mean([fold.gini for fold in folds])), DECIMALS),
    }


def read_labelled_csv(path: str | Path, target_column: str, bad_value: str) -> tuple[pd.DataFrame, pd.Series]:
    """The feature columns and the 0/1 target (1 where the target column equals ``bad_value``).

    Rows without a target value are dropped: they can neither train nor test.
    """
    file = Path(path)
    if not file.exists():
        raise TrainingFileNotFound(path=str(file))
    try:
        frame = pd.read_csv(file)
    except (OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        # UnicodeDecodeError is a ValueError: a binary file lands here too.
        raise TrainingFileUnreadable(path=str(file), problem=_first_line(error)) from error
    if target_column not in frame.columns:
        raise ColumnMissing(column=target_column, columns=", ".join(map(str, frame.columns)))
    labels = frame.pop(target_column)
    labelled = labels.notna().to_numpy()
    frame = frame.loc[labelled].reset_index(drop=True)
    labels = labels.loc[labelled].reset_index(drop=True)
    bad = _matches(labels, bad_value)
    if not bad.any():
        values = sorted({str(value).strip() for value in labels})
        shown = ", ".join(values[:10]) + (", …" if len(values) > 10 else "")
        raise BadValueAbsent(value=bad_value, column=target_column, values=shown)
    return frame, pd.Series(bad.astype(np.int64), name=target_column)


def cross_validate(frame: pd.DataFrame, target: pd.Series, *, seed: int, folds: int = FOLDS,
                   categorical: list[str] | None = None,
                   settings: TrainingSettings = DEFAULT_SETTINGS) -> tuple[FoldResult, ...]:
    """Stratified k-fold: train on k−1 folds, measure the score on the held-out fold."""
    outcomes = binary_outcomes(target)
    frame = frame.reset_index(drop=True)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    results = []
    for number, (training, test) in enumerate(splitter.split(np.zeros(len(outcomes)), outcomes), start=1):
        trained = train_scorecard(frame.iloc[training], pd.Series(outcomes[training], name=target.name),
                                  categorical=categorical, seed=seed, settings=settings)
        risk = -trained.optbinning_scores(frame.iloc[test])  # a higher score is safer
        held_out = outcomes[test]
        results.append(FoldResult(
            fold=number, training_rows=len(training), test_rows=len(test),
            features_used=trained.features_used, auc=metrics.roc_auc(held_out, risk),
            ks=metrics.ks_statistic(held_out, risk), gini=metrics.gini(held_out, risk)))
    return tuple(results)


def time_split(frame: pd.DataFrame, date_column: str, cutoff: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows dated before ``cutoff`` (to train on) and on or after it (to test on), so a model is
    tested on a later period than it learnt from, as it will be used."""
    if date_column not in frame.columns:
        raise ColumnMissing(column=date_column, columns=", ".join(map(str, frame.columns)))
    raw = frame[date_column]
    dated = pd.to_datetime(raw, errors="coerce")
    invalid = int(dated.isna().sum())
    if invalid:
        raise DateColumnInvalid(column=date_column, count=invalid)
    days = dated.dt.tz_localize(None) if dated.dt.tz is not None else dated
    before = (days < pd.Timestamp(cutoff)).to_numpy()
    return frame.loc[before].reset_index(drop=True), frame.loc[~before].reset_index(drop=True)


@dataclass(frozen=True, slots=True)
class ModelCard:
    """What a trained model is and how it tested: stored beside the model, shown to risk officers."""

    version: str
    training_from: date
    training_to: date
    rows: int  # training rows
    test_rows: int
    auc: float
    ks: float
    gini: float
    brier: float
    psi: float  # score stability, training scores against test scores
    features: tuple[str, ...]
    # What drift monitoring compares new populations with (drift.DriftReference as a dict); cards
    # stored before monitoring existed have none.
    drift_reference: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "version": self.version, "training_from": self.training_from.isoformat(),
            "training_to": self.training_to.isoformat(), "rows": self.rows, "test_rows": self.test_rows,
            "auc": self.auc, "ks": self.ks, "gini": self.gini, "brier": self.brier, "psi": self.psi,
            "features": list(self.features)}
        if self.drift_reference is not None:
            document["drift_reference"] = self.drift_reference
        return document

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> ModelCard:
        return cls(version=str(document["version"]),
                   training_from=date.fromisoformat(document["training_from"]),
                   training_to=date.fromisoformat(document["training_to"]), rows=int(document["rows"]),
                   test_rows=int(document["test_rows"]), auc=float(document["auc"]), ks=float(document["ks"]),
                   gini=float(document["gini"]), brier=float(document["brier"]), psi=float(document["psi"]),
                   features=tuple(str(name) for name in document["features"]),
                   drift_reference=document.get("drift_reference"))


def model_card(trained: TrainedScorecard, training_frame: pd.DataFrame, test_frame: pd.DataFrame,
               test_target: pd.Series, *, version: str, training_from: date, training_to: date) -> ModelCard:
    """Measure a trained model on held-out (later) rows and describe it; figures rounded to 4 decimals.
    The card also keeps the training population's score buckets and bin shares, the reference
    drift monitoring compares new populations with."""
    outcomes = binary_outcomes(test_target)
    test_scores = trained.optbinning_scores(test_frame)
    training_scores = trained.optbinning_scores(training_frame)
    probabilities = trained.probabilities(test_scores)
    reference = drift.build_reference(
        trained.model, training_frame.to_dict("records"),
        score_edges=metrics.bucket_edges(training_scores))
    return ModelCard(
        version=version, training_from=training_from, training_to=training_to, rows=trained.training_rows,
        test_rows=len(outcomes), auc=_rounded(metrics.roc_auc(outcomes, -test_scores)),
        ks=_rounded(metrics.ks_statistic(outcomes, -test_scores)),
        gini=_rounded(metrics.gini(outcomes, -test_scores)),
        brier=_rounded(metrics.brier_score(outcomes, probabilities)),
        psi=_rounded(metrics.population_stability_index(training_scores, test_scores)),
        features=trained.features_used, drift_reference=reference.to_dict())


def _matches(labels: pd.Series, bad_value: str) -> np.ndarray[Any, np.dtype[np.bool_]]:
    wanted = bad_value.strip()
    as_text = np.array([str(value).strip() == wanted for value in labels], dtype=bool)
    if as_text.any() or not pd.api.types.is_numeric_dtype(labels):
        return as_text
    # A numeric column read 1 as 1.0: compare as numbers when the bad value is one.
    try:
        number = float(wanted)
    except ValueError:
        return as_text
    return np.asarray(labels.to_numpy(dtype=np.float64) == number, dtype=bool)


def _rounded(value: float) -> float:
    return round(value, DECIMALS) if math.isfinite(value) else value


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
