"""Project-level model services: train, validate, keep versions, predict.

Re-exported by ``engine.services``. A trained model set is stored in the project as
LightGBM text + JSON metadata (``engine.models.persistence``), never as a pickle; each
training adds a version.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import FormixError
from engine.progress import CancelToken, ProgressCallback, no_progress, scaled

if TYPE_CHECKING:
    import pandas as pd

    from engine.ingest.mapping import ImportProfile
    from engine.models.model_set import ModelSet
    from engine.types import ModellingTable

DEFAULT_MODEL_NAME = "properties"
PROCESS_FEATURE_MARK = "__"  # process features are named "<tag>__<statistic>"


@dataclass(frozen=True)
class TrainingReport:
    """What one training run produced, ready for a table and plots.

    Attributes:
        name: model set name in the project.
        version: the version just saved.
        targets: predicted properties.
        inputs: model inputs.
        cv: one row per target: rmse, mae, r2, coverage, mean_interval_width, n_rows, n_groups.
        predictions: per target, out-of-fold rows: measured, predicted, lower, upper, domain.
        importance: per target, mean |SHAP| per input (largest first).
        units: unit per column.
        nominal_coverage: the intervals' stated coverage.
        versions: every saved version of this model set (newest last).
    """

    name: str
    version: int
    targets: tuple[str, ...]
    inputs: tuple[str, ...]
    cv: pd.DataFrame
    predictions: dict[str, pd.DataFrame]
    importance: dict[str, pd.Series]
    units: dict[str, str]
    nominal_coverage: float
    versions: list[dict[str, Any]] = field(default_factory=list)

    def to_mapping(self) -> dict[str, Any]:
        """The plain mapping the desktop's Models page renders."""
        return {
            "cv": self.cv,
            "predictions": self.predictions,
            "importance": self.importance,
            "units": self.units,
            "nominal_coverage": self.nominal_coverage,
            "versions": self.versions,
        }


def model_inputs(table: ModellingTable, include_process_features: bool = False) -> list[str]:
    """Default model inputs: recipe amounts, settings, derived features and test age.

    Historian features describe how a batch actually ran, not set points an optimiser can
    choose, so they are left out unless asked for.
    """
    inputs = [c for c in table.input_columns
              if include_process_features or PROCESS_FEATURE_MARK not in c]
    if table.age_column and table.age_column not in inputs:
        inputs.append(table.age_column)
    varying = table.frame[inputs].nunique(dropna=True) > 1
    return [c for c in inputs if varying[c]]


def train_models(
    location: str | Path,
    *,
    targets: Sequence[str] | None = None,
    inputs: Sequence[str] | None = None,
    include_process_features: bool = False,
    coverage: float = 0.9,
    name: str = DEFAULT_MODEL_NAME,
    cv_folds: int = 5,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> TrainingReport:
    """Validate (grouped by recipe), train on all rows and save a new model version.

    Raises:
        FormixError: no measured property to model, or too few rows.
    """
    from engine.models.explain import global_importance
    from engine.models.service import evaluate_models
    from engine.models.service import train_models as fit_model_set
    from engine.services import modelling_table

    table, _report = modelling_table(location, progress=scaled(progress, 0.0, 0.05),
                                     cancel=cancel)
    chosen_targets = list(targets or table.target_columns)
    if not chosen_targets:
        raise FormixError("the project has no measured properties (lab results) to model")
    chosen_inputs = list(inputs or model_inputs(table, include_process_features))
    frame = table.frame.dropna(subset=chosen_targets, how="all")
    if len(frame) < 20:
        raise FormixError(f"only {len(frame)} rows with measured properties; need at least 20")
    subset = _with_frame(table, frame)
    age_terms = age_baseline(table.age_column if table.age_column in chosen_inputs else None)
    validation = evaluate_models(
        subset, chosen_targets, chosen_inputs, cv="group", folds=cv_folds, seed=seed,
        coverage=coverage, progress=scaled(progress, 0.05, 0.75), cancel=cancel, **age_terms,
    )
    model_set = fit_model_set(
        subset, chosen_targets, chosen_inputs, coverage=coverage, cv_folds=0, seed=seed,
        progress=scaled(progress, 0.75, 0.95), cancel=cancel, **age_terms,
    )
    model_set.cv_metrics = {t: dict(r.metrics) for t, r in validation.items()}
    progress(0.96, "saving the model")
    version = save_model_set(location, model_set, name)
    sample = frame[chosen_inputs].sample(min(len(frame), 500), random_state=seed)
    importance = {}
    for target in chosen_targets:
        ranked = global_importance(model_set.model, target, sample)
        importance[target] = ranked.set_index("feature")["mean_abs_shap"]
    progress(1.0, "trained")
    return TrainingReport(
        name=name,
        version=version,
        targets=tuple(chosen_targets),
        inputs=tuple(chosen_inputs),
        cv=_cv_table(validation),
        predictions={t: _parity_frame(r.predictions) for t, r in validation.items()},
        importance=importance,
        units={**table.units, **model_set.units},
        nominal_coverage=coverage,
        versions=model_versions(location, name),
    )


def age_baseline(age_column: str | None) -> dict[str, Any]:
    """Properties that develop with age (strength ~ log age) get a log-age linear baseline.

    Boosting then models the remainder, so predictions between and beyond the tested ages
    follow the logarithmic trend instead of the trees' steps.
    """
    if age_column is None:
        return {}
    from engine.models.features import DerivedFeature

    term = f"log({age_column})"
    return {"derived": [DerivedFeature(term, "log", (age_column,))],
            "model_options": {"linear": [term]}}


def save_model_set(location: str | Path, model_set: ModelSet, name: str) -> int:
    """Store a model set as the next version of ``name``; returns the version."""
    from engine.models.persistence import MANIFEST, dump_model_files
    from engine.storage import ProjectStore

    files = dump_model_files(model_set)
    payload_sha256 = json.loads(files[MANIFEST])["payload_sha256"]  # checked again on load
    metadata = {
        "targets": list(model_set.targets),
        "inputs": list(model_set.inputs),
        "cv_metrics": model_set.cv_metrics,
        "training_rows": model_set.training_rows,
        "training_fingerprint": model_set.training_fingerprint,
        "created_utc": model_set.created_utc,
    }
    with ProjectStore.open(location) as store:
        return store.save_model_version(name, files, metadata, payload_sha256)


def load_model_set(
    location: str | Path, name: str = DEFAULT_MODEL_NAME, version: int | None = None
) -> ModelSet:
    """A saved model set (the latest version by default); its checksums are verified."""
    from engine.models.persistence import load_model_files
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        _version, files = store.load_model_files(name, version)
    return load_model_files(files)


def model_versions(location: str | Path, name: str | None = None) -> list[dict[str, Any]]:
    """Saved model versions (newest last): name, version, created, targets, note (RMSE and
    coverage per target, in stored units) and cv_metrics (per target, as saved)."""
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        listing = store.model_versions()
    rows = []
    for row in listing.itertuples(index=False):
        if name is not None and row.name != name:
            continue
        metrics = row.metadata.get("cv_metrics", {})
        note = "; ".join(
            f"{t}: RMSE {m.get('rmse', float('nan')):.3g}, coverage {m.get('coverage', 0):.0%}"
            for t, m in metrics.items()
        )
        rows.append({
            "name": row.name,
            "version": int(row.version),
            "created": row.created_at,
            "targets": row.metadata.get("targets", []),
            "note": note,
            "cv_metrics": metrics,
        })
    return rows


def predict(
    location: str | Path,
    recipes: pd.DataFrame,
    *,
    name: str = DEFAULT_MODEL_NAME,
    version: int | None = None,
    top_contributions: int = 3,
    source: str = "recipes",
    profile: ImportProfile | None = None,
    age: float | None = None,
) -> pd.DataFrame:
    """Predictions with intervals, domain label and top contributions for recipe rows, in the
    project's display units (headers name them: "compressive_strength [psi]").

    Columns are read like imported files ("Cement (lb/yd3)", "Age (days)"), those ``profile``
    maps as the import maps them, and converted to the model's units. An alloy's balance
    element is filled where left out and derived inputs (w/c, binder, atomic fractions …) are
    always computed from the amounts. Without an age column the rows are predicted at
    ``age`` days, else at the model's only training age; the table then starts with that age
    ("Age (days)").

    Raises:
        FormixError: naming ``source``, the column (and row): a missing input, a unit that
            does not fit, a cell that is not a number, no age when the model knows several.
    """
    from engine.prediction_table import (
        AGE_HEADER,
        complete_inputs,
        derived_inputs,
        model_input_frame,
        profile_columns,
        require_inputs,
        shown_predictions,
    )
    from engine.services import display_units
    from engine.storage import ProjectStore

    model_set = load_model_set(location, name, version)
    with ProjectStore.open(location) as store:
        materials = store.read("materials")
    frame = model_input_frame(recipes, model_set.inputs, model_set.units, source,
                              model_set.model.encoder_.categorical,
                              profile_columns(profile) if profile else None, materials)
    frame, age_used = complete_inputs(frame, model_set, source, materials, age)
    require_inputs(frame, model_set.inputs, source, recipes.columns, model_set.units,
                   derived_inputs(model_set.inputs, materials))
    units = display_units(location)
    table = model_set.predict_table(frame, top_contributions=top_contributions, units=units)
    shown = shown_predictions(table, model_set.targets, model_set.units, units)
    return shown if age_used is None else shown.assign(**{AGE_HEADER: age_used})[
        [AGE_HEADER, *shown.columns]]


def project_deriver(location: str | Path) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Adds the project's derived features (from its materials catalogue) to recipe frames."""
    from engine.linking import deriver
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        return deriver(store.read("materials"))


def _with_frame(table: ModellingTable, frame: pd.DataFrame) -> ModellingTable:
    import dataclasses

    return dataclasses.replace(table, frame=frame.reset_index(drop=True))


def _cv_table(validation: dict[str, Any]) -> pd.DataFrame:
    import pandas as pd

    keys = ("rmse", "mae", "r2", "coverage", "mean_interval_width", "n_rows", "n_groups")
    return pd.DataFrame([{"target": t, **{k: r.metrics.get(k) for k in keys}}
                         for t, r in validation.items()])


def _parity_frame(predictions: pd.DataFrame) -> pd.DataFrame:
    renamed = predictions.rename(columns={"observed": "measured"})
    return renamed[["measured", "predicted", "lower", "upper", "domain"]].reset_index(drop=True)
