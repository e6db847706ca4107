"""Population stability of a scorecard: the reference its model card keeps, and how far a new
population has moved from it.

The reference is the training population seen through the model: the score's quantile buckets
with the share of training rows in each, and for every characteristic the share of training rows
in each of its bins (the model's own bins, then the missing bin). A new population is scored and
binned by the same portable model and compared bucket by bucket with the population stability
index, ``PSI = Σ (actual share − expected share) · ln(actual share / expected share)``, an empty
bucket counting as a share of ``PSI_EMPTY_SHARE``.

Pure Python, like the portable model: monitoring reads a stored card and never needs pandas,
numpy or optbinning.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import pairwise
from typing import Any

from fourflow.risk.scorecard.errors import DriftReferenceInvalid
from fourflow.risk.scorecard.model import Characteristic, ScorecardModel

REFERENCE_FORMAT = "fourflow-drift-reference/1"
# An empty bucket would make ln(0); count it as this share instead (the usual practice).
PSI_EMPTY_SHARE = 1e-4
PSI_PLACES = Decimal("0.000001")
# The industry convention for PSI (e.g. Siddiqi, "Credit Risk Scorecards"): below 0.10 the
# population has not changed materially; 0.10 to 0.25 it has moved and is worth watching; from
# 0.25 on it has shifted and the model's figures no longer describe it.
STABLE_BELOW = Decimal("0.10")
WATCH_BELOW = Decimal("0.25")
STABLE, WATCH, DRIFTED = "stable", "watch", "drifted"

@dataclass(frozen=True, slots=True)
class Distribution:
    """Shares of a population over fixed buckets, in bucket order (they sum to 1)."""

    labels: tuple[str, ...]
    shares: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class DriftReference:
    """The training population's distribution of the score and of each characteristic's bins."""

    population: int
    score_edges: tuple[float, ...]  # inner edges; a score equal to an edge is in the bucket above
    score_shares: tuple[float, ...]
    characteristics: dict[str, Distribution]  # bins in the model's order, then the missing bin

    def score_distribution(self) -> Distribution:
        return Distribution(score_bucket_labels(self.score_edges), self.score_shares)

    def to_dict(self) -> dict[str, Any]:
        return {"format": REFERENCE_FORMAT, "population": self.population,
                "score": {"edges": list(self.score_edges), "shares": list(self.score_shares)},
                "characteristics": {name: {"bins": list(distribution.labels),
                                           "shares": list(distribution.shares)}
                                    for name, distribution in self.characteristics.items()}}

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> DriftReference:
        try:
            if document.get("format") != REFERENCE_FORMAT:
                raise DriftReferenceInvalid(problem=f"the format is not {REFERENCE_FORMAT}")
            score = document["score"]
            edges = tuple(_real(edge) for edge in score["edges"])
            shares = tuple(_real(share) for share in score["shares"])
            if len(shares) != len(edges) + 1 or any(later <= earlier for earlier, later in pairwise(edges)):
                raise DriftReferenceInvalid(problem="the score needs ascending edges and one share more")
            characteristics = {}
            for name, item in document["characteristics"].items():
                labels = tuple(str(label) for label in item["bins"])
                bin_shares = tuple(_real(share) for share in item["shares"])
                if len(labels) != len(bin_shares):
                    raise DriftReferenceInvalid(problem=f"{name} needs one share per bin")
                characteristics[str(name)] = Distribution(labels, bin_shares)
            return cls(population=int(document["population"]), score_edges=edges, score_shares=shares,
                       characteristics=characteristics)
        except DriftReferenceInvalid:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DriftReferenceInvalid(problem=f"{type(error).__name__}: {error}") from error


@dataclass(frozen=True, slots=True)
class Stability:
    """One distribution of a new population against the reference's, and its PSI."""

    labels: tuple[str, ...]
    expected: tuple[float, ...]
    actual: tuple[float, ...]
    psi: Decimal  # rounded to PSI_PLACES
    status: str

    def as_dict(self) -> dict[str, Any]:
        return {"psi": float(self.psi), "status": self.status, "bins": list(self.labels),
                "expected_shares": list(self.expected), "actual_shares": list(self.actual)}


@dataclass(frozen=True, slots=True)
class PopulationDrift:
    population: int
    score: Stability
    characteristics: dict[str, Stability]  # in the model's order
    status: str


def characteristic_bins(characteristic: Characteristic) -> tuple[str, ...]:
    """The bins' texts in position order: the characteristic's bins, then the missing bin."""
    return (*(characteristic.bin_text(index) for index in range(len(characteristic.bin_points))),
            characteristic.bin_text(None))


def bin_position(characteristic: Characteristic, bin_index: int | None) -> int:
    """The bin's position among ``characteristic_bins`` (the missing bin is the last)."""
    return len(characteristic.bin_points) if bin_index is None else bin_index


def score_bucket(edges: Sequence[float], score: float) -> int:
    return bisect_right(edges, score)


def score_bucket_labels(edges: Sequence[float]) -> tuple[str, ...]:
    # Written as the bins of a characteristic are (``[600, 612.5)``).
    bounds = ["-inf", *(format(edge, ".6g") for edge in edges), "inf"]
    return tuple(f"{'(' if index == 0 else '['}{bounds[index]}, {bounds[index + 1]})"
                 for index in range(len(edges) + 1))


def shares(positions: Iterable[int], buckets: int) -> tuple[float, ...]:
    """The share of the positions in each of ``buckets`` buckets."""
    counts = [0] * buckets
    for position in positions:
        counts[position] += 1
    total = sum(counts)
    if total == 0:
        raise DriftReferenceInvalid(problem="the population is empty")
    return tuple(count / total for count in counts)


def population_stability_index(expected: Sequence[float], actual: Sequence[float]) -> float:
    """PSI of the ``actual`` shares against the ``expected`` ones, bucket by bucket."""
    if len(expected) != len(actual) or not expected:
        raise DriftReferenceInvalid(problem="the shares must be as many and not none")
    total = 0.0
    for expected_share, actual_share in zip(expected, actual, strict=True):
        reference, current = max(expected_share, PSI_EMPTY_SHARE), max(actual_share, PSI_EMPTY_SHARE)
        total += (current - reference) * math.log(current / reference)
    return total


def stability_status(psi: Decimal) -> str:
    if psi < STABLE_BELOW:
        return STABLE
    return WATCH if psi < WATCH_BELOW else DRIFTED


def build_reference(model: ScorecardModel, population: Sequence[Mapping[str, object]], *,
                    score_edges: Sequence[float]) -> DriftReference:
    """The reference of ``population`` (the training rows) over the given score bucket edges."""
    edges = tuple(float(edge) for edge in score_edges)
    scores, positions = _scored(model, population)
    return DriftReference(
        population=len(population), score_edges=edges,
        score_shares=shares((score_bucket(edges, score) for score in scores), len(edges) + 1),
        characteristics={characteristic.name: Distribution(
            characteristic_bins(characteristic),
            shares(positions[characteristic.name], len(characteristic.bin_points) + 1))
            for characteristic in model.characteristics})


def compare(reference: DriftReference, model: ScorecardModel,
            population: Sequence[Mapping[str, object]]) -> PopulationDrift:
    """How far ``population`` (feature values, one mapping per member) moved from the reference.

    The overall status is the score's: the score is what decisions read. A characteristic that
    drifted while the score held makes it at least ``watch``, since the score may hold only because
    moves of several characteristics cancel out.
    """
    check_matches(reference, model)
    scores, positions = _scored(model, population)
    edges = reference.score_edges
    score = _stability(reference.score_distribution(),
                       shares((score_bucket(edges, value) for value in scores), len(edges) + 1))
    characteristics = {characteristic.name: _stability(
        reference.characteristics[characteristic.name],
        shares(positions[characteristic.name], len(characteristic.bin_points) + 1))
        for characteristic in model.characteristics}
    status = score.status
    if status == STABLE and any(item.status == DRIFTED for item in characteristics.values()):
        status = WATCH
    return PopulationDrift(population=len(population), score=score, characteristics=characteristics,
                           status=status)


def check_matches(reference: DriftReference, model: ScorecardModel) -> None:
    """The reference must describe this model's characteristics and bins."""
    if set(reference.characteristics) != set(model.characteristic_names):
        raise DriftReferenceInvalid(problem="its characteristics are not the model's")
    for characteristic in model.characteristics:
        if reference.characteristics[characteristic.name].labels != characteristic_bins(characteristic):
            raise DriftReferenceInvalid(problem=f"the bins of {characteristic.name} are not the model's")


def _scored(model: ScorecardModel,
            population: Sequence[Mapping[str, object]]) -> tuple[list[int], dict[str, list[int]]]:
    """Each member's score, and per characteristic each member's bin position."""
    scores: list[int] = []
    positions: dict[str, list[int]] = {name: [] for name in model.characteristic_names}
    by_name = {characteristic.name: characteristic for characteristic in model.characteristics}
    for features in population:
        total = model.base_points
        for name, bin_index in model.bins_of(features).items():
            characteristic = by_name[name]
            total += characteristic.points_of(bin_index)
            positions[name].append(bin_position(characteristic, bin_index))
        scores.append(total)
    return scores, positions


def _stability(reference: Distribution, actual: tuple[float, ...]) -> Stability:
    psi = Decimal(repr(population_stability_index(reference.shares, actual))).quantize(
        PSI_PLACES, rounding=ROUND_HALF_EVEN)
    return Stability(labels=reference.labels, expected=reference.shares, actual=actual, psi=psi,
                     status=stability_status(psi))


def _real(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DriftReferenceInvalid(problem=f"{value!r} is not a finite number")
    return float(value)
