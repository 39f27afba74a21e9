"""End to end on the demo project, through the main window as a plant engineer would:
open the demo → train and validate → optimise (small run) → pick a recommendation (plot and
table linked both ways) → export CSV and HTML → record a trial and see it compared."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QSettings

from desktop.main_window import MainWindow
from desktop.pages.data_page import DataPage
from desktop.pages.models_page import ModelsPage
from desktop.pages.optimise_page import OptimisePage
from desktop.pages.recommendations_page import RecommendationsPage
from desktop.pages.trials_page import TrialsPage
from tests.desktop.conftest import TRAIN_FOLDS, needs_services
from tests.engine.recommendation.trial_batches import import_trial_batch

pytestmark = pytest.mark.gui

TIMEOUT_MS = 180_000


@needs_services("optimise", "recommend", "export_recommendations", "record_trial", "trials")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_demo_workflow_from_training_to_a_recorded_trial(
    qtbot, settings: QSettings, demo_copy: str, tmp_path: Path
) -> None:
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    data = window.page_by_title("Data")
    assert isinstance(data, DataPage)
    with qtbot.waitSignal(data.table_ready, timeout=TIMEOUT_MS) as ready:
        window.open_project(demo_copy)
    assert ready.args[0] > 900  # the demo's linked rows

    # -- train and validate --------------------------------------------------------------
    window.show_page_titled("Models")
    models = window.page_by_title("Models")
    assert isinstance(models, ModelsPage)
    qtbot.waitUntil(lambda: models.targets_list.count() > 0, timeout=TIMEOUT_MS)
    models.folds_spin.setValue(TRAIN_FOLDS)
    with qtbot.waitSignal(models.evaluation_shown, timeout=TIMEOUT_MS) as shown:
        models.train_button.click()
    assert shown.args == [1]
    assert "version 1" in models.message.text()
    assert models.versions.count() == 1
    models.plots.setCurrentWidget(models.coverage_chart)
    assert 0.7 < models.coverage_chart.groups[0][1] <= 1.0  # real held-out coverage

    # -- optimise (small) ------------------------------------------------------------------
    window.show_page_titled("Optimise")
    optimise = window.page_by_title("Optimise")
    assert isinstance(optimise, OptimisePage)
    qtbot.waitUntil(lambda: bool(optimise.study_source), timeout=TIMEOUT_MS)
    optimise.editor.population_spin.setValue(24)
    optimise.editor.generations_spin.setValue(8)
    with qtbot.waitSignal(optimise.run_finished, timeout=TIMEOUT_MS) as finished:
        optimise.run_button.click()
    result = finished.args[0].result
    assert len(result.pareto) > 0, optimise.summary.text()
    assert "satisfy every constraint" in optimise.summary.text()
    assert optimise.generation_slider.maximum() == 8
    assert optimise.front.scatter is not None  # the final front is drawn
    optimise.generation_slider.setValue(3)
    assert optimise.front.caption.text().startswith("generation 3")

    # -- recommendations: plot ↔ table ↔ card ------------------------------------------------
    recommendations = window.page_by_title("Recommendations")
    assert isinstance(recommendations, RecommendationsPage)
    with qtbot.waitSignal(recommendations.recommendations_shown, timeout=TIMEOUT_MS) as picked:
        optimise.recommend_button.click()
    assert window.stack.currentWidget() is recommendations
    assert picked.args[0] >= 1
    first = recommendations.cards[0]
    card = recommendations.card
    assert card.recommendation is not None and card.recommendation["id"] == first["id"]
    assert "Recommendation #1" in card.title.text()
    assert card.badge.text() and card.changes.rowCount() == len(first["changes"])
    assert card.why.isVisible() and card.why.rows  # the waterfall of contribution changes
    selected = recommendations.front.selected
    assert selected is not None
    table = recommendations.table
    assert recommendations.table_model.visible_rows[table.currentIndex().row()] == selected

    other = next(r for r in range(len(result.pareto)) if r not in recommendations._by_row)
    spot = recommendations.front.scatter.points()[other]
    recommendations.front.scatter.sigClicked.emit(recommendations.front.scatter, [spot], None)
    assert recommendations.front.selected == other
    assert recommendations.table_model.visible_rows[table.currentIndex().row()] == other
    assert "Recipe from the front" in card.title.text()

    table.selectRow(2)
    row = int(recommendations.table_model.visible_rows[2])
    assert recommendations.front.selected == row

    # -- export ------------------------------------------------------------------------------
    csv_path, html_path = tmp_path / "recommendations.csv", tmp_path / "report.html"
    for path in (csv_path, html_path):
        with qtbot.waitSignal(recommendations.exported, timeout=TIMEOUT_MS):
            recommendations.export(path)
    exported = pd.read_csv(csv_path)
    assert len(exported) == len(recommendations.cards)
    assert {"id", "rank", "cement [kg/m³]", "water [kg/m³]", "cost [USD/m³]",
            "co2 [kg CO₂e/m³]"} <= set(exported.columns)
    assert exported["id"].tolist() == [c["id"] for c in recommendations.cards]
    xlsx_path = tmp_path / "recommendations.xlsx"
    task = recommendations.export(xlsx_path)
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS) as excel:
        pass
    if excel.args[0].ok:  # the engine writes Excel (NEEDS_FROM_ENGINE D); else a message
        assert len(pd.read_excel(xlsx_path)) == len(recommendations.cards)
    else:
        assert ".xlsx" in recommendations.message.text()
    report = html_path.read_text("utf-8")
    assert report.lstrip().lower().startswith("<!doctype html")
    assert "compressive strength" in report and "Portland cement" in report

    # -- record a trial: the plant made the recipe and imported the batch and its lab result --
    recipe = {k: v for k, v in first["recipe"].items() if k != "age"}
    import_trial_batch(demo_copy, recipe, "T0001", tmp_path, strength=45.0)
    window.show_page_titled("Trials")
    trials = window.page_by_title("Trials")
    assert isinstance(trials, TrialsPage)
    qtbot.waitUntil(lambda: not trials.runner.busy, timeout=TIMEOUT_MS)
    trials.reload()
    qtbot.waitUntil(lambda: not trials.runner.busy and trials.batch_list.count() > 0,
                    timeout=TIMEOUT_MS)
    assert trials.recommendation_combo.count() == len(recommendations.cards)
    assert trials.recommendation_combo.currentData() == str(first["id"])
    trials.set_batches_checked(["T0001"])
    assert trials.record_button.isEnabled()
    with qtbot.waitSignal(trials.trial_recorded, timeout=TIMEOUT_MS):
        trials.record_button.click()
    frame = trials.report
    assert set(frame["batch_id"]) == {"T0001"}
    assert frame["measured"].tolist() == [45.0]
    assert "Hit rate" in trials.hit_rate.text()
    assert trials.table_model.rowCount() == len(frame)
