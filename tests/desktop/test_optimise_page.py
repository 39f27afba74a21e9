"""The Optimise page: the study forms read and write the study dict, a run reports progress
and can be cancelled, and a project without a model gets a readable error."""

from __future__ import annotations

import copy
import inspect
from pathlib import Path

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
         "unit": "kg/m³", "material": True},
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
    "materials": {"cement": {"price": 0.12, "co2": 0.83}, "water": {"price": 0.002}},
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
    assert study["materials"]["water"] == {"price": 0.003}
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
