"""How well a PD model separates and how well it is calibrated: AUC, KS, Gini, Brier, PSI.

Conventions: ``defaulted`` is 1 for a bad outcome and 0 for a good one; ``risk`` is any number
that is higher for riskier applicants (a PD, or minus a scorecard score, since a higher score
means safer). KS and PSI are computed here with numpy so their definitions are in plain sight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.metrics import roc_auc_score

from fourflow.risk.scorecard.drift import PSI_EMPTY_SHARE
from fourflow.risk.scorecard.errors import MetricUndefined

DEFAULT_BUCKETS = 10


@dataclass(frozen=True, slots=True)
class CalibrationBucket:
    bucket: int  # 1 = the lowest predicted PDs
    rows: int
    bad_rows: int
    lowest_predicted: float
    highest_predicted: float
    mean_predicted: float
    observed_bad_rate: float

    def as_dict(self) -> dict[str, float | int]:
        return {"bucket": self.bucket, "rows": self.rows, "bad_rows": self.bad_rows,
                "lowest_predicted": self.lowest_predicted, "highest_predicted": self.highest_predicted,
                "mean_predicted": self.mean_predicted, "observed_bad_rate": self.observed_bad_rate}


def roc_auc(defaulted: npt.ArrayLike, risk: npt.ArrayLike) -> float:
    """Area under the ROC curve: the chance a random bad row is riskier than a random good one."""
    outcomes, values = _pair(defaulted, risk, "AUC")
    return float(roc_auc_score(outcomes, values))


def gini(defaulted: npt.ArrayLike, risk: npt.ArrayLike) -> float:
    """Gini coefficient (accuracy ratio) = 2 · AUC − 1."""
    return 2.0 * roc_auc(defaulted, risk) - 1.0


def ks_statistic(defaulted: npt.ArrayLike, risk: npt.ArrayLike) -> float:
    """Kolmogorov-Smirnov: the largest gap between the cumulative risk distributions of bad and
    good rows, evaluated at every distinct value (ties move together)."""
    outcomes, values = _pair(defaulted, risk, "KS")
    thresholds = np.unique(values)
    bad_values = np.sort(values[outcomes == 1])
    good_values = np.sort(values[outcomes == 0])
    bad_share = np.searchsorted(bad_values, thresholds, side="right") / len(bad_values)
    good_share = np.searchsorted(good_values, thresholds, side="right") / len(good_values)
    return float(np.max(np.abs(bad_share - good_share)))


def brier_score(defaulted: npt.ArrayLike,
                probability_of_default: npt.ArrayLike) -> float:
    """Mean squared difference between the predicted PD and the outcome (lower is better)."""
    outcomes = np.asarray(defaulted, dtype=np.float64)
    probabilities = np.asarray(probability_of_default, dtype=np.float64)
    if outcomes.shape != probabilities.shape or outcomes.size == 0:
        raise MetricUndefined(metric="Brier score", problem="outcomes and PDs must be non-empty and as many")
    return float(np.mean((probabilities - outcomes) ** 2))


def bucket_edges(sample: npt.ArrayLike, buckets: int = DEFAULT_BUCKETS) -> tuple[float, ...]:
    """Inner edges of ``buckets`` quantile buckets of the sample (repeated edges merged)."""
    values = np.asarray(sample, dtype=np.float64)
    if values.size == 0:
        raise MetricUndefined(metric="PSI", problem="the reference sample is empty")
    quantiles = np.quantile(values, np.linspace(0, 1, buckets + 1)[1:-1])
    return tuple(float(edge) for edge in np.unique(quantiles))


def population_stability_index(expected: npt.ArrayLike, actual: npt.ArrayLike,
                               *, edges: Sequence[float] | None = None,
                               buckets: int = DEFAULT_BUCKETS) -> float:
    """PSI = Σ (actual share − expected share) · ln(actual share / expected share) over fixed buckets.

    Buckets are ``edges`` if given (inner edges; a value equal to an edge goes to the bucket above),
    else the quantile buckets of ``expected``. Rules of thumb: < 0.1 stable, 0.1-0.25 watch, > 0.25 shifted.
    """
    reference = np.asarray(expected, dtype=np.float64)
    current = np.asarray(actual, dtype=np.float64)
    if reference.size == 0 or current.size == 0:
        raise MetricUndefined(metric="PSI", problem="both samples must be non-empty")
    inner = np.asarray(edges if edges is not None else bucket_edges(reference, buckets), dtype=np.float64)
    if np.any(np.diff(inner) <= 0):
        raise MetricUndefined(metric="PSI", problem="bucket edges must be ascending")
    reference_share = _bucket_shares(reference, inner)
    current_share = _bucket_shares(current, inner)
    return float(np.sum((current_share - reference_share) * np.log(current_share / reference_share)))


def calibration_table(defaulted: npt.ArrayLike,
                      probability_of_default: npt.ArrayLike,
                      *, buckets: int = DEFAULT_BUCKETS) -> tuple[CalibrationBucket, ...]:
    """Predicted against observed bad rate in ``buckets`` groups of (nearly) equal size by PD."""
    outcomes = np.asarray(defaulted, dtype=np.int64)
    probabilities = np.asarray(probability_of_default, dtype=np.float64)
    if outcomes.shape != probabilities.shape or outcomes.size == 0:
        raise MetricUndefined(metric="calibration table",
                              problem="outcomes and PDs must be non-empty and as many")
    order = np.argsort(probabilities, kind="mergesort")  # stable: equal PDs keep their input order
    table = []
    for number, indices in enumerate(np.array_split(order, min(buckets, outcomes.size)), start=1):
        predicted = probabilities[indices]
        bad = int(outcomes[indices].sum())
        table.append(CalibrationBucket(
            bucket=number, rows=int(indices.size), bad_rows=bad, lowest_predicted=float(predicted.min()),
            highest_predicted=float(predicted.max()), mean_predicted=float(predicted.mean()),
            observed_bad_rate=bad / int(indices.size)))
    return tuple(table)


def _bucket_shares(values: npt.NDArray[np.float64],
                   inner_edges: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    counts = np.bincount(np.searchsorted(inner_edges, values, side="right"), minlength=inner_edges.size + 1)
    shares = counts / values.size
    return np.asarray(np.maximum(shares, PSI_EMPTY_SHARE), dtype=np.float64)


def _pair(defaulted: npt.ArrayLike, risk: npt.ArrayLike,
          metric: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    outcomes = np.asarray(defaulted, dtype=np.int64)
    values = np.asarray(risk, dtype=np.float64)
    if outcomes.ndim != 1 or outcomes.shape != values.shape:
        raise MetricUndefined(metric=metric, problem="outcomes and risk values must be as many")
    if not np.isin(outcomes, (0, 1)).all():
        raise MetricUndefined(metric=metric, problem="outcomes must be 0 or 1")
    if outcomes.sum() in (0, outcomes.size):
        raise MetricUndefined(metric=metric, problem="both bad and good outcomes are needed")
    return outcomes, values
