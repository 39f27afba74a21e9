"""A trained set of property models with the metadata saved beside it."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import TYPE_CHECKING, Any

import pandas as pd

from engine.models.lightgbm_model import PropertyModel

if TYPE_CHECKING:
    from engine.display_units import DisplayUnits

_LIBRARIES = ("lightgbm", "numpy", "pandas", "scikit-learn", "scipy")


def library_versions() -> dict[str, str]:
    """Versions of Python, Formix and the libraries a model depends on."""
    from engine import __version__

    versions = {"python": platform.python_version(), "formix": __version__}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - always installed
            versions[name] = "unknown"
    return versions


def utc_now() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class ModelSet:
    """A trained ``PropertyModel`` with units, provenance and validation figures.

    Attributes:
        model: the fitted model (all targets).
        units: unit of each input and target column (pint strings; may be partial).
        training_fingerprint: sha256 of the training frame (see ``frame_fingerprint``).
        training_rows: rows used for training.
        cv_metrics: cross-validation metrics per target (empty if not evaluated).
        created_utc: creation time.
        library_versions: versions at training time.
    """

    model: PropertyModel
    units: dict[str, str] = field(default_factory=dict)
    training_fingerprint: str = ""
    training_rows: int = 0
    cv_metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    created_utc: str = field(default_factory=utc_now)
    library_versions: dict[str, str] = field(default_factory=library_versions)

    @property
    def targets(self) -> list[str]:
        """Target columns."""
        return self.model.target_names

    @property
    def inputs(self) -> list[str]:
        """Input columns a prediction frame must have."""
        self.model.check_fitted()
        return list(self.model.encoder_.inputs)

    def predict_table(self, frame: pd.DataFrame, top_contributions: int = 0,
                      units: DisplayUnits | None = None) -> pd.DataFrame:
        """Predictions, intervals, domain label/score and optional top contributions text
        (its effects in ``units`` when given, else in the stored units)."""
        table = self.model.predict_table(frame)
        if top_contributions > 0:
            from engine.models.explain import top_contributions_text

            for target in self.targets:
                stored = self.units.get(target, "")
                unit, scale = stored, 1.0
                if units is not None and stored:
                    from engine.units import display_unit_or_text

                    stored = display_unit_or_text(stored)
                    typical = float(table[target].median()) if len(table) else None
                    unit, scale = units.unit(stored, typical), units.change(1.0, stored, typical)
                table[f"{target} top contributions"] = top_contributions_text(
                    self.model, frame, target, top_contributions, {target: unit}, scale=scale
                )
        return table
