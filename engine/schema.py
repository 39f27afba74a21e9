"""The canonical tables every import is normalised into and every store read returns.

Readers and column mappings turn a plant file into these long-format pandas frames; the
project store persists them; linking turns them into the modelling table. Times are
timezone-aware UTC (``datetime64[ns, UTC]``); amounts and values are in canonical units
(see ``engine.units``); ``import_id`` + ``source_row`` trace every row to its file.
"""

from __future__ import annotations

from enum import StrEnum


class DatasetKind(StrEnum):
    """What a source file holds."""

    MATERIALS = "materials"          # catalogue: kind, unit, price, CO₂ factor, density
    RECIPES = "recipes"              # recipe id (+version) with component amounts and settings
    BATCHES = "batches"              # batch id, recipe id, plant/line, window, weighed amounts
    PROCESS_SERIES = "process_series"  # historian log: tag, time, value (long or wide)
    LAB_RESULTS = "lab_results"      # batch/sample id, property, test age, value, replicate
    SAMPLES = "samples"              # flat table: one row = a mix (+ settings) and its results


# Column names of the canonical frames; order as the store returns them.
FRAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "materials": ("material", "name", "kind", "unit", "price_per_unit", "currency",
                  "co2_per_unit", "density_kg_m3", "source"),
    "recipes": ("recipe_id", "version", "name", "family", "import_id", "source_row"),
    "recipe_components": ("recipe_id", "version", "material", "amount", "unit"),
    "recipe_settings": ("recipe_id", "version", "setting", "value_num", "value_text", "unit"),
    "batches": ("batch_id", "recipe_id", "recipe_version", "plant", "line", "start_time",
                "end_time", "import_id", "source_row"),
    "batch_amounts": ("batch_id", "material", "amount", "unit"),
    "process_series": ("tag", "time", "value", "unit", "batch_id", "import_id", "source_row"),
    "lab_results": ("batch_id", "property", "test_age_days", "value", "unit", "replicate",
                    "import_id", "source_row"),
    "imports": ("import_id", "kind", "file_name", "sha256", "imported_at", "n_rows"),
}
