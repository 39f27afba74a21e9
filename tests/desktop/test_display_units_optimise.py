"""The Optimise page for a US plant: the study forms show lb/yd³ and psi, a limit typed without
a unit is in the unit shown, the run gives the same recipes as the same study in metric units,
and switching back to SI shows the stored figures again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from desktop.pages.optimise_page import OptimisePage
from engine import services
from engine.display_units import DisplayUnits
from engine.units import conversion_factor
from tests.desktop.conftest import TrainedDemo, copy_project

pytestmark = pytest.mark.gui

TIMEOUT_MS = 120_000
LB_YD3_PER_KG_M3 = 1.685555
PSI_PER_MPA = 145.0377


def _variable(study: dict[str, Any], name: str) -> dict[str, Any]:
    return next(v for v in study["variables"] if v["name"] == name)


def test_a_us_plant_edits_and_runs_the_study_in_its_units(qtbot, trained_demo: TrainedDemo,
                                                          tmp_path: Path) -> None:
    location = copy_project(Path(trained_demo.location), tmp_path)
    metric = services.default_study(location)
    metric["constraints"] = [{"name": "class", "target": "compressive_strength",
                              "statistic": "lower", "min": 30.0}]
    metric["algorithm"] = {"population": 24, "generations": 6, "seed": 5}
    path = services.save_study(metric, tmp_path / "metric.toml")

    page = OptimisePage()
    qtbot.addWidget(page)
    page.set_display_units(DisplayUnits("US"))
    with qtbot.waitSignal(page.study_loaded, timeout=TIMEOUT_MS):
        page.set_project(location)
    with qtbot.waitSignal(page.study_loaded, timeout=TIMEOUT_MS):
        page.open_study(path)
    shown, problems = page.edited_study()
    assert problems == []
    cement = _variable(shown, "cement")
    assert cement["unit"] == "lb/yd³"
    assert cement["lower"] == pytest.approx(_variable(metric, "cement")["lower"]
                                            * LB_YD3_PER_KG_M3, rel=1e-5)
    limit = shown["constraints"][0]
    assert limit["unit"] == "psi" and limit["min"] == pytest.approx(30.0 * PSI_PER_MPA, rel=1e-5)

    # A limit typed in the US forms without a unit is in psi, the unit strength is shown in.
    page.editor.constraints.add_record({"target": "compressive_strength", "statistic": "mean",
                                        "min": 3000.0})
    edited, _ = page.edited_study()
    assert edited["constraints"][1]["unit"] == "psi"
    page.grab().save(str(tmp_path / "optimise_us.png"))

    task = page.run()
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS) as finished:
        pass
    outcome = finished.args[0]
    assert outcome.ok, outcome
    us_run = outcome.value.result.pareto

    mpa_per_psi = conversion_factor("psi", "MPa")[0]
    metric["constraints"].append({"target": "compressive_strength", "statistic": "mean",
                                  "min": float(f"{3000.0 * mpa_per_psi:.12g}")})
    metric_run = services.optimise(location, metric, seed=None, save=False).result.pareto
    assert len(us_run) == len(metric_run) > 0
    columns = [v["name"] for v in metric["variables"]]
    np.testing.assert_allclose(np.sort(us_run[columns].to_numpy(float), axis=0),
                               np.sort(metric_run[columns].to_numpy(float), axis=0), rtol=1e-6)
    lower = us_run["compressive_strength_lower"].to_numpy(float)
    assert (lower >= 30.0 - 1e-6).all()

    # Back to SI: the forms show the stored figures again.
    with qtbot.waitSignal(page.study_loaded, timeout=TIMEOUT_MS):
        page.set_display_units(DisplayUnits("SI"))
    back, _ = page.edited_study()
    assert _variable(back, "cement")["unit"] == "kg/m³"
    assert _variable(back, "cement")["lower"] == pytest.approx(
        _variable(metric, "cement")["lower"], rel=1e-9)
    assert back["constraints"][0]["min"] == pytest.approx(30.0, rel=1e-9)
    assert back["constraints"][1]["min"] == pytest.approx(3000.0 / PSI_PER_MPA, rel=1e-6)


def test_a_us_plant_reads_its_drafted_study_at_three_significant_figures(
        qtbot, trained_demo: TrainedDemo, tmp_path: Path) -> None:
    """A plant project (not the demo) gets a draft drawn from its data; in lb/yd³ its limits
    read as an engineer writes them (rounded outwards, as ``formix optimize --out`` writes
    them), not as 224.178806428935."""
    from engine.storage import ProjectStore

    plant = copy_project(Path(trained_demo.location), tmp_path, "plant.formix")
    with ProjectStore.open(plant) as store:
        store.set_setting("demo_project", None)
    metric = _variable(services.default_study(plant), "cement")

    page = OptimisePage()
    qtbot.addWidget(page)
    page.set_display_units(DisplayUnits("US"))
    with qtbot.waitSignal(page.study_loaded, timeout=TIMEOUT_MS):
        page.set_project(plant)
    shown, problems = page.edited_study()
    assert problems == []
    assert shown["name"].startswith("Draft:")
    cement = _variable(shown, "cement")
    assert cement["unit"] == "lb/yd³"
    lower, upper = (metric[key] * LB_YD3_PER_KG_M3 for key in ("lower", "upper"))
    assert cement["lower"] <= lower < cement["lower"] * 1.01
    assert cement["upper"] >= upper > cement["upper"] * 0.99
    assert all(float(f"{cement[key]:.3g}") == cement[key] for key in ("lower", "upper"))
    page.grab().save(str(tmp_path / "optimise_us_draft.png"))
