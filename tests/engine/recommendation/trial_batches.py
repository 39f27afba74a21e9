"""A trial batch as a plant imports it: made to a recommended recipe after the run proposed it,
with its weighed amounts and a 28-day strength (the demo's own batches were not made to any
recommendation, so recording them as trials takes ``force``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from engine import services
from engine.demo.project import demo_profiles
from engine.ingest.mapping import ColumnMapping, ImportProfile
from engine.schema import DatasetKind
from engine.storage import ProjectStore
from engine.types import ImportSource

DEMO_COMPONENTS = ("cement", "blast_furnace_slag", "fly_ash", "water", "superplasticizer",
                   "coarse_aggregate", "fine_aggregate")


def import_trial_batch(location: str | Path, recipe: Mapping[str, float], batch_id: str,
                       folder: Path, *, strength: float,
                       made_at: pd.Timestamp | None = None) -> None:
    """Import ``batch_id`` weighed as ``recipe`` (kg/m³), made at ``made_at`` (default: now),
    and its 28-day compressive strength in MPa, into a demo project."""
    with ProjectStore.open(location) as store:
        recipe_id = str(store.read("recipes")["recipe_id"].iloc[0])
    made_at = made_at if made_at is not None else pd.Timestamp.now(tz="UTC")
    batches = folder / f"{batch_id}_batch.csv"
    pd.DataFrame([{"batch_id": batch_id, "recipe_id": recipe_id,
                   "start_time": made_at.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                   **{m: round(float(recipe.get(m, 0.0)), 3) for m in DEMO_COMPONENTS}}]
                 ).to_csv(batches, index=False)
    labs = folder / f"{batch_id}_lab.csv"
    pd.DataFrame([{"batch_id": batch_id, "property": "compressive_strength", "test_age": 28,
                   "value": strength, "unit": "MPa", "replicate": 1}]).to_csv(labs, index=False)
    batch_profile = ImportProfile(kind=DatasetKind.BATCHES, columns=[
        ColumnMapping("batch_id", "batch_id"), ColumnMapping("recipe_id", "recipe_id"),
        ColumnMapping("start_time", "start_time"),
        *(ColumnMapping(m, f"component:{m}", "kg/m^3") for m in DEMO_COMPONENTS)])
    lab_profile = demo_profiles()[DatasetKind.LAB_RESULTS]
    services.import_sources(location, [
        ImportSource(batches, DatasetKind.BATCHES, batch_profile),
        ImportSource(labs, DatasetKind.LAB_RESULTS, lab_profile)])
