"""Exports: CSV, JSON and a self-contained HTML report, written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine import optimisation_services
from engine.errors import FormixError
from engine.recommendation.explain import _fmt


def test_html_report_is_self_contained_and_shows_every_recipe(
        tmp_path: Path, demo_run: Any, demo_recommendations: Any) -> None:
    path = optimisation_services.export_recommendations(demo_recommendations,
                                                        tmp_path / "report.html", run=demo_run)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "<script" not in text and "http" not in text.split("<body>", 1)[1]
    for rec in demo_recommendations:
        assert f"Recipe {rec.rank} · id {rec.id}" in text
        assert f"<b>{_fmt(rec.recipe['cement'])}</b>" in text
        for driver in rec.attributions[0].drivers:
            assert driver.text.replace("→", "→") in text
    assert demo_run.spec.name in text
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_csv_and_json_exports(tmp_path: Path, demo_recommendations: Any) -> None:
    csv = optimisation_services.export_recommendations(demo_recommendations,
                                                       tmp_path / "recs.csv")
    frame = pd.read_csv(csv)
    assert len(frame) == 3
    assert {"cement", "cement_delta", "compressive_strength_mean", "cost", "co2_delta",
            "compressive_strength_drivers", "binding", "domain"} <= set(frame.columns)
    assert frame["id"].tolist() == [r.id for r in demo_recommendations]
    data = json.loads(optimisation_services.export_recommendations(
        demo_recommendations, tmp_path / "recs.json").read_text(encoding="utf-8"))
    first = data["recommendations"][0]
    assert first["recipe"]["cement"] == pytest.approx(demo_recommendations[0].recipe["cement"])
    assert first["drivers"]["compressive_strength"]
    excel = pd.read_excel(optimisation_services.export_recommendations(
        demo_recommendations, tmp_path / "recs.xlsx"))
    assert excel["id"].tolist() == frame["id"].tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recs.csv", "recs.json", "recs.xlsx"]
    with pytest.raises(FormixError, match="export recommendations as"):
        optimisation_services.export_recommendations(demo_recommendations, tmp_path / "x.txt")
