"""One feature encoding per model: numeric inputs, categorical codes and derived features.

The encoder is fitted once on the training frame and stored with the model, so category codes
at predict time are those of training whatever order pandas builds categories in.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from engine.errors import FormixError

DerivedKind = Literal["ratio", "log", "sum"]


class UnknownCategoryWarning(UserWarning):
    """A predict-time category was not seen in training; it is treated as missing."""


@dataclass(frozen=True)
class DerivedFeature:
    """A generic feature computed from inputs inside the model.

    Attributes:
        name: feature name (must not clash with an input).
        kind: ``ratio`` (Σ numerator / Σ denominator), ``log`` (natural log of Σ numerator)
            or ``sum`` (Σ numerator). Undefined values (x/0, log of ≤ 0) become missing.
        numerator: input columns summed on top (or inside the log / sum).
        denominator: input columns summed below (``ratio`` only).
    """

    name: str
    kind: DerivedKind
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("ratio", "log", "sum"):
            raise FormixError(f"derived feature {self.name!r}: unknown kind {self.kind!r}")
        if not self.numerator:
            raise FormixError(f"derived feature {self.name!r}: no input columns")
        if (self.kind == "ratio") != bool(self.denominator):
            raise FormixError(
                f"derived feature {self.name!r}: a ratio needs a denominator, other kinds none"
            )

    @property
    def columns(self) -> tuple[str, ...]:
        """Input columns this feature reads."""
        return self.numerator + self.denominator

    def direction(self, column: str) -> int | None:
        """Sign of d(feature)/d(column) for non-negative inputs; None when it can flip."""
        up, down = column in self.numerator, column in self.denominator
        if up and down:
            return None
        return 1 if up else -1 if down else 0

    def compute(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """The feature from a mapping column -> float array."""
        top = np.sum([values[c] for c in self.numerator], axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.kind == "sum":
                return np.asarray(top, dtype=np.float64)
            if self.kind == "log":
                return np.where(top > 0, np.log(np.where(top > 0, top, 1.0)), np.nan)
            bottom = np.sum([values[c] for c in self.denominator], axis=0)
            return np.where(bottom != 0, top / np.where(bottom != 0, bottom, 1.0), np.nan)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "kind": self.kind,
            "numerator": list(self.numerator),
            "denominator": list(self.denominator),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DerivedFeature:
        """Inverse of to_dict."""
        return cls(
            name=str(data["name"]),
            kind=data["kind"],
            numerator=tuple(data["numerator"]),
            denominator=tuple(data.get("denominator", ())),
        )


def ratio(name: str, numerator: Iterable[str], denominator: Iterable[str]) -> DerivedFeature:
    """Shorthand for a ratio-of-sums feature, e.g. water / (cement + slag + fly ash)."""
    return DerivedFeature(name, "ratio", tuple(numerator), tuple(denominator))


def category_label(value: object) -> str | None:
    """A category label as a stripped string; integral numbers print as ints (1.0 -> "1")."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value).strip()


def _factorized_labels(series: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """Row codes into a list of unique labels (-1 = missing); labels made once per unique."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(codes), [category_label(u) for u in uniques]


@dataclass
class FeatureEncoder:
    """Turns a frame into the float matrix LightGBM sees: inputs, then derived features.

    Categorical inputs become codes 0..k-1 of ``categories`` (fitted once); unknown categories
    and missing values become NaN (LightGBM's missing).
    """

    inputs: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    derived: tuple[DerivedFeature, ...] = ()
    categories: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.inputs = tuple(self.inputs)
        self.categorical = tuple(self.categorical)
        self.derived = tuple(self.derived)
        if not self.inputs:
            raise FormixError("a model needs at least one input column")
        if len(set(self.inputs)) != len(self.inputs):
            raise FormixError(f"input columns repeat: {list(self.inputs)}")
        stray = [c for c in self.categorical if c not in self.inputs]
        if stray:
            raise FormixError(f"categorical columns {stray} are not among the inputs")
        for feature in self.derived:
            if feature.name in self.inputs:
                raise FormixError(f"derived feature {feature.name!r} clashes with an input")
            bad = [c for c in feature.columns if c not in self.inputs or c in self.categorical]
            if bad:
                raise FormixError(
                    f"derived feature {feature.name!r} reads {bad}, which are not numeric inputs"
                )
        names = self.feature_names
        if len(set(names)) != len(names):
            raise FormixError(f"feature names repeat: {names}")

    @property
    def feature_names(self) -> list[str]:
        """Model feature names: inputs then derived features."""
        return [*self.inputs, *(d.name for d in self.derived)]

    @property
    def categorical_indices(self) -> list[int]:
        """Positions of categorical inputs in the feature matrix."""
        return [self.inputs.index(c) for c in self.categorical]

    def fit(self, frame: pd.DataFrame) -> FeatureEncoder:
        """Learn the category list of each categorical input (sorted labels)."""
        self._check_columns(frame)
        self.categories = {}
        for column in self.categorical:
            _, labels = _factorized_labels(frame[column])
            self.categories[column] = sorted({label for label in labels if label is not None})
        return self

    def transform(self, frame: pd.DataFrame, warn_unknown: bool = True) -> np.ndarray:
        """The float64 feature matrix (rows of ``frame``, columns ``feature_names``)."""
        self._check_columns(frame)
        n = len(frame)
        out = np.empty((n, len(self.feature_names)), dtype=np.float64)
        values: dict[str, np.ndarray] = {}
        for j, column in enumerate(self.inputs):
            if column in self.categorical:
                out[:, j] = self._codes(column, frame[column], warn_unknown)
                continue
            try:
                col = pd.to_numeric(frame[column], errors="raise").to_numpy(
                    dtype=np.float64, na_value=np.nan
                )
            except (ValueError, TypeError) as error:
                raise FormixError(
                    f"input column {column!r} must be numeric ({error}); "
                    "declare it categorical if it holds labels"
                ) from error
            out[:, j] = col
            values[column] = col
        for k, feature in enumerate(self.derived, start=len(self.inputs)):
            out[:, k] = feature.compute(values)
        return out

    def _codes(self, column: str, series: pd.Series, warn_unknown: bool) -> np.ndarray:
        row_codes, labels = _factorized_labels(series)
        index: dict[str | None, float] = {
            label: float(i) for i, label in enumerate(self.categories[column])
        }
        lookup = np.array([index.get(label, np.nan) for label in labels] + [np.nan], dtype=float)
        result = lookup[row_codes]  # row code -1 (missing) picks the trailing NaN
        if warn_unknown:
            positions = [i for i, lb in enumerate(labels) if lb is not None and lb not in index]
            if positions:
                unknown = np.isin(row_codes, positions)
                seen = sorted({str(labels[i]) for i in positions})[:5]
                warnings.warn(
                    f"column {column!r}: {int(unknown.sum())} value(s) not seen in training "
                    f"(e.g. {seen}) are treated as missing",
                    UnknownCategoryWarning,
                    stacklevel=3,
                )
        return result

    def _check_columns(self, frame: pd.DataFrame) -> None:
        missing = [c for c in self.inputs if c not in frame.columns]
        if missing:
            raise FormixError(f"the table lacks the model's input column(s) {missing}")

    def monotone_vector(self, monotone: Mapping[str, int]) -> list[int]:
        """LightGBM ``monotone_constraints`` over features, carried into derived features.

        Raises:
            FormixError: a constrained input is unknown or categorical, or a derived feature
                cannot honour the constraint (it reads the input on both sides, or two
                constraints ask opposite directions of it).
        """
        for column, sign in monotone.items():
            if column not in self.inputs or column in self.categorical:
                raise FormixError(f"monotone constraint on {column!r}: not a numeric input")
            if sign not in (-1, 0, 1):
                raise FormixError(f"monotone constraint on {column!r} must be -1, 0 or +1")
        vector = [int(monotone.get(c, 0)) for c in self.inputs]
        for feature in self.derived:
            wanted = set()
            for column in feature.columns:
                sign = int(monotone.get(column, 0))
                if sign == 0:
                    continue
                direction = feature.direction(column)
                if direction is None:
                    raise FormixError(
                        f"derived feature {feature.name!r} reads {column!r} on both sides; "
                        "it cannot keep that input's monotone constraint"
                    )
                wanted.add(sign * direction)
            if len(wanted) > 1:
                raise FormixError(
                    f"derived feature {feature.name!r} would need opposite monotone directions"
                )
            vector.append(wanted.pop() if wanted else 0)
        return vector

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "inputs": list(self.inputs),
            "categorical": list(self.categorical),
            "categories": {k: list(v) for k, v in self.categories.items()},
            "derived": [d.to_dict() for d in self.derived],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureEncoder:
        """Inverse of to_dict."""
        return cls(
            inputs=tuple(data["inputs"]),
            categorical=tuple(data["categorical"]),
            derived=tuple(DerivedFeature.from_dict(d) for d in data["derived"]),
            categories={k: list(v) for k, v in data["categories"].items()},
        )


def parse_columns_expression(text: str, columns: Sequence[str]) -> tuple[str, ...]:
    """Columns from ``A+B+C`` (or a single column whose name itself contains '+')."""
    if text.strip() in columns:
        return (text.strip(),)
    parts = tuple(p.strip() for p in text.split("+"))
    missing = [p for p in parts if p not in columns]
    if missing:
        raise FormixError(f"unknown column(s) {missing} in {text!r}")
    return parts
