"""``formix evaluate`` on a project shows its error figures in the project's display units."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from engine import services
from engine.cli import main

PSI_IN_MPA = 0.45359237 * 9.80665 / 0.0254**2 / 1e6
FAST = ["--folds", "3", "--rounds", "40", "--calibration-folds", "3", "--quiet"]


@pytest.fixture
def project(demo_copy: Path) -> Path:
    """The demo project, copied so the test may change it."""
    return demo_copy


def test_evaluate_shows_errors_in_the_projects_units_as_train_does(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(project), *FAST, "--json"]) == 0
    metric = {r["target"]: r for r in json.loads(capsys.readouterr().out)}
    strength = metric["compressive_strength"]
    assert strength["unit"] == "MPa"

    services.set_display_units(project, "US")
    oof = tmp_path / "oof.csv"
    assert main(["evaluate", str(project), *FAST, "--json", "--oof", str(oof)]) == 0
    us = {r["target"]: r for r in json.loads(capsys.readouterr().out)}["compressive_strength"]
    assert us["unit"] == "psi"
    for figure in ("rmse", "mae", "mean_interval_width", "constant_width_conformal_width"):
        assert us[figure] == pytest.approx(strength[figure] / PSI_IN_MPA, rel=1e-9)
    assert us["r2"] == pytest.approx(strength["r2"]) and us["coverage"] == strength["coverage"]

    predictions = pd.read_csv(oof)
    shown = predictions[predictions["target"] == "compressive_strength"]
    assert set(shown["unit"]) == {"psi"}
    assert shown["observed"].median() > 1000  # psi, not MPa

    assert main(["evaluate", str(project), *FAST]) == 0
    table = capsys.readouterr().out
    line = next(row for row in table.splitlines() if row.startswith("compressive_strength"))
    assert line.split()[1] == "psi"
    assert float(line.split()[2]) == pytest.approx(us["rmse"], abs=1e-3)
    assert "in the unit shown" in table
