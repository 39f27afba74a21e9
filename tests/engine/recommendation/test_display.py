"""Recommendations shown in US customary units: every figure converted, nothing stored changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import services
from engine.display_units import DisplayUnits
from engine.recommendation.display import in_display_units, shown_recommendations
from engine.recommendation.explain import ExplainedRecommendation
from engine.recommendation.report import export_recommendations

US = DisplayUnits("US")
M3_PER_YD3 = 0.9144 ** 3
PCY_PER_KG_M3 = M3_PER_YD3 / 0.45359237
PSI_PER_MPA = 1e6 / (0.45359237 * 9.80665 / 0.0254 ** 2)


def test_a_recommendation_in_us_units(demo_recommendations: Any) -> None:
    for rec in demo_recommendations:
        shown = in_display_units(rec, US)
        assert shown.unit_system == "US" and rec.unit_system == "SI"
        cement, shown_cement = (next(c for c in r.changes if c.name == "cement")
                                for r in (rec, shown))
        assert shown_cement.unit == "lb/yd³"
        assert shown_cement.value == pytest.approx(cement.value * PCY_PER_KG_M3)
        assert shown_cement.delta == pytest.approx(cement.delta * PCY_PER_KG_M3)
        (strength,), (shown_strength,) = rec.properties, shown.properties
        assert shown_strength.unit == "psi"
        for key in ("mean", "lower", "upper", "baseline_mean"):
            assert getattr(shown_strength, key) == pytest.approx(
                getattr(strength, key) * PSI_PER_MPA)
        assert shown.cost == pytest.approx(rec.cost * M3_PER_YD3)
        assert shown.cost_delta == pytest.approx(rec.cost_delta * M3_PER_YD3)
        assert shown.co2 == pytest.approx(rec.co2 * PCY_PER_KG_M3)
        assert (rec.cost_unit, shown.cost_unit) == ("USD/m³", "USD/yd³")
        assert (rec.co2_unit, shown.co2_unit) == ("kg CO₂e/m³", "lb CO₂e/yd³")
        for before, after in zip(rec.attributions, shown.attributions, strict=True):
            assert after.unit == "psi"
            assert after.predicted_change == pytest.approx(before.predicted_change * PSI_PER_MPA)
            assert after.total == pytest.approx(sum(d.effect for d in after.drivers) + after.other)
            for driver in after.drivers:
                assert driver.text.endswith("psi")
                assert "MPa" not in driver.text and "kg/m³" not in driver.text
        text = shown.text()
        assert "lb/yd³" in text and "psi" in text and "USD/yd³" in text
        assert "kg/m³" not in text and "MPa" not in text
        assert in_display_units(shown, US) is shown  # converting twice changes nothing


def test_a_stored_recommendation_rebuilds_and_converts(demo_recommendations: Any) -> None:
    rec = demo_recommendations[0]
    rebuilt = ExplainedRecommendation.from_dict(rec.to_dict())
    assert rebuilt.to_dict() == rec.to_dict()
    old = rec.to_dict()
    for key in ("basis", "cost_unit", "co2_unit", "unit_system"):
        old.pop(key)  # saved before display units existed
    (shown,) = shown_recommendations([old], US)
    assert shown.cost_unit == "USD/yd³"
    assert shown.cost == pytest.approx(rec.cost * M3_PER_YD3)


def test_the_report_and_csv_of_a_us_plant(demo_recommendations: Any, tmp_path: Path) -> None:
    shown = shown_recommendations(demo_recommendations, US)
    html = export_recommendations(shown, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "lb/yd³" in html and "psi" in html and "USD/yd³" in html and "lb CO₂e/yd³" in html
    assert "kg/m³" not in html and "MPa" not in html
    csv = export_recommendations(shown, tmp_path / "r.csv").read_text(encoding="utf-8")
    header = csv.splitlines()[0]
    assert "cement [lb/yd³]" in header and "cost [USD/yd³]" in header


def test_the_cli_prints_recommendations_in_the_project_s_units(run_project: Path,
                                                               tmp_path: Path,
                                                               demo_run: Any,
                                                               capsys: Any) -> None:
    import shutil

    from engine.cli import main

    project = tmp_path / "us.formix"
    shutil.copy(run_project, project)
    assert main(["units", str(project), "us"]) == 0
    assert "US customary" in capsys.readouterr().out
    assert main(["recommend", "--project", str(project), "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert "lb/yd³" in out and "psi" in out and "USD/yd³" in out
    assert services.display_units(project).system == "US"


def test_a_binding_relation_between_strengths_shows_in_ksi(demo_recommendations: Any,
                                                           tmp_path: Path) -> None:
    import dataclasses

    from engine.recommendation.explain import BindingConstraint

    relation = BindingConstraint("yield below tensile", "relation", 1900.0, 1900.5, "max", "MPa")
    rec = dataclasses.replace(demo_recommendations[0], binding=(relation,))
    (shown,) = shown_recommendations([rec], US)
    (binding,) = shown.binding
    assert binding.unit == "ksi"
    assert binding.value == pytest.approx(1900.0 / 6.894757, rel=1e-6)
    assert "binding: yield below tensile max: 276 (limit 276 ksi)" in shown.text()
    html = export_recommendations([shown], tmp_path / "r.html").read_text(encoding="utf-8")
    assert "yield below tensile only just holds: predicted 276 ksi against at most 276 ksi" \
        in html
