"""Display units on the Models and Trials pages: a US engineer reads errors, the parity plot,
trial predictions and measurements in psi; switching back to SI restores the stored figures.
Nothing is retrained or reloaded when the units change."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from desktop.pages.models_page import ModelsPage
from desktop.pages.trials_page import TrialsPage, recommendation_text
from desktop.results import shown_recommendation
from desktop.widgets.contribution_chart import ContributionChart
from engine import services
from engine.display_units import DisplayUnits
from tests.desktop.conftest import TrainedDemo, copy_project, needs_services

pytestmark = pytest.mark.gui

TIMEOUT_MS = 120_000
PSI_PER_MPA = 145.0377
US, SI = DisplayUnits("US"), DisplayUnits("SI")


def _opened(qtbot, page: Any, loaded: str, location: str) -> Any:
    """``page`` shown at 1280 × 800 with ``location`` open, once its ``loaded`` signal came."""
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    with qtbot.waitSignal(getattr(page, loaded), timeout=TIMEOUT_MS):
        page.set_project(location)
    return page


def _models_page(qtbot, trained_demo: TrainedDemo) -> ModelsPage:
    page = _opened(qtbot, ModelsPage(), "options_loaded", trained_demo.location)
    page.show_evaluation(trained_demo.report.to_mapping())
    return page


def _cell(page: ModelsPage, row: int, header: str) -> str:
    model = page.cv_model
    for column in range(model.columnCount()):
        if model.headerData(column, Qt.Orientation.Horizontal) == header:
            return str(model.data(model.index(row, column)))
    raise AssertionError(f"no column {header!r}")


def _axis_label(plot, side: str) -> str:
    return str(plot.plot.getPlotItem().getAxis(side).labelText)


def _points(plot) -> tuple[np.ndarray, np.ndarray]:
    """The x and y of every marker the plot draws (scatter items only, not the diagonal)."""
    xs, ys = [], []
    for item in plot.plot.getPlotItem().listDataItems():
        if item.opts.get("symbol") is None:
            continue
        x, y = item.getData()
        if x is not None and len(x):
            xs.append(x)
            ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


def test_models_page_shows_errors_and_parity_in_psi_and_back(qtbot,
                                                            trained_demo: TrainedDemo) -> None:
    page = _models_page(qtbot, trained_demo)
    cv = trained_demo.report.cv
    row = cv.index[cv["target"] == "compressive_strength"][0]
    rmse_mpa = float(cv.loc[row, "rmse"])
    width_mpa = float(cv.loc[row, "mean_interval_width"])
    r2_si = _cell(page, row, "R²")
    coverage_si = _cell(page, row, "Coverage (aim 90%)")
    assert float(_cell(page, row, "RMSE")) == pytest.approx(rmse_mpa, abs=0.006)
    assert "[MPa]" in _axis_label(page.parity, "bottom")
    x_si, y_si = _points(page.parity)
    version_si = page.versions.item(page.versions.count() - 1).text()
    note_rmse = float(re.search(r"RMSE ([\d.]+)", version_si)[1])  # type: ignore[index]

    page.set_display_units(US)

    # RMSE and interval width are differences: MPa × 145.04, shown as whole psi
    rmse_text = _cell(page, row, "RMSE")
    assert float(rmse_text) == pytest.approx(rmse_mpa * PSI_PER_MPA, abs=0.51)
    assert "." not in rmse_text  # whole psi, not 807.731
    assert float(_cell(page, row, "Width")) == pytest.approx(width_mpa * PSI_PER_MPA, abs=0.51)
    assert _cell(page, row, "R²") == r2_si  # unitless
    assert _cell(page, row, "Coverage (aim 90%)") == coverage_si
    assert "compressive_strength in psi" in page.coverage_note.text()
    # the saved versions' notes ("RMSE 5.57") too
    version_us = page.versions.item(page.versions.count() - 1).text()
    shown = re.search(r"RMSE (\d+) psi", version_us)
    assert shown is not None, version_us
    assert float(shown[1]) == pytest.approx(note_rmse * PSI_PER_MPA, abs=0.51)
    # the parity plot: axes and points in psi
    assert _axis_label(page.parity, "bottom") == "measured compressive_strength [psi]"
    assert _axis_label(page.parity, "left") == "predicted compressive_strength [psi]"
    x_us, y_us = _points(page.parity)
    np.testing.assert_allclose(np.sort(x_us), np.sort(x_si) * PSI_PER_MPA, rtol=1e-4)
    np.testing.assert_allclose(np.sort(y_us), np.sort(y_si) * PSI_PER_MPA, rtol=1e-4)
    assert page.parity.coverage == pytest.approx(float(cv.loc[row, "coverage"]), abs=0.01)
    # residuals and importance (effects are differences) are drawn when their tab is shown
    page.plots.setCurrentWidget(page.residuals)
    assert "[psi]" in _axis_label(page.residuals, "left")
    page.plots.setCurrentWidget(page.importance)
    assert "[psi]" in _axis_label(page.importance, "bottom")
    importance = trained_demo.report.importance["compressive_strength"]
    bars = page.importance.plot.getPlotItem().items[0]
    assert float(np.max(bars.opts["width"])) == pytest.approx(
        float(importance.max()) * PSI_PER_MPA, rel=1e-4)

    page.set_display_units(SI)
    assert float(_cell(page, row, "RMSE")) == pytest.approx(rmse_mpa, abs=0.006)
    assert "compressive_strength in MPa" in page.coverage_note.text()
    assert page.versions.item(page.versions.count() - 1).text() == version_si
    assert "[MPa]" in _axis_label(page.importance, "bottom")
    page.plots.setCurrentWidget(page.parity)
    assert _axis_label(page.parity, "bottom") == "measured compressive_strength [MPa]"
    x_back, _y = _points(page.parity)
    np.testing.assert_allclose(np.sort(x_back), np.sort(x_si))


def test_alloy_strengths_show_in_ksi(qtbot) -> None:
    page = ModelsPage()
    qtbot.addWidget(page)
    page.set_project(None)
    measured = np.linspace(300.0, 700.0, 40)
    predictions = pd.DataFrame({"measured": measured, "predicted": measured + 10,
                                "lower": measured - 30, "upper": measured + 50})
    page.show_evaluation({
        "cv": pd.DataFrame({"target": ["yield_strength"], "rmse": [20.0], "mae": [15.0],
                            "r2": [0.8], "coverage": [0.9], "mean_interval_width": [80.0]}),
        "predictions": {"yield_strength": predictions},
        "units": {"yield_strength": "MPa"}, "nominal_coverage": 0.9})
    page.set_display_units(US)
    assert float(_cell(page, 0, "RMSE")) == pytest.approx(20.0 * PSI_PER_MPA / 1000, abs=0.01)
    assert _axis_label(page.parity, "bottom") == "measured yield_strength [ksi]"


def test_trial_figures_and_recommendations_are_converted() -> None:
    frame = pd.DataFrame({
        "trial_id": [1, 1], "batch_id": ["B1", "B1"],
        "property": ["compressive_strength", "slump"], "unit": ["MPa", "mm"],
        "predicted": [40.0, 100.0], "lower": [30.0, 80.0], "upper": [50.0, 120.0],
        "measured": [45.0, 130.0], "error": [5.0, 30.0], "inside": [True, False]})
    from desktop.pages.trials_page import shown_trials

    shown = shown_trials(frame, US)
    assert shown.loc[0, "unit"] == "psi" and shown.loc[1, "unit"] == "in"
    assert shown.loc[0, "predicted"] == pytest.approx(40.0 * PSI_PER_MPA, rel=1e-5)
    assert shown.loc[0, "error"] == pytest.approx(5.0 * PSI_PER_MPA, rel=1e-5)
    assert shown.loc[1, "measured"] == pytest.approx(130.0 / 25.4)
    assert shown["inside"].tolist() == [True, False]
    assert frame.loc[0, "predicted"] == 40.0  # the stored frame is not changed
    assert shown_trials(frame, SI) is frame


def _trials_page(qtbot, location: str) -> TrialsPage:
    return _opened(qtbot, TrialsPage(), "trials_shown", location)


def _table_column(page: TrialsPage, name: str) -> list[str]:
    model = page.table_model
    columns = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    column = next(c for c, text in enumerate(columns) if str(text).split("\n")[0] == name)
    return [str(model.data(model.index(r, column))) for r in range(model.rowCount())]


@needs_services("record_trial", "trials", "saved_recommendations")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_trials_page_shows_predicted_and_measured_in_psi(qtbot, trained_demo: TrainedDemo,
                                                          tmp_path) -> None:
    location = copy_project(Path(trained_demo.location), tmp_path / "trials")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        run = services.optimise(location, None, generations=3, population=16)  # demo study
        services.recommend(location, run)
    cards = services.saved_recommendations(location)
    assert cards
    services.record_trial(location, cards[0]["id"], ["B00001"], force=True)  # a stand-in

    page = _trials_page(qtbot, location)
    stored = page.report
    row = stored.index[stored["property"] == "compressive_strength"][0]
    predicted, measured = float(stored.loc[row, "predicted"]), float(stored.loc[row, "measured"])
    si_text = page.recommendation_combo.itemText(0)
    assert "MPa" in si_text
    assert "[MPa]" in _axis_label(page.plot, "bottom")

    page.set_display_units(US)
    assert _table_column(page, "unit")[0] == "psi"
    assert float(_table_column(page, "predicted")[0]) == pytest.approx(
        predicted * PSI_PER_MPA, abs=0.51)
    assert float(_table_column(page, "measured")[0]) == pytest.approx(
        measured * PSI_PER_MPA, abs=0.51)
    assert _axis_label(page.plot, "bottom") == "measured compressive_strength [psi]"
    x, y = _points(page.plot)
    assert x[0] == pytest.approx(measured * PSI_PER_MPA, rel=1e-5)
    assert y[0] == pytest.approx(predicted * PSI_PER_MPA, rel=1e-5)
    us_text = page.recommendation_combo.itemText(0)
    assert "psi" in us_text and "MPa" not in us_text
    assert us_text == recommendation_text(shown_recommendation(page.cards[str(cards[0]["id"])], US))

    page.set_display_units(SI)
    assert page.recommendation_combo.itemText(0) == si_text
    assert float(_table_column(page, "predicted")[0]) == pytest.approx(predicted, abs=0.051)


def test_contribution_labels_in_psi_read_as_whole_numbers(qtbot) -> None:
    chart = ContributionChart()
    qtbot.addWidget(chart)
    chart.set_contributions({"cement": 725.3, "water": -410.0}, "compressive_strength", "psi",
                            start=5000.0, end=5315.3)
    label = str(chart.plot.getPlotItem().getAxis("bottom").labelText)
    assert "current 5000" in label and "this recipe 5315" in label and "e+" not in label
    texts = [i.toPlainText() for i in chart.plot.getPlotItem().items if hasattr(i, "toPlainText")]
    assert sorted(texts) == ["+725", "-410"]


def test_a_project_opened_in_us_units_says_its_saved_rmse_in_psi(
        qtbot, trained_demo: TrainedDemo) -> None:
    page = ModelsPage()
    qtbot.addWidget(page)
    page.set_display_units(US)  # the main window sets the project's units before the project
    with qtbot.waitSignal(page.options_loaded, timeout=TIMEOUT_MS):
        page.set_project(trained_demo.location)
    rmse_mpa = float(trained_demo.report.cv["rmse"].iloc[0])
    notice = page.notice.title_label.text()
    shown = re.search(r"RMSE (\d+) psi", notice)
    assert shown is not None, notice
    assert float(shown[1]) == pytest.approx(rmse_mpa * PSI_PER_MPA, rel=0.01)
    assert "psi" in page.versions.item(page.versions.count() - 1).text()
