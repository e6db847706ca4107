"""The portable scorecard: plain numbers scored in pure Python and stored as plain JSON.

A trained scorecard is a table: for each characteristic its bins (numeric split points or groups
of categories, plus a bin for missing values) and the points each bin is worth, a base number of
points, the score scaling and the score → PD calibration. Nothing here imports pandas, numpy or
optbinning, so a stored decision is replayed exactly from the JSON alone, years later, without
unpickling anything, and one score takes microseconds.

Scaling (documented once, used by training): the score is ``600`` at odds of ``50:1`` good to bad,
and ``20`` more points double the odds (PDO 20): ``score = 600 + 20 · log2(odds_good / 50)``.
Points are rounded to whole numbers per bin, so the total is an integer.

Values are read as follows: a numeric characteristic takes anything ``float()`` accepts; ``None``,
NaN or an absent key fall in the missing bin. A categorical characteristic compares ``str(value)``
with the categories seen in training (which were turned into text the same way); a category not
seen in training scores like a missing value, as optbinning scores it.
"""

from __future__ import annotations

import hashlib
import json
import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import pairwise
from typing import Any, Literal

from fourflow.risk.scorecard import reasons
from fourflow.risk.scorecard.errors import CharacteristicValueInvalid, ScorecardModelInvalid

MODEL_FORMAT = "fourflow-scorecard/1"
CharacteristicKind = Literal["numeric", "categorical"]
NUMERIC: CharacteristicKind = "numeric"
CATEGORICAL: CharacteristicKind = "categorical"
MISSING_BIN_TEXT = "missing"
DEFAULT_TOP_REASONS = 4


@dataclass(frozen=True, slots=True)
class ScoreScaling:
    """``base_points`` at odds ``base_odds``:1 (good:bad); ``points_to_double_odds`` more doubles them."""

    base_points: int = 600
    base_odds: int = 50
    points_to_double_odds: int = 20


@dataclass(frozen=True, slots=True)
class PlattCalibration:
    """PD = 1 / (1 + exp(-(intercept + slope · score))), fitted on the training scores."""

    intercept: float
    slope: float

    def probability_of_default(self, score: float) -> float:
        return _logistic(self.intercept + self.slope * score)


@dataclass(frozen=True, slots=True)
class Characteristic:
    """One input column of the scorecard, its bins and the points of each bin.

    Numeric: bin ``i`` holds ``split_points[i-1] <= value < split_points[i]`` (the first bin is
    open below, the last open above). Categorical: bin ``i`` holds the categories in
    ``category_groups[i]``. ``missing_points`` is for a missing value (and an unseen category).
    """

    name: str
    kind: CharacteristicKind
    bin_points: tuple[int, ...]
    missing_points: int
    split_points: tuple[float, ...] = ()
    category_groups: tuple[tuple[str, ...], ...] = ()
    _bin_of_category: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise ScorecardModelInvalid(problem="a characteristic has no name")
        if not self.bin_points:
            raise ScorecardModelInvalid(problem=f"{self.name} has no bins")
        lookup: dict[str, int] = {}
        if self.kind == NUMERIC:
            if self.category_groups or len(self.bin_points) != len(self.split_points) + 1:
                raise ScorecardModelInvalid(problem=f"{self.name} needs one bin more than split points")
            if any(not math.isfinite(point) for point in self.split_points) or any(
                    later <= earlier for earlier, later in pairwise(self.split_points)):
                raise ScorecardModelInvalid(problem=f"{self.name} split points must be finite and ascending")
        elif self.kind == CATEGORICAL:
            if self.split_points or len(self.bin_points) != len(self.category_groups):
                raise ScorecardModelInvalid(problem=f"{self.name} needs one group of categories per bin")
            for index, group in enumerate(self.category_groups):
                for category in group:
                    if category in lookup:
                        raise ScorecardModelInvalid(problem=f"{self.name} has {category} in two bins")
                    lookup[category] = index
        else:
            raise ScorecardModelInvalid(problem=f"{self.name} has the unknown kind {self.kind}")
        object.__setattr__(self, "_bin_of_category", lookup)

    @property
    def best_points(self) -> int:
        """The most points this characteristic can give (the reference for reason codes)."""
        return max(*self.bin_points, self.missing_points)

    def bin_of(self, value: object) -> int | None:
        """The index of the bin the value falls in; None for the missing bin."""
        if _is_missing(value):
            return None
        if self.kind == NUMERIC:
            return bisect_right(self.split_points, _as_number(self.name, value))
        return self._bin_of_category.get(str(value))

    def points_of(self, bin_index: int | None) -> int:
        return self.missing_points if bin_index is None else self.bin_points[bin_index]

    def bin_text(self, bin_index: int | None) -> str:
        """The bin as a risk officer reads it: ``[0.08, 0.12)``, ``{rent, for free}``, ``missing``."""
        if bin_index is None:
            return MISSING_BIN_TEXT
        if self.kind == CATEGORICAL:
            return "{" + ", ".join(self.category_groups[bin_index]) + "}"
        lower = "-inf" if bin_index == 0 else _number_text(self.split_points[bin_index - 1])
        upper = "inf" if bin_index == len(self.split_points) else _number_text(self.split_points[bin_index])
        opening = "(" if bin_index == 0 else "["
        return f"{opening}{lower}, {upper})"

    def direction_from_best(self, bin_index: int | None) -> reasons.Direction | None:
        """Whether a numeric bin lies above or below the best bin (None: categorical or missing)."""
        if self.kind != NUMERIC or bin_index is None:
            return None
        best = self.bin_points.index(max(self.bin_points))
        if bin_index == best:
            return None
        return "higher" if bin_index > best else "lower"

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"name": self.name, "kind": self.kind, "bin_points": list(self.bin_points),
                                    "missing_points": self.missing_points}
        if self.kind == NUMERIC:
            document["split_points"] = list(self.split_points)
        else:
            document["category_groups"] = [list(group) for group in self.category_groups]
        return document

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Characteristic:
        kind = document["kind"]
        return cls(
            name=_text(document["name"], "name"), kind=kind,
            bin_points=tuple(_integer(points, "bin_points") for points in document["bin_points"]),
            missing_points=_integer(document["missing_points"], "missing_points"),
            split_points=tuple(_real(point, "split_points") for point in document.get("split_points", ())),
            category_groups=tuple(tuple(_text(category, "category_groups") for category in group)
                                  for group in document.get("category_groups", ())))


@dataclass(frozen=True, slots=True)
class ReasonCode:
    """A characteristic that cost points against its best bin, with its two phrasings (msgids)."""

    characteristic: str
    bin: str
    points: int
    points_lost: int
    seller_message: str
    officer_message: str
    params: Mapping[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"characteristic": self.characteristic, "bin": self.bin, "points": self.points,
                "points_lost": self.points_lost, "seller_message": self.seller_message,
                "officer_message": self.officer_message, "params": dict(self.params)}


@dataclass(frozen=True, slots=True)
class ScoreResult:
    score: int
    probability_of_default: float
    points: Mapping[str, int]  # per characteristic, in the model's order
    reasons: tuple[ReasonCode, ...]  # most points lost first

    def probability_of_default_decimal(self, places: int = 6) -> Decimal:
        """The PD as a Decimal, where it leaves the model for pricing and limits."""
        return Decimal(repr(self.probability_of_default)).quantize(Decimal(1).scaleb(-places),
                                                                   rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class ScorecardModel:
    characteristics: tuple[Characteristic, ...]
    base_points: int
    scaling: ScoreScaling
    calibration: PlattCalibration

    def __post_init__(self) -> None:
        names = [characteristic.name for characteristic in self.characteristics]
        if not names:
            raise ScorecardModelInvalid(problem="it has no characteristics")
        if len(set(names)) != len(names):
            raise ScorecardModelInvalid(problem="a characteristic appears twice")

    @property
    def characteristic_names(self) -> tuple[str, ...]:
        return tuple(characteristic.name for characteristic in self.characteristics)

    @property
    def lowest_score(self) -> int:
        return self.base_points + sum(min(*c.bin_points, c.missing_points) for c in self.characteristics)

    @property
    def highest_score(self) -> int:
        return self.base_points + sum(c.best_points for c in self.characteristics)

    def probability_of_default(self, score: float) -> float:
        return self.calibration.probability_of_default(score)

    def bins_of(self, features: Mapping[str, object]) -> dict[str, int | None]:
        """The bin each characteristic's value falls in, as ``score`` places it (None: the missing
        bin, which also takes an unseen category); in the model's order."""
        return {characteristic.name: characteristic.bin_of(features.get(characteristic.name))
                for characteristic in self.characteristics}

    def score(self, features: Mapping[str, object], *, top_reasons: int = DEFAULT_TOP_REASONS) -> ScoreResult:
        """Score one applicant; features the model does not use are ignored, absent ones are missing."""
        total = self.base_points
        points: dict[str, int] = {}
        candidates: list[tuple[int, str, Characteristic, int | None, int]] = []
        for characteristic in self.characteristics:
            bin_index = characteristic.bin_of(features.get(characteristic.name))
            earned = characteristic.points_of(bin_index)
            points[characteristic.name] = earned
            total += earned
            lost = characteristic.best_points - earned
            if lost > 0:
                candidates.append((-lost, characteristic.name, characteristic, bin_index, earned))
        candidates.sort(key=lambda candidate: (candidate[0], candidate[1]))
        codes = tuple(_reason_code(characteristic, bin_index, earned, -negative_lost)
                      for negative_lost, _name, characteristic, bin_index, earned in candidates[:top_reasons])
        return ScoreResult(score=total, probability_of_default=self.probability_of_default(total),
                           points=points, reasons=codes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "base_points": self.base_points,
            "scaling": {"base_points": self.scaling.base_points, "base_odds": self.scaling.base_odds,
                        "points_to_double_odds": self.scaling.points_to_double_odds},
            "calibration": {"method": "platt", "intercept": self.calibration.intercept,
                            "slope": self.calibration.slope},
            "characteristics": [characteristic.to_dict() for characteristic in self.characteristics],
        }

    def to_json(self) -> str:
        """Deterministic JSON: sorted keys, no spaces, floats written so they read back exactly."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)

    def fingerprint(self) -> str:
        """SHA-256 of the JSON: names the exact table a decision was made with."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> ScorecardModel:
        try:
            if document.get("format") != MODEL_FORMAT:
                raise ScorecardModelInvalid(problem=f"the format is not {MODEL_FORMAT}")
            scaling = document["scaling"]
            calibration = document["calibration"]
            if calibration.get("method") != "platt":
                raise ScorecardModelInvalid(problem="the calibration method is not platt")
            return cls(
                characteristics=tuple(Characteristic.from_dict(item) for item in document["characteristics"]),
                base_points=_integer(document["base_points"], "base_points"),
                scaling=ScoreScaling(
                    base_points=_integer(scaling["base_points"], "scaling.base_points"),
                    base_odds=_integer(scaling["base_odds"], "scaling.base_odds"),
                    points_to_double_odds=_integer(scaling["points_to_double_odds"],
                                                   "scaling.points_to_double_odds")),
                calibration=PlattCalibration(
                    intercept=_real(calibration["intercept"], "calibration.intercept"),
                    slope=_real(calibration["slope"], "calibration.slope")))
        except ScorecardModelInvalid:
            raise
        except (KeyError, TypeError, AttributeError) as error:
            raise ScorecardModelInvalid(problem=f"{type(error).__name__}: {error}") from error

    @classmethod
    def from_json(cls, text: str | bytes) -> ScorecardModel:
        try:
            document = json.loads(text)
        except (ValueError, UnicodeDecodeError) as error:
            raise ScorecardModelInvalid(problem=f"not JSON ({error})") from error
        if not isinstance(document, dict):
            raise ScorecardModelInvalid(problem="not a JSON object")
        return cls.from_dict(document)


def _reason_code(characteristic: Characteristic, bin_index: int | None, earned: int, lost: int) -> ReasonCode:
    missing = bin_index is None
    bin_text = characteristic.bin_text(bin_index)
    direction = characteristic.direction_from_best(bin_index)
    seller = reasons.seller_message(characteristic.name, direction, missing)
    # The seller sentence names the characteristic in words; the officer one by its column name.
    params = {"characteristic": characteristic.name, "characteristic_words": reasons.readable_name(
        characteristic.name), "bin": bin_text, "points_lost": str(lost)}
    return ReasonCode(characteristic=characteristic.name, bin=bin_text, points=earned, points_lost=lost,
                      seller_message=seller, officer_message=reasons.officer_message(missing), params=params)


def _logistic(value: float) -> float:
    # Split by sign so exp() never overflows.
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exponential = math.exp(value)
    return exponential / (1.0 + exponential)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return not value.strip()
    return False


def _as_number(name: str, value: object) -> float:
    try:
        if isinstance(value, str):
            return float(value.strip())
        return float(value)  # type: ignore[arg-type]  # Decimal, int, bool, numpy scalars
    except (TypeError, ValueError) as error:
        raise CharacteristicValueInvalid(value=str(value), characteristic=name) from error


def _number_text(value: float) -> str:
    # Up to 6 significant digits: split points are midpoints between observed values.
    return format(value, ".6g")


def _integer(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScorecardModelInvalid(problem=f"{where} must be an integer")
    return value


def _real(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScorecardModelInvalid(problem=f"{where} must be a finite number")
    return float(value)


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ScorecardModelInvalid(problem=f"{where} must be text")
    return value


def characteristic_from_table(name: str, kind: CharacteristicKind, bin_points: Sequence[int],
                              missing_points: int, *, split_points: Sequence[float] = (),
                              category_groups: Sequence[Sequence[str]] = ()) -> Characteristic:
    """Build a characteristic from plain sequences (training hands numpy/pandas values over here)."""
    return Characteristic(name=name, kind=kind, bin_points=tuple(int(points) for points in bin_points),
                          missing_points=int(missing_points),
                          split_points=tuple(float(point) for point in split_points),
                          category_groups=tuple(tuple(str(category) for category in group)
                                                for group in category_groups))
