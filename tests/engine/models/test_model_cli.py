"""``formix evaluate``, ``train`` and ``predict`` on small generated files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from model_testdata import make_recipes

from engine.cli import main

FAST_ARGS = ["--rounds", "40", "--calibration-folds", "4", "--quiet"]
KEYS = {
    "rmse",
    "mae",
    "r2",
    "coverage",
    "mean_interval_width",
    "n_rows",
    "n_groups",
    "cv",
    "folds",
    "repeats",
}


@pytest.fixture
def table(tmp_path):
    frame = make_recipes(n_recipes=40, seed=5).drop(columns=["recipe"])
    frame = frame.rename(columns={"cement": " Cement (kg/m3) "})  # headers get stripped
    path = tmp_path / "plant.csv"
    frame.to_csv(path, index=False, sep=";")
    return path


def test_evaluate_prints_one_json_object_per_target(table, capsys):
    code = main(
        [
            "evaluate",
            str(table),
            "--target",
            "strength",
            "--target",
            "slump",
            "--categorical",
            "route",
            "--age",
            "age",
            "--folds",
            "4",
            "--json",
            "--ratio",
            "w/c",
            "water",
            "Cement (kg/m3)",
            *FAST_ARGS,
        ]
    )
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["target"] for r in rows] == ["strength", "slump"]
    for row in rows:
        assert set(row) >= KEYS
        assert row["cv"] == "group" and row["n_groups"] == 40 and row["n_rows"] == 120


def test_evaluate_human_table_and_oof_file(table, tmp_path, capsys):
    oof = tmp_path / "oof.csv"
    code = main(
        [
            "evaluate",
            str(table),
            "--target",
            "strength",
            "--drop",
            "slump",
            "--cv",
            "random",
            "--folds",
            "3",
            "--oof",
            str(oof),
            *FAST_ARGS,
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "RMSE" in out and "strength" in out
    assert {"observed", "predicted", "lower", "upper"} <= set(pd.read_csv(oof).columns)


def test_unknown_column_is_a_clear_error(table, capsys):
    code = main(["evaluate", str(table), "--target", "Strength", *FAST_ARGS])
    assert code == 1
    assert "unknown target column" in capsys.readouterr().err


def test_train_then_predict(table, tmp_path, capsys):
    model_dir = tmp_path / "model"
    code = main(
        [
            "train",
            str(table),
            "--target",
            "strength",
            "--drop",
            "slump",
            "--categorical",
            "route",
            "--age",
            "age",
            "--increasing",
            "age",
            "--unit",
            "strength=MPa",
            "--cv-folds",
            "3",
            "--out",
            str(model_dir),
            *FAST_ARGS,
        ]
    )
    assert code == 0 and (model_dir / "manifest.json").is_file()
    capsys.readouterr()
    recipes = make_recipes(n_recipes=5, seed=6).rename(columns={"cement": "Cement (kg/m3)"})
    recipes_path, out = tmp_path / "recipes.csv", tmp_path / "pred.csv"
    recipes.to_csv(recipes_path, index=False)
    code = main(["predict", str(model_dir), "--in", str(recipes_path), "--out", str(out), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 15
    predictions = pd.read_csv(out)
    for column in (
        "strength",
        "strength lower",
        "strength upper",
        "domain",
        "domain score",
        "strength top contributions",
    ):
        assert column in predictions.columns
    assert predictions["strength top contributions"].str.contains("MPa").all()

    # The same recipes with cement in lb/yd³ predict the same; without cement, a clear error.
    in_us = recipes.rename(columns={"Cement (kg/m3)": "Cement (lb/yd3)"})
    in_us["Cement (lb/yd3)"] = in_us["Cement (lb/yd3)"] / (0.45359237 / 0.9144**3)
    in_us.to_csv(recipes_path, index=False)
    assert main(["predict", str(model_dir), "--in", str(recipes_path), "--out", str(out)]) == 0
    np.testing.assert_allclose(pd.read_csv(out)["strength"], predictions["strength"], rtol=1e-9)
    capsys.readouterr()
    recipes.drop(columns=["Cement (kg/m3)"]).to_csv(recipes_path, index=False)
    assert main(["predict", str(model_dir), "--in", str(recipes_path), "--out", str(out)]) == 1
    assert "recipes.csv: no column for the model input(s) 'Cement (kg/m3)'" in \
        capsys.readouterr().err


def test_saved_row_index_is_not_an_input(tmp_path, capsys):
    """A table written with its pandas index (blank header, 0…n-1) trains on the real inputs;
    the row numbers would otherwise make every row its own recipe in grouped CV."""
    frame = make_recipes(n_recipes=40, seed=5).drop(columns=["recipe", "slump", "route"])
    path = tmp_path / "with_index.csv"
    frame.to_csv(path)  # index column with an empty header
    model_dir = tmp_path / "model"
    code = main(["train", str(path), "--target", "strength", "--out", str(model_dir),
                 "--cv-folds", "3", "--json", *FAST_ARGS])
    assert code == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["inputs"] == [c for c in frame.columns if c != "strength"]
    assert "numbers the rows (0…119)" in captured.err

    code = main(["train", str(path), "--target", "strength", "--out", str(tmp_path / "m2"),
                 "--inputs", "column A", "cement", "--cv-folds", "0", "--json", *FAST_ARGS])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["inputs"] == ["column A", "cement"]
