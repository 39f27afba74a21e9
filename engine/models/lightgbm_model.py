"""LightGBM property models: one booster per target with calibrated intervals and domain.

``PropertyModel`` follows scikit-learn conventions: parameters in ``__init__``, fitted state
in attributes ending in ``_``, a clear error when used before ``fit``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from engine.errors import FormixError
from engine.models.dataset import group_ids, recipe_groups
from engine.models.features import DerivedFeature, FeatureEncoder
from engine.models.linear import LinearBase, linear_columns
from engine.models.params import (
    DEFAULT_NUM_BOOST_ROUND,
    DEFAULT_SCALE_BOOST_ROUND,
    POINT_PARAMS,
    SCALE_PARAMS,
    TUNING_GRID,
    calibration_folds_for,
    prediction_threads,
    resolve_params,
    spread_min_data_in_leaf,
)
from engine.models.splits import cv_splits
from engine.progress import CancelToken, ProgressCallback, no_progress
from engine.uncertainty.conformal import IntervalCalibration, calibrate, check_coverage
from engine.uncertainty.domain import DomainModel

MIN_ROWS = 10
CALIBRATION_KINDS = ("group", "random")


class NotFittedError(FormixError):
    """The model was used before ``fit`` (or loading)."""


@dataclass
class TargetModel:
    """The fitted parts for one target.

    Attributes:
        name: target column.
        booster: point model (mean); predicts the residual of ``linear`` when set.
        spread_booster: model of |residual|, scales the interval locally.
        calibration: conformal constants of the interval.
        n_rows: training rows with this target measured.
        params: the LightGBM parameters used for the point model.
    """

    name: str
    booster: lgb.Booster
    spread_booster: lgb.Booster
    calibration: IntervalCalibration
    n_rows: int
    params: dict[str, Any]
    linear: LinearBase | None = None

    def point(self, matrix: np.ndarray, threads: int) -> np.ndarray:
        """Point predictions: linear baseline (if any) plus the booster."""
        return point_predict(self.booster, self.linear, matrix, threads)


@dataclass
class TargetPrediction:
    """Point prediction and interval bounds for one target (arrays over rows)."""

    prediction: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


class PropertyModel:
    """LightGBM regressors (one per target) with cross-conformal intervals and a domain check.

    Args:
        inputs: input columns; None uses every column of the frame given to ``fit``.
        categorical: inputs holding labels (routes, plants); encoded once and stored.
        derived: generic derived features computed from inputs (e.g. ratios).
        linear: features (inputs or derived, numeric) of a ridge baseline that boosting
            starts from, e.g. ``log(age)``; empty for pure boosting.
        monotone: input -> +1 (non-decreasing) or -1 (non-increasing).
        params: LightGBM parameter overrides of the point model.
        num_boost_round: boosting rounds of the point model.
        coverage: nominal interval coverage, e.g. 0.9.
        calibration: ``group`` (held-out recipes, the honest default) or ``random`` rows.
        calibration_folds: folds of the cross-conformal calibration; None picks 10 up to
            20,000 rows, else 5.
        age_column: test-age input, ignored when recipe groups are inferred from inputs.
        spread_params: LightGBM parameter overrides of the spread model.
        spread_boost_round: boosting rounds of the spread model.
        tune: choose among a few parameter sets by CV inside the training data.
        seed: seed of folds, bagging and domain subsampling.
        num_threads: LightGBM threads; None uses one for small data, else the CPUs (≤ 8).
        max_domain_points: training points kept by the applicability domain.
    """

    def __init__(
        self,
        inputs: Sequence[str] | None = None,
        categorical: Sequence[str] = (),
        derived: Sequence[DerivedFeature] = (),
        linear: Sequence[str] = (),
        monotone: Mapping[str, int] | None = None,
        params: Mapping[str, Any] | None = None,
        num_boost_round: int = DEFAULT_NUM_BOOST_ROUND,
        coverage: float = 0.9,
        calibration: str = "group",
        calibration_folds: int | None = None,
        age_column: str | None = None,
        spread_params: Mapping[str, Any] | None = None,
        spread_boost_round: int = DEFAULT_SCALE_BOOST_ROUND,
        tune: bool = False,
        seed: int = 0,
        num_threads: int | None = None,
        max_domain_points: int = 5000,
    ) -> None:
        self.inputs = inputs
        self.categorical = categorical
        self.derived = derived
        self.linear = linear
        self.monotone = monotone
        self.params = params
        self.num_boost_round = num_boost_round
        self.coverage = coverage
        self.calibration = calibration
        self.calibration_folds = calibration_folds
        self.age_column = age_column
        self.spread_params = spread_params
        self.spread_boost_round = spread_boost_round
        self.tune = tune
        self.seed = seed
        self.num_threads = num_threads
        self.max_domain_points = max_domain_points

    # -- scikit-learn style parameter access -------------------------------------------------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters."""
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params: Any) -> PropertyModel:
        """Set constructor parameters (unfitted state is not touched)."""
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise FormixError(f"PropertyModel has no parameter {name!r}")
            setattr(self, name, value)
        return self

    # -- fitting ------------------------------------------------------------------------------

    def fit(
        self,
        X: pd.DataFrame,
        y: pd.DataFrame | pd.Series,
        groups: Sequence[Any] | np.ndarray | None = None,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> PropertyModel:
        """Train one booster, spread model and interval calibration per target column of ``y``.

        Args:
            X: input frame.
            y: one target (Series) or several (DataFrame); missing targets skip that row.
            groups: recipe id per row; None infers it from inputs except ``age_column``.
            progress: receives fractions in [0, 1] and messages.
            cancel: checked between folds, targets and every 50 boosting rounds.

        Raises:
            FormixError: bad columns, too few rows, bad coverage or calibration settings.
            engine.progress.Cancelled: when ``cancel`` was set.
        """
        check_coverage(self.coverage)
        if self.calibration not in CALIBRATION_KINDS:
            raise FormixError(
                f"calibration must be one of {list(CALIBRATION_KINDS)}, got {self.calibration!r}"
            )
        targets_frame = y.to_frame() if isinstance(y, pd.Series) else y
        if len(targets_frame) != len(X):
            raise FormixError(f"X has {len(X)} rows but y has {len(targets_frame)}")
        inputs = tuple(self.inputs) if self.inputs is not None else tuple(map(str, X.columns))
        encoder = FeatureEncoder(inputs, tuple(self.categorical), tuple(self.derived)).fit(X)
        matrix = encoder.transform(X, warn_unknown=False)
        monotone = encoder.monotone_vector(dict(self.monotone or {}))
        linear_index = linear_columns(encoder.feature_names, self.linear, encoder.categorical)
        if groups is None:
            group = recipe_groups(X, inputs, self.age_column)
        else:
            group = group_ids(np.asarray(groups, dtype=object))
            if len(group) != len(X):
                raise FormixError(f"groups has {len(group)} entries, X has {len(X)} rows")
        n_inputs = len(encoder.inputs)
        cats = {
            j: len(encoder.categories[c])
            for j, c in zip(encoder.categorical_indices, encoder.categorical, strict=True)
        }
        domain = DomainModel.fit(
            matrix[:, :n_inputs], group, cats, self.max_domain_points, self.seed
        )
        standardized = domain.standardize(matrix[:, :n_inputs])
        targets = [str(t) for t in targets_frame.columns]
        fitted: dict[str, TargetModel] = {}
        for i, target in enumerate(targets):
            _check_cancel(cancel)
            values = pd.to_numeric(targets_frame[target], errors="coerce").to_numpy(np.float64)
            rows = np.flatnonzero(np.isfinite(values))
            if len(rows) < MIN_ROWS:
                raise FormixError(
                    f"target {target!r} has {len(rows)} measured rows; at least {MIN_ROWS} needed"
                )
            report = _scaled(progress, i / len(targets), (i + 1) / len(targets), target)
            fitted[target] = self._fit_target(
                target,
                matrix[rows],
                standardized[rows],
                values[rows],
                group[rows],
                encoder,
                monotone,
                linear_index,
                report,
                cancel,
            )
        self.domain_ = domain
        self.encoder_ = encoder
        self.feature_names_ = encoder.feature_names
        self.monotone_constraints_ = monotone
        self.targets_ = fitted
        progress(1.0, "trained")
        return self

    def _fit_target(
        self,
        target: str,
        matrix: np.ndarray,
        standardized: np.ndarray,
        y: np.ndarray,
        groups: np.ndarray,
        encoder: FeatureEncoder,
        monotone: list[int],
        linear_index: list[int],
        progress: ProgressCallback,
        cancel: CancelToken | None,
    ) -> TargetModel:
        n = len(y)
        threads = self.num_threads or prediction_threads(n)
        point = resolve_params(POINT_PARAMS, self.params, n, self.seed, self.num_threads)
        spread_base = {**SCALE_PARAMS, "min_data_in_leaf": spread_min_data_in_leaf(n)}
        spread = resolve_params(spread_base, self.spread_params, n, self.seed, self.num_threads)
        if any(monotone):
            point["monotone_constraints"] = monotone
        cat_index = encoder.categorical_indices
        n_folds = self.calibration_folds or calibration_folds_for(n)
        folds = cv_splits(self.calibration, n, n_folds, self.seed, groups=groups, strict=False)
        signs = [monotone[j] for j in linear_index]
        train = PointTrainer(cat_index, cancel, linear_index, signs)
        candidates = [point]
        if self.tune:
            candidates = [{**point, **grid} for grid in TUNING_GRID]
            candidates = [{**c, **dict(self.params or {})} for c in candidates]
        steps = len(candidates) * len(folds) + len(folds) + 2
        done = 0
        best: tuple[float, dict[str, Any], np.ndarray] | None = None
        for candidate in candidates:
            oof = np.empty(n)
            for tr, te in folds:
                booster, linear = train(candidate, matrix[tr], y[tr], self.num_boost_round)
                oof[te] = point_predict(booster, linear, matrix[te], threads)
                done += 1
                progress(done / steps, f"{target}: calibration fold {done}")
            rmse = float(np.sqrt(np.mean((y - oof) ** 2)))
            if best is None or rmse < best[0]:
                best = (rmse, candidate, oof)
        assert best is not None
        _, point, oof = best
        abs_residual = np.abs(y - oof)
        # The spread model also sees the distance to the nearest training recipe (out of fold:
        # to the fold's training rows), so intervals widen away from the data.
        distance = np.empty(n)
        for tr, te in folds:
            distance[te] = cKDTree(standardized[tr]).query(standardized[te], k=1)[0]
        spread_matrix = np.column_stack([matrix, distance])
        spread_oof = np.empty(n)
        spread_train = _Trainer(cat_index, cancel)
        for tr, te in folds:
            booster = spread_train(
                spread, spread_matrix[tr], abs_residual[tr], self.spread_boost_round
            )
            spread_oof[te] = booster.predict(spread_matrix[te], num_threads=threads)
            done += 1
            progress(done / steps, f"{target}: spread fold")
        # a property never measured below 0 (slump, strength) gets no negative lower bounds
        never_negative = 0.0 if bool(np.all(y >= 0)) else None
        calibration = calibrate(y - oof, spread_oof, self.coverage, lower_limit=never_negative)
        booster, linear = train(point, matrix, y, self.num_boost_round)
        progress((done + 1) / steps, f"{target}: final model")
        spread_booster = spread_train(spread, spread_matrix, abs_residual, self.spread_boost_round)
        return TargetModel(target, booster, spread_booster, calibration, n, point, linear)

    # -- prediction ---------------------------------------------------------------------------

    def check_fitted(self) -> None:
        """Raise NotFittedError unless the model was trained or loaded."""
        if not hasattr(self, "targets_"):
            raise NotFittedError("this model is not trained yet: call fit() or load a model first")

    @property
    def target_names(self) -> list[str]:
        """Targets in training order."""
        self.check_fitted()
        return list(self.targets_)

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """The feature matrix LightGBM sees for ``X`` (inputs then derived features)."""
        self.check_fitted()
        return self.encoder_.transform(X)

    def predict_matrix(self, matrix: np.ndarray) -> dict[str, TargetPrediction]:
        """Predictions and intervals for every target from an encoded feature matrix."""
        return self.predict_encoded(matrix)[0]

    def domain_distance(self, matrix: np.ndarray) -> np.ndarray:
        """Distance of each encoded row to the nearest training recipe (standardized)."""
        self.check_fitted()
        workers = self.num_threads or prediction_threads(len(matrix))
        return self.domain_.distance(matrix[:, : len(self.encoder_.inputs)], workers=workers)

    def predict_encoded(self, matrix: np.ndarray) -> tuple[dict[str, TargetPrediction], np.ndarray]:
        """Predictions with intervals per target, and domain distances, from encoded rows."""
        self.check_fitted()
        threads = self.num_threads or prediction_threads(len(matrix))
        distance = self.domain_distance(matrix)
        spread_matrix = np.empty((matrix.shape[0], matrix.shape[1] + 1))
        spread_matrix[:, :-1] = matrix
        spread_matrix[:, -1] = distance
        out: dict[str, TargetPrediction] = {}
        for name, part in self.targets_.items():
            prediction = part.point(matrix, threads)
            spread = np.asarray(part.spread_booster.predict(spread_matrix, num_threads=threads))
            lower, upper = part.calibration.interval(prediction, spread)
            out[name] = TargetPrediction(prediction, lower, upper)
        return out, distance

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """Point predictions, one column per target, indexed like ``X``."""
        results = self.predict_matrix(self.transform(X))
        return pd.DataFrame({t: r.prediction for t, r in results.items()}, index=X.index)

    def predict_interval(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per target: ``T``, ``T lower``, ``T upper`` at the calibrated coverage."""
        results = self.predict_matrix(self.transform(X))
        return _interval_frame(results, X.index)

    def domain(self, X: pd.DataFrame) -> pd.DataFrame:
        """Applicability domain: ``domain`` label (inside/edge/outside) and ``domain score``
        (≤ 1 inside, ≤ 2 edge: distance to the nearest training recipe and range check)."""
        score, label = self.domain_of(self.transform(X))
        return pd.DataFrame({"domain": label, "domain score": score}, index=X.index)

    def domain_of(self, matrix: np.ndarray, distance: np.ndarray | None = None,
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Domain scores and labels of encoded rows; ``distance``: their ``domain_distance``
        when already computed (``predict_encoded`` returns it)."""
        if distance is None:
            distance = self.domain_distance(matrix)
        return self.domain_.classify(distance, matrix[:, : len(self.encoder_.inputs)])

    def predict_table(self, X: pd.DataFrame) -> pd.DataFrame:
        """Predictions, interval bounds and domain label/score for every row of ``X``."""
        matrix = self.transform(X)
        results, distance = self.predict_encoded(matrix)
        frame = _interval_frame(results, X.index)
        score, label = self.domain_of(matrix, distance)
        frame["domain"] = label
        frame["domain score"] = score
        return frame


class _Trainer:
    """Calls ``lightgbm.train`` on numpy matrices with the categorical features set."""

    def __init__(self, categorical: list[int], cancel: CancelToken | None) -> None:
        self.categorical = categorical
        self.callbacks = [] if cancel is None else [_cancel_callback(cancel)]

    def __call__(
        self,
        params: dict[str, Any],
        matrix: np.ndarray,
        y: np.ndarray,
        rounds: int,
        init_score: np.ndarray | None = None,
    ) -> lgb.Booster:
        names = [f"f{j}" for j in range(matrix.shape[1])]
        data = lgb.Dataset(
            matrix,
            label=y,
            init_score=init_score,
            feature_name=names,
            categorical_feature=self.categorical or "auto",
            free_raw_data=True,
        )
        return lgb.train(params, data, num_boost_round=rounds, callbacks=self.callbacks)


class PointTrainer:
    """Fits the optional linear baseline, then boosts from it (``init_score``)."""

    def __init__(
        self,
        categorical: list[int],
        cancel: CancelToken | None,
        linear_index: list[int],
        linear_signs: list[int],
    ) -> None:
        self.trainer = _Trainer(categorical, cancel)
        self.linear_index = linear_index
        self.linear_signs = linear_signs

    def __call__(
        self, params: dict[str, Any], matrix: np.ndarray, y: np.ndarray, rounds: int
    ) -> tuple[lgb.Booster, LinearBase | None]:
        if not self.linear_index:
            return self.trainer(params, matrix, y, rounds), None
        linear = LinearBase.fit(matrix, y, self.linear_index, self.linear_signs)
        return self.trainer(params, matrix, y, rounds, linear.predict(matrix)), linear


def point_predict(
    booster: lgb.Booster, linear: LinearBase | None, matrix: np.ndarray, threads: int
) -> np.ndarray:
    """Booster prediction plus the linear baseline it was boosted from (if any)."""
    prediction = np.asarray(booster.predict(matrix, num_threads=threads))
    if linear is not None:
        prediction = prediction + linear.predict(matrix)
    return prediction


def _cancel_callback(cancel: CancelToken) -> Callable[[Any], None]:
    def check(env: Any) -> None:
        if env.iteration % 50 == 0:
            cancel.raise_if_cancelled()

    check.order = 5  # type: ignore[attr-defined]
    return check


def _check_cancel(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_cancelled()


def _scaled(progress: ProgressCallback, start: float, end: float, label: str) -> ProgressCallback:
    def report(fraction: float, message: str) -> None:
        progress(start + (end - start) * min(max(fraction, 0.0), 1.0), message or label)

    return report


def _interval_frame(results: Mapping[str, TargetPrediction], index: pd.Index) -> pd.DataFrame:
    columns: dict[str, np.ndarray] = {}
    for name, r in results.items():
        columns[name] = r.prediction
        columns[f"{name} lower"] = r.lower
        columns[f"{name} upper"] = r.upper
    return pd.DataFrame(columns, index=index)
