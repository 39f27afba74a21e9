"""A setting given per batch (a heats sheet's aging temperature) is a model input end to end:
import → modelling table → training → prediction by its header → drafted study."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine import services
from engine.optimisation_services import default_study

HEATS_PER_GRADE = 3


def _steel_shop(folder: Path) -> Path:
    """30 grades, 3 heats each aged at 900–1000 °F; yield strength rises with the aging
    temperature (0.8 ksi/°F), which only the heats sheet gives."""
    rng = np.random.default_rng(7)
    ni = rng.uniform(8, 18, 30).round(1)
    co = rng.uniform(0, 10, 30).round(1)
    pd.DataFrame({"Recipe": [f"G{i}" for i in range(30)], "Ni (wt%)": ni, "Co (wt%)": co,
                  "Fe (wt%)": (100 - ni - co).round(1)}).to_csv(folder / "recipes.csv",
                                                               index=False)
    days = pd.date_range("2024-01-01", periods=30 * HEATS_PER_GRADE, freq="D")
    heats = pd.DataFrame({"Batch": [f"H{k}" for k in range(len(days))],
                          "Recipe": [f"G{k // HEATS_PER_GRADE}" for k in range(len(days))],
                          "Start": days.strftime("%Y-%m-%d"),
                          "Aging Temp (°F)": rng.choice([900, 925, 950, 975, 1000], len(days))})
    heats.to_csv(folder / "batches.csv", index=False)
    strength = (150 + 0.8 * (heats["Aging Temp (°F)"] - 900)
                + 2 * np.repeat(ni, HEATS_PER_GRADE) + rng.normal(0, 2, len(heats)))
    pd.DataFrame({"Batch": heats["Batch"], "Yield Strength (ksi)": strength.round(1)}).to_csv(
        folder / "lab.csv", index=False)
    project = folder / "shop.formix"
    services.create_project(project)
    for name, kind in (("recipes", "recipes"), ("batches", "batches"), ("lab", "lab_results")):
        services.import_files(project, [folder / f"{name}.csv"], kind=kind)
    return project


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = _steel_shop(tmp_path_factory.mktemp("shop"))
    services.train_models(project, cv_folds=3)
    return project


def test_the_batch_setting_is_a_setting_column_of_the_modelling_table(shop: Path) -> None:
    table, report = services.modelling_table(shop)
    assert "aging_temp" in table.input_columns
    assert table.units["aging_temp"] == "°C"
    assert not [c for c in table.frame.columns if c.startswith("aging_temp__")]
    assert sorted(table.frame["aging_temp"].round(2).unique()) == pytest.approx(
        [482.22, 496.11, 510.0, 523.89, 537.78])  # 900 … 1000 °F
    assert any("aging_temp" in note for note in report.notes)


def test_the_model_uses_it_and_predict_reads_it_under_its_header(shop: Path) -> None:
    assert "aging_temp" in services.load_model_set(shop).inputs
    recipes = pd.DataFrame({"Ni (wt%)": [12.0, 12.0], "Co (wt%)": [5.0, 5.0],
                            "Fe (wt%)": [83.0, 83.0], "Aging Temp (°F)": [900, 1000]})
    strength = services.predict(shop, recipes)["yield_strength [ksi]"].to_numpy()
    assert strength[1] - strength[0] > 40  # the data: +80 ksi from 900 to 1000 °F


def test_the_drafted_study_varies_it_within_the_data(shop: Path) -> None:
    study = default_study(shop)
    assert study is not None
    (aging,) = [v for v in study["variables"] if v["name"] == "aging_temp"]
    values = services.modelling_table(shop)[0].frame["aging_temp"]
    assert aging["type"] == "continuous" and aging["unit"] == "°C"
    assert aging["lower"] == pytest.approx(values.quantile(0.02), abs=0.5)
    assert aging["upper"] == pytest.approx(values.quantile(0.98), abs=0.5)
