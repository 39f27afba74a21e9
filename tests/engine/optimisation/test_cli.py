"""``formix optimize``: JSON summary, output files, and no models without the hidden fake."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.cli import optimise_commands
from engine.errors import FormixError
from engine.optimisation.examples import example_path
from engine.optimisation.study import StudySpec
from tests.engine.optimisation.fakes import independent_violations


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="formix")
    optimise_commands.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return int(args.handler(args))


def test_json_summary_with_recommendations(capsys: pytest.CaptureFixture[str]) -> None:
    code = _run("optimize", str(example_path("concrete_study.toml")), "--fake-predictor",
                "analytic", "--population", "30", "--generations", "10", "--seed", "3",
                "--json")
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("n_evaluations", "wall_s", "hypervolume", "max_constraint_violation",
                "recommendations", "seed", "baseline"):
        assert key in summary
    assert summary["n_evaluations"] == 300 and summary["seed"] == 3
    assert summary["max_constraint_violation"] <= 1e-9
    assert len(summary["recommendations"]) == 3
    assert summary["recommendations"][0]["rank"] == 1


def test_out_dir_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _run("optimise", str(example_path("alloy_study.toml")), "--fake-predictor",
                "analytic", "--generations", "5", "--population", "20", "--out",
                str(tmp_path), "-k", "2")
    assert code == 0
    assert "recipes on the Pareto front" in capsys.readouterr().out
    pareto = pd.read_csv(tmp_path / "pareto.csv")
    assert (tmp_path / "study.toml").read_bytes() == example_path("alloy_study.toml").read_bytes()
    spec = StudySpec.from_toml(tmp_path / optimise_commands.PARETO_STUDY)  # as run
    assert spec.algorithm.generations == 5
    assert independent_violations(spec, pareto) == []
    assert len(json.loads((tmp_path / "recommendations.json").read_text())) == 2
    assert json.loads((tmp_path / "summary.json").read_text())["n_recipes"] == len(pareto)


def test_a_missing_project_or_no_project_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FormixError, match="no such project file"):
        _run("optimize", str(example_path("concrete_study.toml")), "--project",
             str(tmp_path / "plant.formix"))
    with pytest.raises(FormixError, match=r"model outputs.*--project"):
        _run("optimize", str(example_path("concrete_study.toml")))


def _oxides(spec: StudySpec, amounts: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    """Σ weight × oxide over the blend: oxide % of each material times its amount."""
    return sum(w * amounts[n] * spec.materials[n].content[oxide]
               for oxide, w in weights.items() for n in amounts)


def _least_cost(spec: StudySpec) -> float:
    """The exact minimum cost of the study's linear constraints (an LP, solved by HiGHS)."""
    from scipy.optimize import linprog

    names = [v.name for v in spec.variables]
    price = np.array([spec.materials[n].price for n in names])
    rows = []
    unit_blends = pd.DataFrame(np.eye(len(names)), columns=names)  # 1 kg of each material
    for ratio in spec.ratio:
        num, den = (_oxides(spec, unit_blends, w).to_numpy()
                    for w in (ratio.numerator, ratio.denominator))
        rows += [ratio.min * den - num] if ratio.min is not None else []
        rows += [num - ratio.max * den] if ratio.max is not None else []
    (mixture,) = spec.mixture
    solved = linprog(price, A_ub=rows, b_ub=np.zeros(len(rows)),
                     A_eq=[[1.0] * len(names)], b_eq=[mixture.total],
                     bounds=[(v.lower, v.upper) for v in spec.variables])
    assert solved.success
    return float(solved.fun)


def test_a_raw_meal_on_cost_and_co2_runs_without_a_project(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _run("optimize", str(example_path("raw_meal_study.toml")), "--population", "40",
                "--generations", "60", "--seed", "2", "--out", str(tmp_path))
    assert code == 0
    printed = capsys.readouterr().out
    assert "cheapest" in printed and "domain" not in printed  # no models, no data domain
    assert "vs baseline" in printed  # compared with the current blend
    costs = re.findall(r"→ cost: (\d+\.\d\d) USD \(([−+]\d+\.\d\d) vs baseline\)", printed)
    assert len(costs) == 3  # to the cent: blends 0.03 USD/t apart read apart
    report = (tmp_path / "recommendations.html").read_text(encoding="utf-8")
    assert "current blend" in report and "Predicted" not in report and "domain" not in report
    assert "domain" not in pd.read_csv(tmp_path / "recommendations.csv").columns
    spec = StudySpec.from_toml(tmp_path / "study.toml")
    pareto = pd.read_csv(tmp_path / "pareto.csv")
    assert len(pareto) > 1 and independent_violations(spec, pareto) == []
    least = _least_cost(spec)
    assert least <= pareto["cost"].min() <= least * 1.001
    assert pareto["co2"].max() > pareto["co2"].min()  # a trade-off, not one recipe
    amounts = pareto[[v.name for v in spec.variables]]
    for ratio in spec.ratio:  # each modulus is a column, within its limits
        value = _oxides(spec, amounts, ratio.numerator) / \
            _oxides(spec, amounts, ratio.denominator)
        assert np.allclose(pareto[ratio.name], value, rtol=1e-9, atol=0)
        assert value.between((ratio.min or 0.0) * (1 - 1e-9), ratio.max * (1 + 1e-9)).all()


def test_fake_predictor_option_is_hidden(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _run("optimize", "--help")
    assert "fake-predictor" not in capsys.readouterr().out


def test_recommend_again_from_a_saved_run(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("optimize", str(example_path("concrete_study.toml")), "--fake-predictor",
                "analytic", "--generations", "8", "--population", "30", "--out",
                str(tmp_path), "--json") == 0
    first = json.loads(capsys.readouterr().out)["recommendations"]
    assert _run("recommend", str(tmp_path), "-k", "3", "--json") == 0
    again = json.loads(capsys.readouterr().out)
    assert [r["row"] for r in again] == [r["row"] for r in first]
    for explained, original in zip(again, first, strict=True):  # the same explanations
        for key in ("changes", "properties", "objective_deltas", "cost_delta", "binding"):
            assert explained[key] == original[key], key
    assert any(c["delta"] for c in again[0]["changes"])

    assert _run("recommend", str(tmp_path), "-k", "2", "--out",
                str(tmp_path / "again.html")) == 0
    printed = capsys.readouterr().out
    assert printed.count("→ cost: ") == 2 and printed.count(" vs baseline)") >= 4
    report = (tmp_path / "again.html").read_text(encoding="utf-8")
    assert report.count('<section class="card">') == 2

    (tmp_path / "baseline.csv").unlink()  # a folder saved before baseline.csv: no baseline
    assert _run("recommend", str(tmp_path), "-k", "3", "--json") == 0
    old = json.loads(capsys.readouterr().out)
    assert [r["row"] for r in old] == [r["row"] for r in first]
    assert old[0]["objective_deltas"] == first[0]["objective_deltas"]
    assert all(c["baseline"] is None for c in old[0]["changes"])
    with pytest.raises(FormixError, match="not a saved run"):
        _run("recommend", str(tmp_path / "missing"))


def test_models_that_cannot_read_a_cost_only_study_point_to_running_it_without_them() -> None:
    from engine.optimisation.analytic import ConcreteAnalyticPredictor
    from engine.optimisation.predictor import PredictorError
    from engine.optimisation.run import optimise

    spec = StudySpec.from_toml(example_path("raw_meal_study.toml"))
    with pytest.raises(PredictorError, match=r"need input.*without a project"):
        optimise(spec, ConcreteAnalyticPredictor(), seed=0)
