"""Service-level entry points: train a model set or cross-validate from a modelling table.

These take ``engine.types.ModellingTable`` (the project layer's table) or a plain DataFrame
with explicit column roles; the CLI and the desktop call them, never the lower layers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import FormixError
from engine.models.dataset import default_inputs, frame_fingerprint, require_columns
from engine.models.features import DerivedFeature
from engine.models.lightgbm_model import PropertyModel
from engine.models.model_set import ModelSet
from engine.models.validation import CrossValidation, cross_validate
from engine.progress import CancelToken, ProgressCallback, no_progress, scaled
from engine.types import ModellingTable


@dataclass(frozen=True)
class ColumnRoles:
    """Which columns of a frame play which role in modelling."""

    targets: tuple[str, ...]
    inputs: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    group_column: str | None = None
    age_column: str | None = None
    time_column: str | None = None
    units: dict[str, str] = field(default_factory=dict)


def resolve_roles(
    table: ModellingTable | pd.DataFrame,
    targets: Sequence[str] | None = None,
    inputs: Sequence[str] | None = None,
    *,
    categorical: Sequence[str] | None = None,
    drop: Sequence[str] = (),
    group_column: str | None = None,
    age_column: str | None = None,
    time_column: str | None = None,
    units: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, ColumnRoles]:
    """The frame and its column roles; explicit arguments override the table's own.

    Default inputs of a DataFrame: every numeric column except targets, dropped, group and
    time columns (plus declared categorical columns).
    """
    if isinstance(table, ModellingTable):
        frame = table.frame
        targets = targets or table.target_columns
        if age_column is None and (not inputs or table.age_column in inputs):
            # the table's age column, unless the chosen inputs leave it out (one test age only)
            age_column = table.age_column
        inputs = inputs or table.input_columns
        categorical = table.categorical_columns if categorical is None else categorical
        group_column = group_column or table.group_column
        time_column = time_column or table.time_column
        units = {**table.units, **dict(units or {})}
    else:
        frame = table
    if not targets:
        raise FormixError("name at least one target column")
    categorical = tuple(categorical or ())
    require_columns(frame, targets, "target column")
    for column, role in ((group_column, "group"), (age_column, "age"), (time_column, "time")):
        if column is not None:
            require_columns(frame, [column], f"{role} column")
    require_columns(frame, [*drop, *categorical], "column")
    if not inputs:
        skip = {*targets, *drop, *categorical}
        skip |= {c for c in (group_column, time_column) if c is not None}
        inputs = [*default_inputs(frame, skip), *categorical]
    require_columns(frame, inputs, "input column")
    clash = sorted(set(inputs) & set(targets))
    if clash:
        raise FormixError(f"columns {clash} are both inputs and targets")
    if age_column is not None and age_column not in inputs:
        raise FormixError(f"the age column {age_column!r} must be one of the inputs")
    roles = ColumnRoles(
        targets=tuple(targets),
        inputs=tuple(inputs),
        categorical=categorical,
        group_column=group_column,
        age_column=age_column,
        time_column=time_column,
        units=dict(units or {}),
    )
    return frame, roles


def train_models(
    table: ModellingTable | pd.DataFrame,
    targets: Sequence[str] | None = None,
    inputs: Sequence[str] | None = None,
    *,
    categorical: Sequence[str] | None = None,
    drop: Sequence[str] = (),
    group_column: str | None = None,
    age_column: str | None = None,
    units: Mapping[str, str] | None = None,
    derived: Sequence[DerivedFeature] = (),
    monotone: Mapping[str, int] | None = None,
    coverage: float = 0.9,
    cv_folds: int = 5,
    seed: int = 0,
    model_options: Mapping[str, Any] | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ModelSet:
    """Train a model set (one model per target) and record grouped-CV metrics.

    Args:
        table: a ModellingTable, or a DataFrame with roles given by the arguments.
        targets: target columns (default: the table's).
        inputs: input columns (default: the table's, or all numeric columns).
        categorical: categorical inputs.
        drop: columns never used as inputs.
        group_column: recipe id column; None infers recipes from inputs except age.
        age_column: test-age input.
        units: unit per column (stored with the model).
        derived: generic derived features.
        monotone: input -> +1 / −1 monotone constraints.
        coverage: nominal interval coverage.
        cv_folds: grouped CV folds run first for the stored metrics; 0 skips it.
        seed: seed.
        model_options: further PropertyModel parameters.
        progress: progress callback.
        cancel: cancellation token, checked between folds and targets.
    """
    frame, roles = resolve_roles(
        table,
        targets,
        inputs,
        categorical=categorical,
        drop=drop,
        group_column=group_column,
        age_column=age_column,
        units=units,
    )
    groups = None if roles.group_column is None else frame[roles.group_column].to_numpy()
    common: dict[str, Any] = dict(
        categorical=roles.categorical,
        derived=tuple(derived),
        monotone=monotone,
    )
    cv_metrics: dict[str, dict[str, Any]] = {}
    fit_start = 0.8 if cv_folds else 0.0
    if cv_folds:
        results = cross_validate(
            frame,
            roles.targets,
            roles.inputs,
            cv="group",
            folds=cv_folds,
            seed=seed,
            coverage=coverage,
            groups=groups,
            age_column=roles.age_column,
            model_options=model_options,
            progress=scaled(progress, 0.0, 0.8),
            cancel=cancel,
            **common,
        )
        cv_metrics = {t: r.metrics for t, r in results.items()}
    model = PropertyModel(
        inputs=roles.inputs,
        coverage=coverage,
        age_column=roles.age_column,
        seed=seed,
        **common,
        **dict(model_options or {}),
    )
    used = frame[[*roles.inputs, *roles.targets]]
    model.fit(
        frame[list(roles.inputs)],
        frame[list(roles.targets)],
        groups=groups,
        progress=scaled(progress, fit_start, 1.0),
        cancel=cancel,
    )
    return ModelSet(
        model=model,
        units=dict(roles.units),
        training_fingerprint=frame_fingerprint(used),
        training_rows=len(frame),
        cv_metrics=cv_metrics,
    )


def evaluate_models(
    table: ModellingTable | pd.DataFrame,
    targets: Sequence[str] | None = None,
    inputs: Sequence[str] | None = None,
    *,
    categorical: Sequence[str] | None = None,
    drop: Sequence[str] = (),
    cv: str = "group",
    group_by: Sequence[str] = (),
    age_column: str | None = None,
    time_column: str | None = None,
    folds: int = 10,
    repeats: int = 1,
    seed: int = 0,
    coverage: float = 0.9,
    derived: Sequence[DerivedFeature] = (),
    monotone: Mapping[str, int] | None = None,
    model_options: Mapping[str, Any] | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> dict[str, CrossValidation]:
    """Cross-validate models for ``targets`` on one set of folds (see ``cross_validate``).

    ``group_by`` names the columns whose joint value identifies a recipe; empty uses the
    table's group column, or else infers recipes from inputs except ``age_column``.
    """
    group_column = table.group_column if isinstance(table, ModellingTable) else None
    frame, roles = resolve_roles(
        table,
        targets,
        inputs,
        categorical=categorical,
        drop=[*drop, *(c for c in group_by if c not in drop)],
        group_column=None if group_by else group_column,
        age_column=age_column,
        time_column=time_column,
    )
    groups: np.ndarray | None = None
    if group_by:
        require_columns(frame, group_by, "group-by column")
        keys = list(group_by)
        groups = frame[keys].groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    elif roles.group_column is not None:
        groups = frame[roles.group_column].to_numpy()
    return cross_validate(
        frame,
        roles.targets,
        roles.inputs,
        cv=cv,
        folds=folds,
        repeats=repeats,
        seed=seed,
        coverage=coverage,
        groups=groups,
        age_column=roles.age_column,
        time_column=roles.time_column,
        categorical=roles.categorical,
        derived=derived,
        monotone=monotone,
        model_options=model_options,
        progress=progress,
        cancel=cancel,
    )
