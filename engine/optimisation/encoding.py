"""One float vector per individual, and back to recipes.

Two spaces:

* the **decision vector** X that NSGA-II varies: continuous and integer variables as numbers,
  categoricals as integer codes 0…k−1 (as floats); fixed variables and mixture balances are
  left out;
* the **full numeric vector** Z that constraints and repair work on: every numeric variable in
  spec order, fixed values and balances included; categorical codes travel beside it.

Integer and categorical decision bounds are widened by ½ so that uniform sampling gives every
value the same chance; the repair rounds them and clips them to the true range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.optimisation._spec_checks import bounds_of
from engine.optimisation.study import StudySpec, StudySpecError

DEFAULT_RESOLUTION = 1e-3
"""A variable's default resolution as a share of its range (0.44 kg/m³ of cement in 100–540)."""

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Balance:
    """A variable computed from one equality ``a·Z = target`` as the remainder."""

    index: int
    coefficients: np.ndarray
    target: float


@dataclass(frozen=True)
class DesignSpace:
    """The compiled variables of a study (arrays, not pydantic objects).

    Attributes:
        variable_names: all variables in spec order.
        numeric_names: the full numeric vector Z (continuous, integer, numeric fixed, balances).
        lower, upper: bounds of Z (fixed: the value twice; integers: whole numbers).
        scale: per Z column, the range used to make projections fair across units.
        resolution: per Z column, the amount below which two recipes are the same to the plant
            (the variable's ``resolution``, else :data:`DEFAULT_RESOLUTION` of ``scale``).
        is_integer, is_fixed: masks over Z.
        balances: computed columns of Z.
        categorical_names, categorical_choices: categoricals and their choices (code = index).
        fixed_labels: fixed variables whose value is a text (e.g. a route), as constants.
        decision_names: the columns of X.
        x_numeric_cols, z_numeric_cols: X columns holding numbers and their Z columns.
        x_categorical_cols: X columns holding codes, in ``categorical_names`` order.
        xl, xu: decision bounds for pymoo.
        material_mask: Z columns that are materials (cost and CO₂).
    """

    variable_names: tuple[str, ...]
    numeric_names: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    scale: np.ndarray
    resolution: np.ndarray
    is_integer: np.ndarray
    is_fixed: np.ndarray
    balances: tuple[Balance, ...]
    categorical_names: tuple[str, ...]
    categorical_choices: tuple[tuple[str, ...], ...]
    fixed_labels: Mapping[str, str]
    decision_names: tuple[str, ...]
    x_numeric_cols: np.ndarray
    z_numeric_cols: np.ndarray
    x_categorical_cols: np.ndarray
    xl: np.ndarray
    xu: np.ndarray
    material_mask: np.ndarray

    @classmethod
    def from_spec(cls, spec: StudySpec) -> DesignSpace:
        """Compile the variables of a checked spec."""
        balance_names = set(spec.balance_names)
        numeric, categorical, fixed_labels = [], [], {}
        for variable in spec.variables:
            if variable.type == "categorical":
                categorical.append(variable)
            elif variable.type == "fixed" and isinstance(variable.value, str):
                fixed_labels[variable.name] = variable.value
            else:
                numeric.append(variable)
        numeric_names = tuple(v.name for v in numeric)
        index = {name: i for i, name in enumerate(numeric_names)}
        bounds = np.array([bounds_of(v) for v in numeric], dtype=float).reshape(-1, 2)
        lower, upper = bounds[:, 0].copy(), bounds[:, 1].copy()
        is_fixed = np.array([v.type == "fixed" for v in numeric], dtype=bool)
        is_integer = np.array([v.type == "integer" for v in numeric], dtype=bool)
        span = upper - lower
        scale = np.where(span > 0, span, np.maximum(np.abs(lower), 1.0))
        resolution = np.array([v.resolution or 0.0 for v in numeric], dtype=float)
        resolution = np.where(resolution > 0, resolution, DEFAULT_RESOLUTION * scale)

        balances = []
        for mixture in spec.mixture:
            if mixture.balance:
                coefficients = np.zeros(len(numeric_names))
                for name in spec.mixture_components(mixture):
                    coefficients[index[name]] = spec.mixture_weight(mixture, name)
                target = spec.mixture_total(mixture) - mixture.air
                balances.append(Balance(index[mixture.balance], coefficients, target))

        decision_names: list[str] = []
        x_numeric: list[int] = []
        z_numeric: list[int] = []
        x_categorical: list[int] = []
        xl: list[float] = []
        xu: list[float] = []
        categorical_index = {v.name: i for i, v in enumerate(categorical)}
        for variable in spec.variables:
            name = variable.name
            if name in balance_names or name in fixed_labels or variable.type == "fixed":
                continue
            column = len(decision_names)
            decision_names.append(name)
            if variable.type == "categorical":
                x_categorical.append(column)
                xl.append(-0.5)
                xu.append(len(categorical[categorical_index[name]].choices or ()) - 0.5)
            else:
                x_numeric.append(column)
                z_numeric.append(index[name])
                low, high = lower[index[name]], upper[index[name]]
                widen = 0.5 if variable.type == "integer" else 0.0
                xl.append(low - widen)
                xu.append(high + widen)
        return cls(
            variable_names=tuple(v.name for v in spec.variables),
            numeric_names=numeric_names,
            lower=lower,
            upper=upper,
            scale=scale,
            resolution=resolution,
            is_integer=is_integer,
            is_fixed=is_fixed,
            balances=tuple(balances),
            categorical_names=tuple(v.name for v in categorical),
            categorical_choices=tuple(tuple(v.choices or ()) for v in categorical),
            fixed_labels=fixed_labels,
            decision_names=tuple(decision_names),
            x_numeric_cols=np.array(x_numeric, dtype=int),
            z_numeric_cols=np.array(z_numeric, dtype=int),
            x_categorical_cols=np.array(x_categorical, dtype=int),
            xl=np.array(xl, dtype=float),
            xu=np.array(xu, dtype=float),
            material_mask=np.array([v.material for v in numeric], dtype=bool),
        )

    # ------------------------------------------------------------------------------ sizes

    @property
    def n_var(self) -> int:
        """Length of the decision vector."""
        return len(self.decision_names)

    @property
    def n_numeric(self) -> int:
        """Length of the full numeric vector."""
        return len(self.numeric_names)

    @property
    def n_choices(self) -> np.ndarray:
        """Number of choices of each categorical."""
        return np.array([len(c) for c in self.categorical_choices], dtype=int)

    def index(self, name: str) -> int:
        """Column of ``name`` in the full numeric vector."""
        return self.numeric_names.index(name)

    # ------------------------------------------------------------------------------ codec

    def decode(self, X: np.ndarray, clip_balance: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Decision vectors → (full numeric Z, categorical codes).

        Balances are the remainder of their mixture; ``clip_balance`` clips them to their
        bounds (for evaluation, after repair: only rounding noise is clipped).
        """
        X = np.atleast_2d(np.asarray(X, dtype=float))
        Z = np.broadcast_to(self.lower, (len(X), self.n_numeric)).copy()
        Z[:, self.z_numeric_cols] = X[:, self.x_numeric_cols]
        self.fill_balances(Z, clip=clip_balance)
        codes = X[:, self.x_categorical_cols].copy()
        return Z, codes

    def fill_balances(self, Z: np.ndarray, clip: bool = False) -> None:
        """Set each balance column of ``Z`` (in place) to total minus the other components."""
        for balance in self.balances:
            a = balance.coefficients.copy()
            weight = a[balance.index]
            a[balance.index] = 0.0
            value = (balance.target - Z @ a) / weight
            if clip:
                value = np.clip(value, self.lower[balance.index], self.upper[balance.index])
            Z[:, balance.index] = value

    def encode(self, Z: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """(Z, codes) → decision vectors (fixed values and balances dropped)."""
        X = np.empty((len(Z), self.n_var))
        X[:, self.x_numeric_cols] = Z[:, self.z_numeric_cols]
        X[:, self.x_categorical_cols] = codes
        return X

    def to_frame(self, Z: np.ndarray, codes: np.ndarray) -> pd.DataFrame:
        """Recipes as a frame: every variable in spec order; categoricals as pandas Categorical.

        Codes must be whole numbers in range (i.e. repaired).
        """
        import pandas as pd

        columns: dict[str, object] = {}
        numeric = {name: i for i, name in enumerate(self.numeric_names)}
        categorical = {name: i for i, name in enumerate(self.categorical_names)}
        n_rows = len(Z)
        for name in self.variable_names:
            if name in numeric:
                columns[name] = Z[:, numeric[name]]
            elif name in categorical:
                j = categorical[name]
                choices = list(self.categorical_choices[j])
                columns[name] = pd.Categorical.from_codes(
                    np.asarray(np.rint(codes[:, j]), dtype=int), categories=choices
                )
            else:
                label = self.fixed_labels[name]
                columns[name] = pd.Categorical([label] * n_rows, categories=[label])
        return pd.DataFrame(columns)

    def from_records(self, records: Sequence[Mapping[str, object]],
                     where: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Known recipes (values by variable name) → (Z, codes); balances filled when missing.

        Args:
            records: one mapping per recipe; categoricals by choice name.
            where: a key path per record, used in error messages.

        Raises:
            StudySpecError: a decision variable is missing or a value is not usable.
        """
        Z = np.broadcast_to(self.lower, (len(records), self.n_numeric)).copy()
        codes = np.zeros((len(records), len(self.categorical_names)))
        balance_cols = {b.index for b in self.balances}
        issues = []
        for row, (record, path) in enumerate(zip(records, where, strict=True)):
            missing_balance = []
            for j, name in enumerate(self.numeric_names):
                value = record.get(name)
                if self.is_fixed[j]:
                    continue
                if value is None or (isinstance(value, float) and np.isnan(value)):
                    if j in balance_cols:
                        missing_balance.append(j)
                    else:
                        issues.append((path, f"no value for {name!r}"))
                    continue
                try:
                    Z[row, j] = float(value)  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    issues.append((f"{path}.{name}", f"not a number: {value!r}"))
            for j, name in enumerate(self.categorical_names):
                value = record.get(name)
                choices = self.categorical_choices[j]
                if value is None or str(value) not in choices:
                    issues.append((f"{path}.{name}", f"{value!r} is not one of {list(choices)}"))
                else:
                    codes[row, j] = choices.index(str(value))
            if missing_balance:
                filled = Z[row:row + 1].copy()
                self.fill_balances(filled)
                Z[row, missing_balance] = filled[0, missing_balance]
        if issues:
            raise StudySpecError(issues)
        return Z, codes
