"""Seeded synthetic plant data for ``formix bench link``: canonical frames and their CSV files.

A concrete plant: recipes of seven materials, batches every ~30 minutes (a few overlap the
previous one), a historian log of eight tags sampled over the whole period (so some samples
fall between batches), weighed amounts per batch and 7/28-day strengths plus slump.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TAGS: tuple[tuple[str, str, float, float], ...] = (
    # tag, unit, typical value, noise
    ("mixer_temp", "degC", 24.0, 2.0),
    ("mixer_power", "kW", 55.0, 8.0),
    ("water_temp", "degC", 16.0, 1.5),
    ("sand_moisture", "percent", 4.5, 0.6),
    ("mixer_speed", "rpm", 28.0, 1.0),
    ("aggregate_temp", "degC", 18.0, 3.0),
    ("ambient_temp", "degC", 15.0, 6.0),
    ("humidity", "percent", 60.0, 12.0),
)

# material, name, kind, density kg/m³, typical kg/m³
MATERIALS: tuple[tuple[str, str, str, float, float], ...] = (
    ("cement", "CEM I 42.5 R", "cement", 3150.0, 330.0),
    ("fly_ash", "Fly ash", "fly_ash", 2300.0, 60.0),
    ("slag", "GGBS", "slag", 2900.0, 40.0),
    ("water", "Water", "water", 1000.0, 175.0),
    ("superplasticizer", "Superplasticizer", "admixture", 1070.0, 3.0),
    ("sand", "Sand 0/4", "fine_aggregate", 2650.0, 780.0),
    ("gravel", "Gravel 4/16", "coarse_aggregate", 2700.0, 1000.0),
)

FILE_NAMES = {1: "materials.csv", 2: "recipes.csv", 3: "batches.csv", 4: "historian.csv",
              5: "lab.csv"}
_T0 = np.datetime64("2020-01-01T00:00:00", "ns").astype(np.int64)
_SECOND = 1_000_000_000
_MINUTE = 60 * _SECOND


def generate_frames(rows: int, batches: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Canonical frames (see ``engine.schema.FRAME_COLUMNS``) of a synthetic plant.

    Args:
        rows: process series rows (historian samples over all tags).
        batches: batches, each with weighed amounts and most with lab results.
        seed: random seed; the same seed gives the same frames.
    """
    rng = np.random.default_rng(seed)
    frames: dict[str, pd.DataFrame] = {"materials": _materials()}
    recipes, components = _recipes(rng, max(1, batches // 500))
    frames["recipes"], frames["recipe_components"] = recipes, components
    frames["recipe_settings"] = pd.DataFrame({
        "recipe_id": recipes["recipe_id"], "version": recipes["version"],
        "setting": "mixing_time_s", "value_num": rng.choice([60.0, 90.0, 120.0], len(recipes)),
        "value_text": None, "unit": "s"})
    frames["batches"], frames["batch_amounts"] = _batches(rng, batches, recipes, components)
    frames["process_series"] = _series(rng, rows, frames["batches"])
    frames["lab_results"] = _lab(rng, frames["batches"])
    frames["imports"] = pd.DataFrame({
        "import_id": list(FILE_NAMES), "kind": ["materials", "recipes", "batches",
                                                "process_series", "lab_results"],
        "file_name": list(FILE_NAMES.values()), "sha256": "", "imported_at": pd.Timestamp.now(
            tz="UTC"), "n_rows": [len(frames[k]) for k in ("materials", "recipes", "batches",
                                                             "process_series", "lab_results")]})
    return frames


def write_csvs(frames: dict[str, pd.DataFrame], directory: Path) -> dict[str, Path]:
    """Write the plant files an engineer would import; returns dataset kind → path.

    Recipes and batches are wide (one column per material, kg/m³); the historian log and the
    lab results are long. Times are ISO 8601 UTC.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = {kind: directory / name for kind, name in zip(
        ("materials", "recipes", "batches", "process_series", "lab_results"),
        FILE_NAMES.values(), strict=True)}
    frames["materials"].drop(columns=["source"]).to_csv(paths["materials"], index=False)
    wide = frames["recipe_components"].pivot(index=["recipe_id", "version"], columns="material",
                                             values="amount").reset_index()
    wide.to_csv(paths["recipes"], index=False)
    amounts = frames["batch_amounts"].pivot(index="batch_id", columns="material",
                                            values="amount")
    batch_file = frames["batches"].drop(columns=["import_id", "source_row"]).join(
        amounts, on="batch_id")
    for column in ("start_time", "end_time"):
        batch_file[column] = _iso(batch_file[column])
    batch_file.to_csv(paths["batches"], index=False)
    _write_series(frames["process_series"], paths["process_series"])
    lab = frames["lab_results"].drop(columns=["import_id", "source_row"])
    lab.to_csv(paths["lab_results"], index=False)
    return paths


def _write_series(series: pd.DataFrame, path: Path, chunk_rows: int = 1_000_000) -> None:
    """The historian log as CSV, a million rows at a time to bound memory.

    Arrow's writer when pyarrow is installed; pandas' otherwise (the offline bundle leaves
    pyarrow out): the same columns and values, only slower.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pa_csv
    except ImportError:
        for start in range(0, len(series), chunk_rows):
            part = series.iloc[start:start + chunk_rows]
            pd.DataFrame({
                "tag": part["tag"].astype(str).to_numpy(), "time": _iso(part["time"]),
                "value": part["value"].to_numpy(), "unit": part["unit"].astype(str).to_numpy(),
            }).to_csv(path, mode="w" if start == 0 else "a", header=start == 0, index=False)
        if not len(series):
            pd.DataFrame(columns=["tag", "time", "value", "unit"]).to_csv(path, index=False)
        return

    options = pa_csv.WriteOptions(quoting_style="none", quoting_header="none")
    schema = pa.schema([("tag", pa.string()), ("time", pa.string()), ("value", pa.float64()),
                        ("unit", pa.string())])
    with pa_csv.CSVWriter(path, schema, write_options=options) as writer:
        for start in range(0, len(series), chunk_rows):
            part = series.iloc[start:start + chunk_rows]
            writer.write_table(pa.table({
                "tag": part["tag"].astype(str).to_numpy(), "time": _iso(part["time"]),
                "value": part["value"].to_numpy(), "unit": part["unit"].astype(str).to_numpy(),
            }, schema=schema))


def _iso(times: pd.Series) -> np.ndarray:
    return np.datetime_as_string(times.to_numpy(dtype="datetime64[ns]"), unit="s",
                                 timezone="UTC")


def _materials() -> pd.DataFrame:
    return pd.DataFrame({
        "material": [m[0] for m in MATERIALS], "name": [m[1] for m in MATERIALS],
        "kind": [m[2] for m in MATERIALS], "unit": "kg/m**3", "price_per_unit": np.nan,
        "currency": None, "co2_per_unit": np.nan,
        "density_kg_m3": [m[3] for m in MATERIALS], "source": "bench"})


def _recipes(rng: np.random.Generator, n_recipes: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    recipe_ids = np.array([f"R{i:04d}" for i in range(n_recipes)], dtype=object)
    versions = rng.integers(1, 3, n_recipes)  # one or two versions each
    ids = np.repeat(recipe_ids, versions)
    version = np.concatenate([np.arange(1, v + 1) for v in versions])
    recipes = pd.DataFrame({"recipe_id": ids, "version": version, "name": ids,
                            "family": "C30/37", "import_id": 2,
                            "source_row": np.arange(2, len(ids) + 2)})
    typical = np.array([m[4] for m in MATERIALS])
    amounts = typical * rng.uniform(0.8, 1.2, (len(ids), len(MATERIALS)))
    components = pd.DataFrame({
        "recipe_id": np.repeat(ids, len(MATERIALS)), "version": np.repeat(version, len(MATERIALS)),
        "material": np.tile([m[0] for m in MATERIALS], len(ids)),
        "amount": amounts.ravel().round(1), "unit": "kg/m**3"})
    return recipes, components


def _batches(rng: np.random.Generator, n_batches: int, recipes: pd.DataFrame,
             components: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    gaps = rng.uniform(25.0, 35.0, n_batches)
    gaps[rng.random(n_batches) < 0.005] = 5.0  # a few batches start before the last one ends
    start = _T0 + (np.cumsum(gaps) * 60).astype(np.int64) * _SECOND
    end = start + (rng.uniform(12.0, 20.0, n_batches) * 60).astype(np.int64) * _SECOND
    pick = rng.integers(0, len(recipes), n_batches)
    batch_ids = np.array([f"B{i:07d}" for i in range(n_batches)], dtype=object)
    batches = pd.DataFrame({
        "batch_id": batch_ids,
        "recipe_id": recipes["recipe_id"].to_numpy()[pick],
        "recipe_version": pd.array(recipes["version"].to_numpy()[pick], dtype="Int64"),
        "plant": "North", "line": rng.choice(["L1", "L2"], n_batches),
        "start_time": pd.to_datetime(start, utc=True),
        "end_time": pd.to_datetime(end, utc=True),
        "import_id": 3, "source_row": np.arange(2, n_batches + 2)})
    batches.loc[rng.random(n_batches) < 0.5, "recipe_version"] = pd.NA  # "latest version"
    recipe_amounts = components["amount"].to_numpy().reshape(len(recipes), len(MATERIALS))
    weighed = recipe_amounts[pick] * rng.normal(1.0, 0.02, (n_batches, len(MATERIALS)))
    amounts = pd.DataFrame({
        "batch_id": np.repeat(batch_ids, len(MATERIALS)),
        "material": np.tile([m[0] for m in MATERIALS], n_batches),
        "amount": weighed.ravel().round(1), "unit": "kg/m**3"})
    return batches, amounts


def _series(rng: np.random.Generator, n_rows: int, batches: pd.DataFrame) -> pd.DataFrame:
    first = batches["start_time"].iloc[0].value - 60 * _MINUTE
    last = batches["end_time"].iloc[-1].value + 60 * _MINUTE
    per_tag = np.full(len(TAGS), n_rows // len(TAGS))
    per_tag[: n_rows % len(TAGS)] += 1
    tag_codes = np.repeat(np.arange(len(TAGS), dtype=np.int8), per_tag)
    # Each tag sampled on its own regular grid, jittered by up to a second.
    times = np.concatenate([np.linspace(first, last, n, dtype=np.int64) for n in per_tag])
    times -= times % _SECOND
    times += rng.integers(0, 2, n_rows) * _SECOND  # whole seconds, as the CSV files hold
    base = np.array([t[2] for t in TAGS])[tag_codes]
    noise = np.array([t[3] for t in TAGS])[tag_codes]
    values = base + noise * rng.standard_normal(n_rows)
    order = np.argsort(times, kind="stable")  # a historian export is ordered by time
    del base, noise
    tag_codes, times, values = tag_codes[order], times[order], values[order].round(3)
    del order
    unit_names = sorted({t[1] for t in TAGS})
    unit_codes = np.array([unit_names.index(t[1]) for t in TAGS], dtype=np.int8)[tag_codes]
    return pd.DataFrame({
        "tag": pd.Categorical.from_codes(tag_codes, categories=[t[0] for t in TAGS]),
        "time": pd.to_datetime(times, utc=True),
        "value": values,
        "unit": pd.Categorical.from_codes(unit_codes, categories=unit_names),
        "batch_id": pd.Categorical.from_codes(np.full(n_rows, -1, dtype=np.int8),
                                              categories=pd.Index([], dtype=object)),
        "import_id": np.full(n_rows, 4, dtype=np.int8),
        "source_row": np.arange(2, n_rows + 2, dtype=np.int64),
    })


def _lab(rng: np.random.Generator, batches: pd.DataFrame) -> pd.DataFrame:
    n = len(batches)
    tested = batches["batch_id"].to_numpy()[rng.random(n) >= 0.1]  # 10 % never tested
    # (age, replicates): 7-day ×2, 28-day ×3 strength; slump once, no age.
    parts = []
    for prop, unit, age, reps, mean, sd in (
            ("compressive_strength", "MPa", 7.0, 2, 28.0, 3.0),
            ("compressive_strength", "MPa", 28.0, 3, 40.0, 4.0),
            ("slump", "mm", np.nan, 1, 120.0, 20.0)):
        ids = np.repeat(tested, reps)
        parts.append(pd.DataFrame({
            "batch_id": ids, "property": prop, "test_age_days": age,
            "value": (mean + sd * rng.standard_normal(len(ids))).round(1), "unit": unit,
            "replicate": np.tile(np.arange(1, reps + 1), len(tested))}))
    orphans = pd.DataFrame({"batch_id": [f"X{i:05d}" for i in range(20)],
                            "property": "compressive_strength", "test_age_days": 28.0,
                            "value": 35.0, "unit": "MPa", "replicate": 1})
    lab = pd.concat([*parts, orphans], ignore_index=True)
    lab["import_id"] = 5
    lab["source_row"] = np.arange(2, len(lab) + 2)
    return lab
