"""Unsupervised patterns in seller features (F11, F16): anomalies and peer groups.

No labels are needed: an isolation forest finds sellers whose feature vectors are easy to isolate
(unusual combinations, not just one extreme value), and k-means groups sellers into peer groups a
risk officer can name ("fast-growing, concentrated"). Both work on standardised features so no
feature dominates by its units, and both are deterministic for a given seed and input (entities are
processed in sorted order, whatever order the mapping has).

Missing or non-finite values are filled with the feature's median, so they look ordinary rather
than unusual; a feature nobody has is left out.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from sklearn.cluster import KMeans
from sklearn.ensemble import IsolationForest
from sklearn.metrics import silhouette_score

from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_

MINIMUM_ENTITIES = 3
DEFAULT_CONTAMINATION = 0.05
DEFAULT_TOP_FEATURES = 3
FOREST_TREES = 200
MAXIMUM_AUTOMATIC_CLUSTERS = 8
# Scales the median absolute deviation to the standard deviation of a normal distribution.
MAD_TO_STANDARD_DEVIATION = 1.4826

FeatureRows = Mapping[str, Mapping[str, float | int | None]]


class AnomalyInputInvalid(ValidationFailed):
    code = "anomaly_input_invalid"
    message = N_("Unusual-pattern analysis needs at least {minimum} sellers with at least one feature; "
                 "got {count}.")


class ContaminationInvalid(ValidationFailed):
    code = "contamination_invalid"
    message = N_("The expected share of anomalies must be above 0 and at most 0.5; got {value}.")


class ClusterCountInvalid(ValidationFailed):
    code = "cluster_count_invalid"
    message = N_("The number of peer groups must be between 1 and the number of sellers ({count}); "
                 "got {value}.")


@dataclass(frozen=True, slots=True)
class FeatureDeviation:
    """How far an entity's value lies from the population: robust z = (value − median) / (1.4826 · MAD)."""

    feature: str
    value: float
    robust_z: float

    def as_dict(self) -> dict[str, float | str]:
        return {"feature": self.feature, "value": self.value, "robust_z": self.robust_z}


@dataclass(frozen=True, slots=True)
class AnomalyResult:
    entity: str
    # The isolation forest's anomaly score: about 0.5 for ordinary rows, towards 1 for rows isolated
    # in few splits; comparable within one run.
    anomaly_score: float
    flagged: bool
    contributions: tuple[FeatureDeviation, ...]  # the features furthest from the median, furthest first

    def as_dict(self) -> dict[str, object]:
        return {"entity": self.entity, "anomaly_score": self.anomaly_score, "flagged": self.flagged,
                "contributions": [item.as_dict() for item in self.contributions]}


@dataclass(frozen=True, slots=True)
class ClusterTrait:
    feature: str
    centroid_value: float  # the mean of the group's members, in the feature's own units
    standardised: float  # the same mean in standard deviations from the population mean
    level: Literal["high", "low"]


@dataclass(frozen=True, slots=True)
class ClusterDescription:
    cluster: int  # 0 = the largest group
    size: int
    centroid: Mapping[str, float]
    traits: tuple[ClusterTrait, ...]  # what sets the group apart, most distinctive first


@dataclass(frozen=True, slots=True)
class SellerClusters:
    assignments: Mapping[str, int]
    clusters: tuple[ClusterDescription, ...]
    silhouette: float | None  # None when there is one group


@dataclass(frozen=True, slots=True)
class _Matrix:
    entities: tuple[str, ...]
    features: tuple[str, ...]
    values: npt.NDArray[np.float64]  # missing values filled with the median
    present: npt.NDArray[np.bool_]


def detect_anomalies(feature_rows: FeatureRows, *, seed: int, contamination: float = DEFAULT_CONTAMINATION,
                     top_features: int = DEFAULT_TOP_FEATURES) -> dict[str, AnomalyResult]:
    """Score each entity with an isolation forest; flag the ``contamination`` share most unusual."""
    if not 0 < contamination <= 0.5:
        raise ContaminationInvalid(value=contamination)
    matrix = _matrix(feature_rows)
    forest = IsolationForest(n_estimators=FOREST_TREES, contamination=contamination, random_state=seed,
                             n_jobs=1)
    standardised = _standardise(matrix.values)
    forest.fit(standardised)
    scores = -forest.score_samples(standardised)
    flagged = forest.predict(standardised) == -1
    deviations = _robust_z(matrix.values)
    results: dict[str, AnomalyResult] = {}
    for row, entity in enumerate(matrix.entities):
        candidates = [FeatureDeviation(feature, float(matrix.values[row, column]),
                                       round(float(deviations[row, column]), 6))
                      for column, feature in enumerate(matrix.features) if matrix.present[row, column]]
        candidates.sort(key=lambda item: (-abs(item.robust_z), item.feature))
        results[entity] = AnomalyResult(entity=entity, anomaly_score=round(float(scores[row]), 6),
                                        flagged=bool(flagged[row]),
                                        contributions=tuple(candidates[:top_features]))
    return results


def cluster_sellers(feature_rows: FeatureRows, k: int | None = None, *, seed: int,
                    top_traits: int = DEFAULT_TOP_FEATURES) -> SellerClusters:
    """Group entities with k-means on standardised features; ``k=None`` picks 2-8 by silhouette."""
    matrix = _matrix(feature_rows)
    standardised = _standardise(matrix.values)
    count = len(matrix.entities)
    distinct = len(np.unique(standardised, axis=0))
    if k is not None and not 1 <= k <= count:
        raise ClusterCountInvalid(count=count, value=k)
    if k is None:
        labels, silhouette = _best_clustering(standardised, distinct, seed)
    else:
        labels = _kmeans(standardised, min(k, distinct), seed)
        silhouette = _silhouette(standardised, labels)
    return _describe(matrix, standardised, labels, silhouette, top_traits)


def _matrix(feature_rows: FeatureRows) -> _Matrix:
    entities = tuple(sorted(feature_rows))
    names = sorted({name for entity in entities for name in feature_rows[entity]})
    raw = np.full((len(entities), len(names)), np.nan)
    for row, entity in enumerate(entities):
        features = feature_rows[entity]
        for column, name in enumerate(names):
            raw[row, column] = _number(features.get(name))
    present = np.isfinite(raw)
    keep = present.any(axis=0)
    if len(entities) < MINIMUM_ENTITIES or not keep.any():
        raise AnomalyInputInvalid(minimum=MINIMUM_ENTITIES, count=len(entities))
    raw, present = raw[:, keep], present[:, keep]
    medians = np.nanmedian(raw, axis=0)
    filled = np.where(present, raw, medians)
    kept_names = tuple(name for name, kept in zip(names, keep, strict=True) if kept)
    return _Matrix(entities=entities, features=kept_names, values=filled, present=present)


def _number(value: object) -> float:
    if value is None or isinstance(value, str):
        return math.nan
    try:
        number = float(value)  # type: ignore[arg-type]  # int, float, Decimal, bool, numpy scalars
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _standardise(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    spread = values.std(axis=0)
    return np.asarray((values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0), dtype=np.float64)


def _robust_z(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    medians = np.median(values, axis=0)
    spread = MAD_TO_STANDARD_DEVIATION * np.median(np.abs(values - medians), axis=0)
    # Where most values are equal the MAD is 0; the standard deviation still measures the odd one out.
    spread = np.where(spread > 0, spread, values.std(axis=0))
    return np.asarray((values - medians) / np.where(spread > 0, spread, 1.0), dtype=np.float64)


def _kmeans(standardised: npt.NDArray[np.float64], k: int, seed: int) -> npt.NDArray[np.int64]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a ConvergenceWarning on duplicate points changes nothing here
        fitted = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(standardised)
    return np.asarray(fitted.labels_, dtype=np.int64)


def _silhouette(standardised: npt.NDArray[np.float64], labels: npt.NDArray[np.int64]) -> float | None:
    groups = len(np.unique(labels))
    if groups < 2 or groups >= len(labels):
        return None
    return round(float(silhouette_score(standardised, labels)), 6)


def _best_clustering(standardised: npt.NDArray[np.float64], distinct: int,
                     seed: int) -> tuple[npt.NDArray[np.int64], float | None]:
    best: tuple[npt.NDArray[np.int64], float | None] = (np.zeros(len(standardised), dtype=np.int64), None)
    for k in range(2, min(MAXIMUM_AUTOMATIC_CLUSTERS, distinct - 1, len(standardised) - 1) + 1):
        labels = _kmeans(standardised, k, seed)
        silhouette = _silhouette(standardised, labels)
        if silhouette is not None and (best[1] is None or silhouette > best[1]):
            best = (labels, silhouette)  # ties keep the smaller k
    return best


def _describe(matrix: _Matrix, standardised: npt.NDArray[np.float64], labels: npt.NDArray[np.int64],
              silhouette: float | None, top_traits: int) -> SellerClusters:
    # Number the groups by size (largest first), ties by their first member, so ids are stable.
    groups = sorted(np.unique(labels), key=lambda label: (-int(np.sum(labels == label)),
                                                          int(np.argmax(labels == label))))
    renumbered = {int(label): number for number, label in enumerate(groups)}
    descriptions = []
    for label in groups:
        members = labels == label
        means = matrix.values[members].mean(axis=0)
        standardised_means = standardised[members].mean(axis=0)
        traits = sorted(
            (ClusterTrait(feature, round(float(means[column]), 6),
                          round(float(standardised_means[column]), 6),
                          "high" if standardised_means[column] > 0 else "low")
             for column, feature in enumerate(matrix.features) if abs(standardised_means[column]) > 1e-9),
            key=lambda trait: (-abs(trait.standardised), trait.feature))
        descriptions.append(ClusterDescription(
            cluster=renumbered[int(label)], size=int(members.sum()),
            centroid={feature: round(float(means[column]), 6)
                      for column, feature in enumerate(matrix.features)},
            traits=tuple(traits[:top_traits])))
    assignments = {entity: renumbered[int(labels[row])] for row, entity in enumerate(matrix.entities)}
    return SellerClusters(assignments=assignments, clusters=tuple(descriptions), silhouette=silhouette)
