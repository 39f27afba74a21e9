"""The Optimise page: the study forms read and write the study dict, a run reports progress
and can be cancelled, and a project without a model gets a readable error."""

from __future__ import annotations

import copy
import inspect
from pathlib import Path
from typing import Any

import pytest

from desktop.pages.optimise_page import OptimisePage
from desktop.widgets.study_editor import StudyEditor
from engine import services
from tests.desktop.conftest import TrainedDemo, copy_project, needs_services

pytestmark = pytest.mark.gui

TIMEOUT_MS = 60_000

STUDY = {
    "name": "C30/37",
    "currency": "EUR",
    "variables": [
        {"name": "cement", "type": "continuous", "lower": 200.0, "upper": 450.0,
         "unit": "kg/m³", "resolution": 1.0, "material": True},
        {"name": "water", "type": "continuous", "lower": 140.0, "upper": 200.0,
         "unit": "kg/m³", "material": True, "description": "tap water"},
        {"name": "test_age_days", "type": "fixed", "value": 28.0, "unit": "d"},
    ],
    "mixture": [{"name": "m³", "basis": "volume", "components": ["cement", "water"],
                 "total": 1.0, "air": 0.02, "densities": {"cement": 3150.0, "water": 1000.0}}],
    "ratio": [{"name": "w/b", "numerator": {"water": 1.0}, "denominator": {"cement": 1.0},
               "max": 0.5}],
    "objectives": [{"target": "compressive_strength", "statistic": "lower",
                    "sense": "maximize"}, {"kind": "cost"}],
    "constraints": [{"name": "class", "target": "compressive_strength", "statistic": "lower",
                     "min": 38.0}],
    "domain": {"mode": "edge"},
    "algorithm": {"population": 50, "generations": 30, "seed": 7},
    "baseline": {"name": "production", "values": {"cement": 340.0, "water": 175.0}},
    "seeds": [{"name": "trial", "values": {"cement": 300.0, "water": 170.0}}],
    "materials": {"cement": {"price": 0.12, "co2": 0.83, "content": {"Na2O_eq": 0.6}},
                  "water": {"price": 0.002, "content": {"Na2O_eq": 0.0}}},
}


def test_the_study_forms_give_back_the_study(qtbot) -> None:
    editor = StudyEditor()
    qtbot.addWidget(editor)
    editor.set_targets(["compressive_strength"])
    editor.set_study(copy.deepcopy(STUDY))
    study, problems = editor.study()
    assert problems == []
    expected = copy.deepcopy(STUDY)
    for item in expected["objectives"] + expected["constraints"]:  # drop-down defaults
        item.setdefault("kind", "target")
        item.setdefault("statistic", "mean")
    assert study == expected


def test_edits_reach_the_study_and_bad_numbers_are_named(qtbot) -> None:
    editor = StudyEditor()
    qtbot.addWidget(editor)
    editor.set_study(copy.deepcopy(STUDY))
    editor.variables.set_cell(0, "upper", 420.0)
    editor.variables.set_cell(1, "price", 0.003)
    editor.risk_combo.setCurrentIndex(editor.risk_combo.findData(0.95))
    editor.domain_combo.setCurrentIndex(editor.domain_combo.findData("explore"))
    editor.seed_spin.setValue(-1)  # "random"
    study, problems = editor.study()
    assert problems == []
    assert study["variables"][0]["upper"] == 420.0
    assert study["materials"]["water"] == {"price": 0.003, "content": {"Na2O_eq": 0.0}}
    assert study["objectives"][0]["coverage"] == 0.95  # statistic lower: the risk level
    assert "coverage" not in study["objectives"][1]  # cost has no interval
    assert study["constraints"][0]["coverage"] == 0.95
    assert study["domain"] == {"mode": "explore"}
    assert "seed" not in study["algorithm"]
    editor.variables.table.item(0, 2).setText("two hundred")
    _study, problems = editor.study()
    assert problems == ["Variables, row 1, Lower: 'two hundred' is not a number"]


@needs_services("optimise")
def test_a_project_without_a_model_gets_a_readable_error(qtbot, demo_copy: str) -> None:
    page = OptimisePage()
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.study_loaded, timeout=TIMEOUT_MS):
        page.set_project(demo_copy)
    task = page.run()
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS):
        pass
    text = page.message.text()
    assert "train a model first" in text and "Traceback" not in text
    assert page.message.label.text().startswith("<span style='color:")  # shown as an error
    assert page.result is None and not page.recommend_button.isEnabled()
    assert page.run_button.isEnabled()


@needs_services("optimise")
def test_a_raw_meal_needs_no_model_in_the_project(qtbot, demo_copy: str, tmp_path: Path) -> None:
    from engine.optimisation.examples import example_path

    page = OptimisePage()
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.study_loaded, timeout=TIMEOUT_MS):
        page.set_project(demo_copy)  # no model trained
    with qtbot.waitSignal(page.study_loaded, timeout=TIMEOUT_MS):
        page.open_study(example_path("raw_meal_study.toml"))
    page.editor.generations_spin.setValue(40)
    task = page.run()
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS):
        pass
    assert page.result is not None and len(page.result.pareto) > 1, page.message.text()
    assert "lime saturation factor" in page.result.pareto
    assert page.recommend_button.isEnabled()
    page.grab().save(str(tmp_path / "raw_meal_optimise.png"))


def test_a_recipe_without_predictions_shows_no_prediction_sections(qtbot) -> None:
    from desktop.widgets.recommendation_card import RecommendationCard

    card = RecommendationCard()
    qtbot.addWidget(card)
    card.show()
    blend = {"rank": 1, "reasons": ["cheapest"], "properties": [], "attributions": [],
             "binding": [], "changes": [], "cost": 10.9, "domain_label": "n/a"}
    card.show_recommendation(blend)  # a raw meal: cost, CO₂ and limits only
    assert card.cost.isVisible() and card.binding.isVisible()
    assert not (card.badge.isVisible() or card.properties.isVisible() or card.why.isVisible()
                or card.explanation.isVisible())
    mix = {**blend, "domain_label": "inside",
           "properties": [{"target": "strength", "mean": 41.0, "lower": 35.0, "upper": 47.0,
                           "coverage": 0.9, "unit": "MPa"}]}
    card.show_recommendation(mix)
    assert card.badge.isVisible() and card.properties.isVisible()
    assert "41" in card.properties.text()


@needs_services("optimise")
def test_an_optimisation_can_be_cancelled(qtbot, trained_demo: TrainedDemo, tmp_path) -> None:
    location = copy_project(Path(trained_demo.location), tmp_path)
    page = OptimisePage()
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.study_loaded, timeout=TIMEOUT_MS):
        page.set_project(location)
    published = []
    page.shared.connect(lambda key, value: published.append(key))
    page.editor.population_spin.setValue(40)
    page.editor.generations_spin.setValue(2000)  # far longer than the test waits
    task = page.run()
    assert task is not None and page.progress.isVisible()
    assert not page.run_button.isEnabled()
    with qtbot.waitSignal(task.progress, timeout=TIMEOUT_MS):
        pass
    if "on_generation" in inspect.signature(services.optimise).parameters:  # the live front
        qtbot.waitUntil(lambda: page.front.caption.text().startswith("generation"),
                        timeout=TIMEOUT_MS)
        assert page._live_fronts and page.front.x_combo.count() >= 2
    page.progress.cancel_button.click()
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS) as finished:
        pass
    outcome = finished.args[0]
    if outcome.cancelled:
        assert page.message.text() == "Cancelled."
        assert published == []
    else:  # the engine stopped after the current generation and kept its best-so-far set
        assert outcome.value.result.cancelled
        assert "Stopped early" in page.summary.text()
    assert page.run_button.isEnabled() and not page.progress.isVisible()


@needs_services("default_study", "load_study", "save_study")
def test_a_study_is_saved_and_opened_again_through_the_services(
    qtbot, demo_copy: str, tmp_path: Path
) -> None:
    page = OptimisePage()
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.study_loaded, timeout=TIMEOUT_MS):
        page.set_project(demo_copy)
    page.editor.variables.set_cell(0, "upper", 420.0)
    edited, problems = page.editor.study()
    assert problems == []
    path = tmp_path / "study.toml"
    task = page.save_study(path)
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS):
        pass
    assert path.exists() and "Study saved" in page.message.text()
    with qtbot.waitSignal(page.study_loaded, timeout=TIMEOUT_MS) as loaded:
        page.open_study(path)
    assert loaded.args == ["study.toml"]
    again, _problems = page.editor.study()
    assert again["variables"][0]["upper"] == 420.0
    assert [v["name"] for v in again["variables"]] == [v["name"] for v in edited["variables"]]


# -- prices and CO₂ factors: the study's own, else the project's materials catalogue ----------

DEMO_CATALOGUE = Path(__file__).resolve().parents[2] / "engine" / "demo" / "data" / "materials.csv"


def _catalogue() -> dict[str, dict[str, str]]:
    """The demo project's materials catalogue, as documented in MATERIALS.md (prices per kg)."""
    import csv

    with DEMO_CATALOGUE.open(encoding="utf-8", newline="") as handle:
        rows = {row["material"]: row for row in csv.DictReader(handle)}
    assert {row["unit"] for row in rows.values()} == {"kg"}  # per kg, as the study's kg/m³
    return rows


def _cell(page: OptimisePage, name: str, key: str) -> tuple[int, Any]:
    table = page.editor.variables
    rows = [r for r in range(table.row_count()) if table.table.item(r, 0).text() == name]
    assert rows, f"no variable {name!r} in the form"
    return rows[0], table.item(rows[0], key)


def _open_with_factors(qtbot, page: OptimisePage, location: str) -> None:
    with qtbot.waitSignals([page.study_loaded, page.factors_shown], timeout=TIMEOUT_MS):
        page.set_project(location)


@needs_services("default_study", "material_factors")
def test_the_price_and_co2_cells_show_the_catalogue_values(qtbot, demo_copy: str) -> None:
    page = OptimisePage()
    qtbot.addWidget(page)
    _open_with_factors(qtbot, page, demo_copy)
    catalogue = _catalogue()
    study, _problems = page.editor.study()
    materials = [v["name"] for v in study["variables"] if v.get("material")]
    assert materials and set(materials) <= set(catalogue)
    assert not study.get("materials")  # the demo study prices nothing itself
    for name in materials:
        for key, column in (("price", "price_per_unit"), ("co2", "co2_per_unit")):
            row, item = _cell(page, name, key)
            assert float(item.text()) == pytest.approx(float(catalogue[name][column])), name
            assert page.editor.variables.is_inherited(row, key)
            assert item.font().italic()  # told apart from the study's own values
            assert "from the project's materials catalogue" in item.toolTip()
            assert f"source: {catalogue[name]['source']}" in item.toolTip()  # its citation
    assert "grey italics" in page.editor.materials_note.text()
    assert page.editor.missing_factors() == {"price": [], "co2": []}
    again, problems = page.editor.study()  # shown, but not written into the study
    assert problems == [] and "materials" not in again


@needs_services("default_study", "material_factors", "save_study")
def test_a_study_override_wins_over_the_catalogue(qtbot, demo_copy: str, tmp_path: Path) -> None:
    page = OptimisePage()
    qtbot.addWidget(page)
    _open_with_factors(qtbot, page, demo_copy)
    catalogue = _catalogue()
    study, _problems = page.editor.study()
    own_price = round(float(catalogue["cement"]["price_per_unit"]) * 1.5, 4)
    study["materials"] = {"cement": {"price": own_price}}
    with qtbot.waitSignal(page.factors_shown, timeout=TIMEOUT_MS):
        page.set_study(study, "with an override")
    row, price = _cell(page, "cement", "price")
    assert float(price.text()) == own_price and not price.font().italic()
    assert not page.editor.variables.is_inherited(row, "price")
    assert f"replaces the catalogue's {float(catalogue['cement']['price_per_unit']):.6g}" \
        in price.toolTip()
    _row, co2 = _cell(page, "cement", "co2")  # not overridden: still the catalogue's
    assert float(co2.text()) == pytest.approx(float(catalogue["cement"]["co2_per_unit"]))
    assert co2.font().italic()
    # what the optimisation will use: the override wins, the rest from the catalogue
    used = services.material_factors(demo_copy, page.editor.study()[0])["materials"]
    assert used["cement"]["price"] == own_price and used["cement"]["price_from"] == "study"
    assert used["cement"]["co2_from"] == "catalogue"

    # typing over a catalogue value makes it an override of the study, saved as before
    water_row, water = _cell(page, "water", "price")
    page.editor.variables.set_cell(water_row, "price", 0.003)
    assert not water.font().italic() and not page.editor.variables.is_inherited(water_row,
                                                                                 "price")
    edited, problems = page.editor.study()
    assert problems == []
    assert edited["materials"] == {"cement": {"price": own_price}, "water": {"price": 0.003}}
    path = tmp_path / "study.toml"
    task = page.save_study(path)
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS):
        pass
    import tomllib

    saved = tomllib.loads(path.read_text(encoding="utf-8"))
    assert saved["materials"] == {"cement": {"price": own_price}, "water": {"price": 0.003}}
    # clearing the cell brings the catalogue's value back (and drops the override)
    page.editor.variables.set_cell(water_row, "price", None)
    assert float(water.text()) == pytest.approx(float(catalogue["water"]["price_per_unit"]))
    assert page.editor.variables.is_inherited(water_row, "price")
    assert "water" not in page.editor.study()[0]["materials"]


@needs_services("default_study", "material_factors")
def test_a_material_without_a_price_is_flagged_when_cost_is_a_goal(qtbot,
                                                                  demo_copy: str) -> None:
    page = OptimisePage()
    qtbot.addWidget(page)
    _open_with_factors(qtbot, page, demo_copy)
    study, _problems = page.editor.study()
    assert any(o.get("kind") == "cost" for o in study["objectives"])
    study["variables"].append({"name": "pigment", "type": "continuous", "lower": 0.0,
                               "upper": 5.0, "unit": "kg/m³", "material": True})
    study["materials"] = {"pigment": {"co2": 1.2}}  # a CO₂ factor, but no price anywhere
    with qtbot.waitSignal(page.factors_shown, timeout=TIMEOUT_MS):
        page.set_study(study, "with a new material")
    assert page.editor.missing_factors() == {"price": ["pigment"], "co2": []}
    _row, price = _cell(page, "pigment", "price")
    assert price.text() == "" and price.background().color().alpha() > 0  # red cell
    assert "No price for pigment" in price.toolTip()
    note = page.editor.materials_note
    assert not note.isHidden() and "No price for pigment" in note.text()
    assert "cost is a goal or limit" in note.text()
    row, _item = _cell(page, "pigment", "price")
    page.editor.variables.set_cell(row, "price", 0.9)  # priced in the study: no longer missing
    assert page.editor.missing_factors() == {"price": [], "co2": []}
    assert price.background().color().alpha() == 0
    assert "No price" not in note.text()
