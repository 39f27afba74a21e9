"""Exports: CSV, JSON and a self-contained HTML report, written atomically."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine import optimisation_services
from engine.errors import FormixError
from engine.recommendation.explain import _fmt, money_text


def test_html_report_is_self_contained_and_shows_every_recipe(
        tmp_path: Path, demo_run: Any, demo_recommendations: Any) -> None:
    path = optimisation_services.export_recommendations(demo_recommendations,
                                                        tmp_path / "report.html", run=demo_run)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "<script" not in text and "http" not in text.split("<body>", 1)[1]
    for rec in demo_recommendations:
        assert f"<h2>Recipe {rec.rank}: " in text and f"Recommendation id {rec.id}:" in text
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
    assert {"cement [kg/m³]", "cement_delta [kg/m³]", "compressive_strength_mean [MPa]",
            "cost [USD/m³]", "co2_delta [kg CO₂e/m³]", "compressive_strength_drivers",
            "binding", "domain"} <= set(frame.columns)
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


class _Tables(HTMLParser):
    """The text of every table cell, row by row, and every heading."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.headings: list[str] = []
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("h1", "h2", "h3"):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._heading):
            if part is not None:
                part.append(data)


def _row(rows: list[list[str]], first: str) -> list[str]:
    return next(row for row in rows if row and row[0] == first)


def test_html_report_reads_well_for_a_plant_engineer(
        tmp_path: Path, demo_run: Any, demo_recommendations: Any) -> None:
    """What a reader checks: units per m³, cost against the current recipe in the right
    columns, plain words instead of internal names, readable run figures, nothing external."""
    path = optimisation_services.export_recommendations(demo_recommendations,
                                                        tmp_path / "report.html", run=demo_run)
    text = path.read_text(encoding="utf-8")
    page = _Tables()
    page.feed(text)
    first = demo_recommendations[0]
    currency = first.currency

    # the study's aim and how to read the figures come first
    assert demo_run.spec.description and html.escape(demo_run.spec.description) in text
    assert "How to read this report" in text and "90% interval" in text
    assert "about 9 batches out of 10" in text
    # self-contained: no scripts, links, external fonts or images (the plant may be offline)
    for forbidden in ("<script", "<link", "src=", "url(", "@import", "http://", "https://"):
        assert forbidden not in text, forbidden

    # summary: the current recipe and every recommendation side by side, units per m³
    header = next(row for row in page.rows if row and row[0] == "recipe")
    assert f"cost [{currency}/m³]" in header and "CO₂ [kg CO₂e/m³]" in header
    current = _row(page.rows, "Current recipe")
    assert first.baseline_name in current
    for rec in demo_recommendations:
        assert _row(page.rows, f"Recipe {rec.rank}")[1]  # "picked as" in words

    # each card: cost and CO₂ with the current recipe's value, the change in its own column,
    # the unit per m³ — not the change under the interval heading
    predicted_header = ["", "current recipe", "this recipe", "change", "90% interval", "unit"]
    assert predicted_header in page.rows
    cost_rows = [row for row in page.rows if row and row[0] == "cost"]
    assert len(cost_rows) == len(demo_recommendations)
    for rec, row in zip(demo_recommendations, cost_rows, strict=True):
        assert row[1] == money_text(rec.cost - rec.cost_delta)  # costs to the cent
        assert row[2] == money_text(rec.cost)
        assert row[3].lstrip("+−") == money_text(abs(rec.cost_delta))
        assert row[4] == "from prices" and row[5] == f"{currency}/m³"
    # a recipe's amounts against the current recipe, one number format per column, each
    # material under its catalogue name
    cement = _row(page.rows, "Portland cement (CEM I / ASTM C150 Type I)")
    assert cement[2] == _fmt(float(first.recipe["cement"]))

    # plain words: no internal reason codes or run keys
    headings = " | ".join(page.headings)
    assert "knee" not in headings and "best compressive_strength_lower" not in text
    assert "About this run" in headings
    for raw in ("n_evaluations", "wall_s", "n_generations", "max_constraint_violation",
                "cancelled: False"):
        assert raw not in text, raw
    evaluations = f"{demo_run.result.n_evaluations:,} recipes evaluated"
    assert evaluations in text
    goals = _row(page.rows, "goals")[1]
    assert goals.startswith("maximise compressive strength (lower bound)")
    assert "minimise cost" in goals
    # changes are coloured by the goal's direction: lower cost is green
    for rec in demo_recommendations:
        if rec.cost_delta is not None and rec.cost_delta < 0:
            assert re.search(r'<span class="good">−' + re.escape(money_text(abs(rec.cost_delta))),
                             text)


def test_html_report_without_recipes_or_run_says_what_to_do() -> None:
    from engine.recommendation.report import html_report

    text = html_report([], title="Nothing feasible")
    assert "No recipe satisfies every limit of the study" in text
    assert "Loosen a limit" in text and "About this run" not in text
