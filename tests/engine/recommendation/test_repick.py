"""Picking recommendations again: the same recipe keeps its id, an infeasible run says why,
and a ``formix optimize --out`` folder is re-picked in the units its project showed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine import optimisation_services, services
from engine.demo.generator import demo_study_path
from tests.engine.recommendation.helpers import optimise_cli


@pytest.fixture
def project(tmp_path: Path, trained_demo: Path) -> Path:
    """A copy of the trained demo project that a test may change."""
    copy = tmp_path / "demo.formix"
    shutil.copy(trained_demo, copy)
    return copy


def test_recommending_again_reuses_the_stored_ids(project: Path) -> None:
    run = optimisation_services.optimise(project, seed=3, population=30, generations=8)
    first = optimisation_services.recommend(project, run, 3)
    stored = len(optimisation_services.saved_recommendations(project))

    again = optimisation_services.recommend(project, None, 3)  # the stored run, reloaded
    twice = optimisation_services.recommend(project, run.run_id, 3)

    assert [r.id for r in again] == [r.id for r in first] == [r.id for r in twice]
    assert [r.row for r in again] == [r.row for r in first]
    assert len(optimisation_services.saved_recommendations(project)) == stored == 3

    more = optimisation_services.recommend(project, run.run_id, 5)
    ids = {r.row: r.id for r in first}
    new = [r for r in more if r.row not in ids]
    assert all(r.id == ids[r.row] for r in more if r.row in ids)
    assert len({r.id for r in new} & set(ids.values())) == 0
    assert len(optimisation_services.saved_recommendations(project)) == stored + len(new)


def _impossible_study(tmp_path: Path) -> Path:
    """The demo study with a strength limit no concrete reaches (500 MPa)."""
    text = demo_study_path().read_text(encoding="utf-8")
    assert "min = 25.0" in text
    study = tmp_path / "impossible.toml"
    study.write_text(text.replace("min = 25.0", "min = 500.0"), encoding="utf-8")
    return study


def test_an_infeasible_run_reports_its_violation_and_recommend_says_why(
        tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "infeasible"
    assert optimise_cli("optimize", str(_impossible_study(tmp_path)), "--project", str(project),
                        "--population", "20", "--generations", "3", "--out", str(out)) == 1
    printed = capsys.readouterr().out
    assert "no recipe satisfies every constraint" in printed
    assert "max constraint violation" not in printed
    assert "no feasible recipe (the closest one violates a constraint by" in printed
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["n_recipes"] == 0 and summary["max_constraint_violation"] > 0.5

    assert optimise_cli("recommend", "--project", str(project)) == 1
    said = capsys.readouterr()
    assert said.out == ""
    assert f"nothing to recommend from run {summary['run_id']}" in said.err
    assert "no recipe satisfies every constraint" in said.err and "Relax" in said.err
    assert "useful strength" in said.err  # the constraint to relax

    assert optimise_cli("recommend", str(out), "--json") == 1
    said = capsys.readouterr()
    assert json.loads(said.out) == []
    assert f"nothing to recommend from the run in {out}" in said.err


def test_a_folder_is_picked_again_in_its_projects_us_units_with_its_ids(
        tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    services.set_display_units(project, "US")
    out = tmp_path / "run"
    assert optimise_cli("optimize", "--project", str(project), "--population", "30",
                        "--generations", "8", "--seed", "2", "-k", "2", "--out", str(out)) == 0
    capsys.readouterr()
    proposed = json.loads((out / "recommendations.json").read_text(encoding="utf-8"))

    assert optimise_cli("recommend", str(out), "-k", "2", "--json") == 0
    again = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in again] == [r["id"] for r in proposed]
    for old, new in zip(proposed, again, strict=True):
        assert new["cost_unit"] == old["cost_unit"] == "USD/yd³"
        assert new["cost"] == pytest.approx(old["cost"])
        for was, now in zip(old["properties"], new["properties"], strict=True):
            assert now["unit"] == was["unit"] == "psi"
            assert now["mean"] == pytest.approx(was["mean"])
        # explained with the project the folder records: the same drivers and material names
        assert new["drivers"] == old["drivers"] and any(new["drivers"].values())
        assert [c["label"] for c in new["changes"]] == [c["label"] for c in old["changes"]]


def test_a_folder_whose_project_is_gone_says_once_that_drivers_need_it(
        tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert optimise_cli("optimize", "--project", str(project), "--population", "20",
                        "--generations", "4", "-k", "2", "--out", str(out)) == 0
    moved = project.rename(tmp_path / "moved.formix")
    ages = [line.split() for line in capsys.readouterr().out.splitlines() if "test age" in line]
    assert ages == [["test", "age", "28", "d"]] * 2  # a whole fixed age, as recommend shows it

    assert optimise_cli("recommend", str(out), "-k", "2") == 0
    said = capsys.readouterr()
    assert said.err.count("--project P") == 1 and "is not there" in said.err
    assert "#2" in said.out and "why " not in said.out  # recipes and predictions, no drivers
    assert said.out.count("test age               28 d") == 2
    assert optimise_cli("recommend", str(out), "-k", "2", "--project", str(moved)) == 0
    said = capsys.readouterr()
    assert said.err == "" and said.out.count("why compressive strength") == 2


def test_a_folder_that_names_no_units_says_the_figures_are_si(
        tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert optimise_cli("optimize", "--project", str(project), "--population", "20",
                        "--generations", "4", "-k", "1", "--out", str(out)) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    del summary["unit_system"]  # a folder written before the unit system was saved
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    (out / "recommendations.json").unlink()
    capsys.readouterr()

    assert optimise_cli("recommend", str(out), "-k", "1") == 0
    said = capsys.readouterr()
    assert "figures are in SI units" in said.err
    assert " MPa " in said.out
