"""The Models page: lists the project's properties, trains on a worker with progress and
cancel, shows errors as messages, renders a training report (table, plots, versions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from desktop.pages.models_page import ModelsPage, version_text
from engine import services
from tests.desktop.conftest import TrainedDemo

pytestmark = pytest.mark.gui

TIMEOUT_MS = 120_000


def _page(qtbot, location: str | None) -> ModelsPage:
    page = ModelsPage()
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    if location is None:
        page.set_project(None)
        return page
    with qtbot.waitSignal(page.options_loaded, timeout=TIMEOUT_MS):
        page.set_project(location)
    return page


def synthetic_evaluation() -> dict[str, object]:
    """A made-up report to check rendering only (never shown as a result)."""
    rng = np.random.default_rng(1)
    measured = rng.uniform(10, 80, 300)
    predicted = measured + rng.normal(0, 5, 300)
    width = rng.uniform(7, 11, 300)
    predictions = pd.DataFrame({"measured": measured, "predicted": predicted,
                                "lower": predicted - width, "upper": predicted + width,
                                "domain": rng.choice(["inside", "edge", "outside"], 300,
                                                     p=[0.8, 0.15, 0.05])})
    inputs = ["cement", "water_binder_ratio", "test_age_days", "fly_ash"]
    return {
        "cv": pd.DataFrame({"target": ["compressive_strength", "slump"],
                            "rmse": [5.21, 2.9], "mae": [3.95, 2.1], "r2": [0.9, 0.62],
                            "coverage": [0.88, 0.91], "mean_interval_width": [17.9, 9.6]}),
        "predictions": {"compressive_strength": predictions},
        "importance": {"compressive_strength": pd.Series([9.0, 5.0, 2.0, 1.0], index=inputs)},
        "units": {"compressive_strength": "MPa", "slump": "mm"},
        "nominal_coverage": 0.9,
        "versions": [{"version": 1, "created": pd.Timestamp("2026-01-02 03:04", tz="UTC"),
                      "targets": ["compressive_strength"], "note": "synthetic"}],
    }


def test_the_page_renders_a_report(qtbot) -> None:
    page = _page(qtbot, None)
    assert "Open a project first" in page.notice.title_label.text()
    with qtbot.waitSignal(page.evaluation_shown) as shown:
        page.show_evaluation(synthetic_evaluation())
    assert shown.args == [2]
    model = page.cv_model
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Property"
    assert model.headerData(4, Qt.Orientation.Horizontal) == "Coverage (aim 90%)"
    assert model.data(model.index(0, 4)) == "88%"
    parity_items = page.parity.plot.getPlotItem().items
    assert any(isinstance(i, pg.ErrorBarItem) for i in parity_items)
    page.plots.setCurrentWidget(page.coverage_chart)  # tabs are drawn when shown
    assert page.coverage_chart.groups[0][0] == "all rows"
    assert {g for g, _s, _n in page.coverage_chart.groups} <= {"all rows", "inside", "edge",
                                                               "outside"}
    assert page.versions.item(0).text() == version_text(
        synthetic_evaluation()["versions"][0])  # type: ignore[index]
    assert "v1 · 2026-01-02 03:04" in page.versions.item(0).text()
    page.cv_table.clicked.emit(model.index(1, 0))
    assert page.target_combo.currentText() == "slump"


def test_a_project_without_lab_results_says_what_to_do(qtbot, tmp_path) -> None:
    location = services.create_project(tmp_path / "empty.formix").location
    page = _page(qtbot, location)
    assert "Nothing to model yet" in page.notice.title_label.text()
    assert not page.train_button.isEnabled()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_training_can_be_cancelled_and_saves_nothing(qtbot, demo_copy: str) -> None:
    page = _page(qtbot, demo_copy)
    assert page.selected_targets() == ["compressive_strength"]
    assert page.train_button.isEnabled()
    before = len(services.model_versions(demo_copy))
    task = page.train()
    assert task is not None and page.progress.isVisible()
    assert not page.train_button.isEnabled()
    with qtbot.waitSignal(task.progress, timeout=TIMEOUT_MS):
        pass
    page.progress.cancel_button.click()
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS) as finished:
        pass
    assert finished.args[0].cancelled
    assert page.message.text() == "Cancelled."
    assert page.train_button.isEnabled() and not page.progress.isVisible()
    assert len(services.model_versions(demo_copy)) == before


def test_a_trained_report_is_shown_with_real_numbers(qtbot,
                                                     trained_demo: TrainedDemo) -> None:
    page = _page(qtbot, trained_demo.location)
    assert "Saved model" in page.notice.title_label.text()
    assert page.versions.count() >= 1
    page.show_evaluation(trained_demo.report.to_mapping())
    cv = trained_demo.report.cv
    assert page.cv_model.rowCount() == len(cv)
    assert page.target_combo.currentText() == "compressive_strength"
    page.plots.setCurrentWidget(page.coverage_chart)  # tabs are drawn when shown
    coverage = page.coverage_chart.groups[0][1]
    assert coverage == pytest.approx(float(cv["coverage"].iloc[0]), abs=0.01)
    assert page.parity.coverage == pytest.approx(coverage)
    page.plots.setCurrentWidget(page.importance)
    assert page.importance.plot.getPlotItem().items  # bars drawn
