"""Training models into a project: honest validation, versions, reload, prediction."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine import services
from engine.errors import FormixError


@pytest.fixture(scope="module")
def trained(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    project = tmp_path_factory.mktemp("trained") / "demo.formix"
    shutil.copy(demo_project, project)
    report = services.train_models(project, cv_folds=3)
    return project, report


def test_training_reports_grouped_cv_with_calibrated_intervals(trained: tuple) -> None:
    _project, report = trained
    row = report.cv.set_index("target").loc["compressive_strength"]
    assert row["n_groups"] == 428  # the real distinct mixes: folds hold whole mixes out
    assert 0.8 <= row["coverage"] <= 0.97  # stated 90 %, measured on held-out mixes
    assert row["r2"] > 0.8
    parity = report.predictions["compressive_strength"]
    assert len(parity) == row["n_rows"]
    assert (parity["lower"] <= parity["predicted"]).all()
    assert (parity["predicted"] <= parity["upper"]).all()
    importance = report.importance["compressive_strength"]
    assert importance.index[0] in {"test_age_days", "log(test_age_days)", "water_binder_ratio",
                                   "water_cement_ratio"}


def test_model_inputs_leave_out_historian_features(trained: tuple) -> None:
    _project, report = trained
    assert "test_age_days" in report.inputs
    assert not [c for c in report.inputs if "__" in c]


def test_each_training_adds_a_version_that_reloads_and_predicts(trained: tuple) -> None:
    project, report = trained
    versions = services.model_versions(project)
    assert [v["version"] for v in versions] == [report.version]
    recipes = pd.DataFrame({
        "cement": [350.0, 350.0], "blast_furnace_slag": [0.0, 0.0], "fly_ash": [0.0, 0.0],
        "water": [175.0, 175.0], "superplasticizer": [5.0, 5.0],
        "coarse_aggregate": [1000.0, 1000.0], "fine_aggregate": [800.0, 800.0],
        "test_age_days": [7.0, 28.0],
    })
    predicted = services.predict(project, recipes)
    strength = predicted["compressive_strength [MPa]"].to_numpy()
    assert np.all(np.isfinite(strength))
    assert strength[1] > strength[0]  # concrete gains strength from 7 to 28 days
    assert set(predicted["domain"]) <= {"inside", "edge", "outside"}
    assert (predicted["compressive_strength lower [MPa]"] <= strength).all()


def test_predicting_without_a_model_is_a_clear_error(demo_project: Path, tmp_path: Path) -> None:
    project = tmp_path / "untrained.formix"
    shutil.copy(demo_project, project)
    with pytest.raises(FormixError, match="no saved model"):
        services.predict(project, pd.DataFrame({"cement": [300.0]}))


def test_cli_predicts_from_a_project_file(trained: tuple, tmp_path: Path) -> None:
    from engine.cli import main

    project, _report = trained
    recipes = tmp_path / "candidates.csv"
    recipes.write_text("cement,blast_furnace_slag,fly_ash,water,superplasticizer,"
                       "coarse_aggregate,fine_aggregate,test_age_days\n"
                       "350,0,0,175,5,1000,800,28\n300,100,0,170,6,1000,780,28\n")
    out = tmp_path / "predictions.csv"
    assert main(["predict", str(project), "--in", str(recipes), "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert len(table) == 2
    assert (table["compressive_strength lower [MPa]"] < table["compressive_strength [MPa]"]).all()
    assert table["compressive_strength top contributions"].str.contains("MPa").all()


def test_a_mix_table_tested_at_one_age_trains_without_negative_slumps(tmp_path: Path) -> None:
    """Like the UCI slump data: one test age (in the strength header), so age is no input;
    slump is never negative, so neither are its lower bounds, and coverage is unchanged."""
    rng = np.random.default_rng(5)
    n = 60
    cement, fly_ash = rng.uniform(150, 380, n).round(), rng.choice([0, 120, 180], n)
    water, sp = rng.uniform(160, 240, n).round(), rng.uniform(4, 16, n).round(1)
    slump = np.clip(8 * (water - 180) + 6 * sp - 20 + rng.normal(0, 25, n), 0, 280).round()
    strength = (0.12 * cement + 0.05 * fly_ash - 0.1 * water + 35 + rng.normal(0, 2, n)).round(2)
    table = pd.DataFrame({"No": np.arange(1, n + 1), "Cement": cement, "Fly ash": fly_ash,
                          "Water": water, "SP": sp, "Coarse Aggr.": 900.0, "Fine Aggr.": 750.0,
                          "SLUMP(cm)": slump / 10, "Compressive Strength (28-day)(Mpa)": strength})
    source = tmp_path / "slump.csv"
    table.to_csv(source, index=False)
    project = tmp_path / "plant.formix"
    services.create_project(project)
    services.import_files(project, [source])

    report = services.train_models(project, cv_folds=3)

    assert "test_age_days" not in report.inputs  # every mix was tested at 28 days
    assert set(report.targets) == {"compressive_strength", "slump"}
    parity = report.predictions["slump"]
    assert (parity["lower"] >= 0).all() and (parity["lower"] == 0).any()
    inside = (parity["measured"] >= parity["lower"]) & (parity["measured"] <= parity["upper"])
    row = report.cv.set_index("target").loc["slump"]
    assert inside.mean() == pytest.approx(row["coverage"])
