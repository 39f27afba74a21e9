"""``formix optimize --project``, ``formix recommend --project`` and ``formix trials``."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from engine.errors import FormixError
from tests.engine.recommendation.helpers import optimise_cli

PSI_IN_MPA = 0.45359237 * 9.80665 / 0.0254**2 / 1e6
LB_YD3_IN_KG_M3 = 0.45359237 / 0.9144**3


@pytest.fixture
def project(tmp_path: Path, trained_demo: Path) -> Path:
    """A copy of the trained demo project that a test may change."""
    copy = tmp_path / "demo.formix"
    shutil.copy(trained_demo, copy)
    return copy


def test_optimize_recommend_and_trials_on_the_demo_project(
        tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert optimise_cli("optimize", "--project", str(project), "--population", "30",
                        "--generations", "10", "--seed", "2", "--json", "--out", str(out)) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("n_evaluations", "wall_s", "hypervolume", "max_constraint_violation",
                "recommendations", "run_id", "baseline"):
        assert key in summary
    assert summary["n_evaluations"] == 30 * 10 + 30  # first generation: 60 past recipes
    assert summary["max_constraint_violation"] <= 1e-9
    recs = summary["recommendations"]
    assert len(recs) == 3 and recs[0]["id"] is not None
    assert recs[0]["drivers"]["compressive_strength"]
    assert {p.name for p in out.iterdir()} >= {"pareto.csv", "summary.json", "study.toml",
                                                "recommendations.json", "recommendations.csv",
                                                "recommendations.html"}
    assert len(pd.read_csv(out / "recommendations.csv")) == 3

    assert optimise_cli("recommend", "--project", str(project), "-k", "2", "--out",
                        str(tmp_path / "again.html")) == 0
    assert "why compressive strength" in capsys.readouterr().out
    assert (tmp_path / "again.html").is_file()

    # B00001 was not made to the recommendation: recorded with --force, and warned about
    assert optimise_cli("trials", "record", "--project", str(project), "--recommendation",
                        str(recs[0]["id"]), "--batch", "B00001", "--force") == 0
    recorded = capsys.readouterr().out
    assert "recorded 1 trial" in recorded
    assert f"warning: batch B00001 (weighed amounts) differs from recommendation {recs[0]['id']}" \
        in recorded
    assert optimise_cli("trials", "list", "--project", str(project), "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["n_trials"] == 1 and listed["n_measured"] == 1
    assert listed["trials"][0]["batch_id"] == "B00001"
    assert optimise_cli("trials", "list", "--project", str(project)) == 0
    assert "inside the predicted interval" in capsys.readouterr().out

    from engine import services

    services.set_display_units(project, "US")  # a US plant reads its trials in psi
    assert optimise_cli("trials", "list", "--project", str(project), "--json") == 0
    in_us = json.loads(capsys.readouterr().out)
    metric, us = listed["trials"][0], in_us["trials"][0]
    assert (metric["unit"], us["unit"]) == ("MPa", "psi")
    for figure in ("predicted", "lower", "upper", "measured", "error"):
        assert us[figure] == pytest.approx(metric[figure] / PSI_IN_MPA, rel=1e-9)
    assert (us["inside"], in_us["hit_rate"]) == (metric["inside"], listed["hit_rate"])


def test_optimize_without_a_study_writes_the_draft_first(trained_demo: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    """A plant project (not the demo) and no study file: the draft is written to --out before
    the run, so it can be edited even when the run stops for missing prices."""
    from engine import services
    from engine.optimisation.study import StudySpec
    from engine.storage import ProjectStore

    project = tmp_path / "plant.formix"
    shutil.copy(trained_demo, project)
    with ProjectStore.open(project) as store:
        store.set_setting("demo_project", None)
    out = tmp_path / "run"
    assert optimise_cli("optimize", "--project", str(project), "--population", "10",
                        "--generations", "2", "--json", "--out", str(out)) == 0
    study = (out / "study.toml").read_text(encoding="utf-8")
    assert study.startswith('name = "Draft: compressive strength')  # readable names …
    assert 'name = "useful compressive strength: lower bound' in study
    assert 'target = "compressive_strength"' in study  # … over unchanged codes
    shutil.copy(out / "study.toml", tmp_path / "metric.toml")
    assert json.loads(capsys.readouterr().out)["n_evaluations"] > 0

    services.set_display_units(project, "US")  # a US plant's draft is in lb/yd³ and psi
    assert optimise_cli("optimize", "--project", str(project), "--population", "10",
                        "--generations", "2", "--seed", "4", "--out", str(out)) == 0
    us_study = StudySpec.from_toml(out / "study.toml")
    metric_study = StudySpec.from_toml(tmp_path / "metric.toml")
    cement, metric_cement = us_study.variable("cement"), metric_study.variable("cement")
    assert (cement.unit, metric_cement.unit) == ("lb/yd³", "kg/m³")
    # the limits drawn from the data read as an engineer writes them, rounded outwards
    in_lb = metric_cement.lower / LB_YD3_IN_KG_M3, metric_cement.upper / LB_YD3_IN_KG_M3
    assert cement.lower <= in_lb[0] < cement.lower * 1.01
    assert cement.upper >= in_lb[1] > cement.upper * 0.99
    assert all(float(f"{value:.3g}") == value for value in (cement.lower, cement.upper))
    assert {c.unit for c in us_study.constraints if c.kind == "target"} == {"psi"}
    capsys.readouterr()

    with sqlite3.connect(project) as connection:  # a catalogue without prices
        connection.execute("UPDATE materials SET price_per_unit = NULL")
    connection.close()
    (out / "study.toml").unlink()
    with pytest.raises(FormixError, match=r"no price for material\(s\) blast_furnace_slag") as \
            missing:
        optimise_cli("optimize", "--project", str(project), "--out", str(out))
    assert (out / "study.toml").is_file()

    # the message says how to add prices; doing so lets the same command run
    assert "--kind materials" in str(missing.value)
    from engine.cli import main

    prices = tmp_path / "prices.csv"
    prices.write_text("material,price_per_unit,unit,currency,co2_per_unit\n" + "".join(
        f"{name},0.05,lb,USD,0.4\n" for name in (
            "cement", "blast_furnace_slag", "fly_ash", "water", "superplasticizer",
            "coarse_aggregate", "fine_aggregate")), encoding="utf-8")
    assert main(["import", str(project), str(prices), "--kind", "materials"]) == 0
    assert optimise_cli("optimize", "--project", str(project), "--population", "10",
                        "--generations", "2", "--out", str(out)) == 0


def test_an_explore_run_saved_to_a_folder_proposes_the_same_trials_again(
        tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "explore"
    assert optimise_cli("optimize", "--project", str(project), "--explore", "--population", "40",
                        "--generations", "20", "--seed", "3", "-k", "4", "--json", "--out",
                str(out)) == 0
    proposed = json.loads(capsys.readouterr().out)["recommendations"]
    assert optimise_cli("recommend", str(out), "-k", "4", "--json") == 0
    again = json.loads(capsys.readouterr().out)
    assert [r["kind"] for r in again] == ["exploration"] * 4
    assert [r["row"] for r in again] == [r["row"] for r in proposed]
    assert [r["score"] for r in again] == pytest.approx([r["score"] for r in proposed])
    assert again[0]["properties"][0]["unit"] == "MPa"  # the folder keeps the model's units
