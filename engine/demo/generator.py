"""Write the demo project's source files from the real UCI concrete data.

Real: every distinct mix of ``Concrete_Data.xls`` becomes a recipe (amounts unchanged) and
every row a lab result (strength and age unchanged; repeated mix × age rows are replicates).
Cited: ``materials.csv`` is the materials catalogue (prices, CO₂ factors, densities; each
figure's source in ``MATERIALS.md``), imported first.
Synthetic, seeded and labelled ``synthetic_``: one batch per recipe (plant, line, a production time
from 2023 on, weighed amounts equal to the recipe) and a 10-second historian log of mixer
power, mixer speed and mix temperature during each batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from engine.schema import DatasetKind

DEMO_SEED = 20261121

# UCI headers as the reader returns them (blanks around and inside headers folded)
# → material codes.
UCI_COMPONENTS = {
    "Cement (component 1)(kg in a m^3 mixture)": "cement",
    "Blast Furnace Slag (component 2)(kg in a m^3 mixture)": "blast_furnace_slag",
    "Fly Ash (component 3)(kg in a m^3 mixture)": "fly_ash",
    "Water (component 4)(kg in a m^3 mixture)": "water",
    "Superplasticizer (component 5)(kg in a m^3 mixture)": "superplasticizer",
    "Coarse Aggregate (component 6)(kg in a m^3 mixture)": "coarse_aggregate",
    "Fine Aggregate (component 7)(kg in a m^3 mixture)": "fine_aggregate",
}
UCI_AGE = "Age (day)"
UCI_STRENGTH = "Concrete compressive strength(MPa, megapascals)"


@dataclass(frozen=True)
class DemoSource:
    """A generated file and what it holds."""

    path: Path
    kind: DatasetKind
    synthetic: bool
    description: str


def uci_concrete_path() -> Path:
    """The bundled, unmodified UCI workbook."""
    return Path(str(resources.files("engine.demo") / "data" / "Concrete_Data.xls"))


def materials_catalogue_path() -> Path:
    """The bundled demo materials catalogue (see ``MATERIALS.md`` for every figure's source)."""
    return Path(str(resources.files("engine.demo") / "data" / "materials.csv"))


def demo_study_path() -> Path:
    """The demo study: strength (lower 90 % bound) vs cost vs CO₂ at 28 days."""
    return Path(str(resources.files("engine.demo") / "data" / "demo_study.toml"))


def attribution_text() -> str:
    """Attribution and licence of the bundled demo data."""
    return (resources.files("engine.demo") / "data" / "ATTRIBUTION.md").read_text("utf-8")


def write_demo_sources(folder: Path, seed: int = DEMO_SEED) -> list[DemoSource]:
    """Write the demo's CSV sources into ``folder``; returns them in import order."""
    folder.mkdir(parents=True, exist_ok=True)
    from engine.ingest.importer import read_source

    raw = read_source(uci_concrete_path()).frame.astype({
        **dict.fromkeys(UCI_COMPONENTS, float), UCI_AGE: float, UCI_STRENGTH: float})
    components = raw[list(UCI_COMPONENTS)].rename(columns=UCI_COMPONENTS)
    mix_key = pd.MultiIndex.from_frame(components)
    first_seen = pd.factorize(mix_key)[0]
    recipe_ids = np.array([f"MIX-{i + 1:03d}" for i in range(first_seen.max() + 1)])

    recipes = components.assign(recipe_id=recipe_ids[first_seen]).drop_duplicates("recipe_id")
    recipes = recipes[["recipe_id", *UCI_COMPONENTS.values()]]
    batches, amounts = _synthetic_batches(recipes, np.random.default_rng(seed))
    labs = pd.DataFrame(
        {
            "batch_id": batches.set_index("recipe_id").loc[recipe_ids[first_seen], "batch_id"]
            .to_numpy(),
            "property": "compressive_strength",
            "test_age": raw[UCI_AGE].to_numpy(),
            "value": raw[UCI_STRENGTH].to_numpy(),
            "unit": "MPa",
        }
    )
    labs["replicate"] = labs.groupby(["batch_id", "test_age"]).cumcount() + 1
    historian = _synthetic_historian(batches, np.random.default_rng(seed + 1))

    catalogue = pd.read_csv(materials_catalogue_path())
    sources = [
        (catalogue, "materials.csv", DatasetKind.MATERIALS, False,
         "materials catalogue: prices (USD), CO₂ factors and densities from cited sources"),
        (recipes, "recipes.csv", DatasetKind.RECIPES, False,
         "distinct mixes of the UCI data (kg per m³), real"),
        (batches.merge(amounts, on="batch_id"), "synthetic_batches.csv", DatasetKind.BATCHES,
         True, "one synthetic batch per recipe; weighed amounts = recipe"),
        (historian, "synthetic_historian.csv", DatasetKind.PROCESS_SERIES, True,
         "synthetic 10 s mixer log (power kW, speed rpm, temperature °C)"),
        (labs, "lab_results.csv", DatasetKind.LAB_RESULTS, False,
         "compressive strength (MPa) at the real test ages, real"),
    ]
    written = []
    for frame, name, kind, synthetic, description in sources:
        path = folder / name
        frame.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
        written.append(DemoSource(path, kind, synthetic, description))
    return written


def _synthetic_batches(
    recipes: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(recipes)
    # Gaps of 20 min to 3.4 days keep batches in order and their windows apart (one mixer).
    gaps_min = rng.integers(20, 3.4 * 24 * 60, size=n).cumsum()
    start = pd.Timestamp("2023-01-02 06:00", tz="UTC") + pd.to_timedelta(gaps_min, unit="min")
    duration = pd.to_timedelta(rng.integers(90, 240, size=n), unit="s")
    batches = pd.DataFrame(
        {
            "batch_id": [f"B{index + 1:05d}" for index in range(n)],
            "recipe_id": recipes["recipe_id"].to_numpy(),
            "plant": "Demo plant",
            "line": rng.choice(["L1", "L2"], size=n),
            "start_time": start,
            "end_time": start + duration,
        }
    )
    amounts = recipes.drop(columns="recipe_id").assign(batch_id=batches["batch_id"].to_numpy())
    return batches, amounts


def _synthetic_historian(batches: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Samples every 10 s from 30 s before to 30 s after each batch, three tags."""
    step = np.timedelta64(10, "s")
    lead = np.timedelta64(30, "s")
    batch_start = batches["start_time"].dt.tz_convert(None).to_numpy()
    batch_end = batches["end_time"].dt.tz_convert(None).to_numpy()
    starts = batch_start - lead
    counts = ((batch_end + lead - starts) // step).astype(int) + 1
    owner = np.repeat(np.arange(len(batches)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    times = starts[owner] + offsets * step
    day_of_year = pd.DatetimeIndex(times).day_of_year.to_numpy()
    season = np.cos(2 * np.pi * (day_of_year - 200) / 365.25)
    n = len(times)
    mixing = (times >= batch_start[owner]) & (times <= batch_end[owner])
    power = np.where(mixing, rng.normal(48.0, 4.0, n), rng.normal(6.0, 1.0, n))
    speed = np.where(mixing, rng.normal(32.0, 0.8, n), 0.0)
    temperature = 21.0 + 7.0 * season + rng.normal(0.0, 0.4, n)
    tags = ("mixer_power", "mixer_speed", "mix_temperature")
    units = ("kW", "rpm", "degC")
    frame = pd.DataFrame(
        {
            "tag": np.repeat(np.array(tags), n),
            "time": pd.DatetimeIndex(np.tile(times, 3)).tz_localize("UTC"),
            "value": np.round(np.concatenate([power, speed, temperature]), 3),
            "unit": np.repeat(np.array(units), n),
        }
    )
    return frame.sort_values(["tag", "time"], kind="stable").reset_index(drop=True)
