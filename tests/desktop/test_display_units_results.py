"""Results in the project's display units: a US plant reads the Optimise and Recommendations
pages in psi, lb/yd³, USD/yd³ and lb CO₂e/yd³; switching units re-renders without running
anything again, and switching back gives the metric text unchanged."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from desktop.pages.base import MODEL_TRAINED, OPTIMISATION_RUN
from desktop.pages.optimise_page import OptimisePage
from desktop.pages.recommendations_page import RecommendationsPage
from desktop.widgets.recommendation_card import money_text, number_text, signed_text
from engine.display_units import DisplayUnits
from tests.desktop.conftest import TrainedDemo, copy_project, needs_services

pytestmark = pytest.mark.gui

TIMEOUT_MS = 120_000
US, SI = DisplayUnits("US"), DisplayUnits("SI")
PSI_PER_MPA = 145.0377
LB_YD3_PER_KG_M3 = 1.685555  # lb/yd³ per kg/m³ (also lb CO₂e/yd³ per kg CO₂e/m³)
M3_PER_YD3 = 0.7645549  # a price per m³ × this = the price per yd³


@pytest.fixture(scope="module")
def run(trained_demo: TrainedDemo, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A small optimisation of the demo study (strength, cost, CO₂), run once."""
    from engine import services

    location = copy_project(Path(trained_demo.location), tmp_path_factory.mktemp("units"))
    study = services.default_study(location)
    study["algorithm"].update(population=24, generations=8, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return services.optimise(location, study=study)


def _axis(page: Any, side: str) -> str:
    return page.front.plot.getPlotItem().getAxis(side).labelText


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-"))


def _star(page: Any) -> tuple[float, float]:
    """Where the current recipe's star is drawn."""
    import pyqtgraph as pg

    for item in page.front.plot.getPlotItem().items:
        if isinstance(item, pg.ScatterPlotItem) and item.opts.get("symbol") == "star":
            return float(item.data[0]["x"]), float(item.data[0]["y"])
    raise AssertionError("no star for the current recipe")


def _idle(qtbot: Any, page: Any) -> None:
    qtbot.waitUntil(lambda: not page.runner.busy, timeout=TIMEOUT_MS)


def test_psi_figures_read_as_whole_numbers() -> None:
    assert number_text(4351.132, unit="psi") == "4,351"
    assert number_text(94.7, unit="psi") == "95"
    assert signed_text(-21.4, unit="psi") == "−21"
    assert number_text(94.7, unit="MPa") == "94.7"  # other units keep 3 significant digits


@needs_services("optimise", "recommend", "shown_recommendations", "export_recommendations")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_us_engineer_reads_the_recommendation_in_psi_and_pounds(
        qtbot, run: Any, tmp_path: Path) -> None:
    page = RecommendationsPage()
    qtbot.addWidget(page)
    page.resize(1300, 850)
    page.set_project(run.location)
    with qtbot.waitSignal(page.recommendations_shown, timeout=TIMEOUT_MS):
        page.on_shared(OPTIMISATION_RUN, run)
    card = page.card
    first = page.cards[0]
    assert page.front.selected == first["row"]
    si_properties, si_cost = card.properties.text(), card.cost.text()
    si_axes = (_axis(page, "bottom"), _axis(page, "left"))
    si_star = _star(page)
    si_headers = [page.table_model.headerData(c, Qt.Orientation.Horizontal)
                  for c in range(page.table_model.columnCount())]
    assert "MPa" in si_properties and "USD/m³" in si_cost and "kg CO₂e/m³" in si_cost
    assert si_axes[0].startswith("compressive_strength_lower [MPa]")
    assert si_axes[1].startswith("cost [USD/m³]")

    page.set_display_units(US)  # View → Units → US customary

    # the card: strength in psi, whole numbers, equal to the metric figure × 145.04
    strength = first["properties"][0]
    shown = card.properties.text()
    assert "MPa" not in shown and "psi" in shown
    mean = re.search(r"<b>([\d,]+)</b>&nbsp;psi", shown)
    assert mean is not None, shown
    assert _number(mean[1]) == round(strength["mean"] * PSI_PER_MPA)
    assert f"{number_text(strength['upper'] * PSI_PER_MPA, unit='psi')}&nbsp;psi" in shown
    # cost and CO₂ per cubic yard
    cost = card.cost.text()
    assert f"<b>{money_text(first['cost'] * M3_PER_YD3)}</b> USD/yd³" in cost  # to the cent
    assert f"<b>{number_text(first['co2'] * LB_YD3_PER_KG_M3)}</b> lb CO₂e/yd³" in cost
    assert "kg CO₂e" not in cost and "/m³" not in cost
    # the recipe in lb/yd³, against the current recipe
    rows = {card.changes.item(r, 0).text(): r for r in range(card.changes.rowCount())}
    cement = next(c for c in first["changes"] if c["name"] == "cement")
    assert cement["label"].startswith("Portland cement")  # the catalogue's name, not the code
    assert card.changes.item(rows[cement["label"]], 2).text() == \
        f"{number_text(cement['value'] * LB_YD3_PER_KG_M3)} lb/yd³"
    assert card.changes.item(rows[cement["label"]], 1).text() == \
        f"{number_text(cement['baseline'] * LB_YD3_PER_KG_M3)} lb/yd³"
    assert "psi" in card.explanation.text()  # why: drivers in lb/yd³ → psi

    # the front: axes in psi and USD/yd³, points and the current recipe's star converted
    assert _axis(page, "bottom").startswith("compressive_strength_lower [psi]")
    assert _axis(page, "left").startswith("cost [USD/yd³]")
    baseline = run.result.baseline.iloc[0]
    star = _star(page)
    assert star[0] == pytest.approx(baseline["compressive_strength_lower"] * PSI_PER_MPA,
                                    rel=1e-4)
    assert star[1] == pytest.approx(baseline["cost"] * M3_PER_YD3, rel=1e-4)
    assert star[0] == pytest.approx(si_star[0] * PSI_PER_MPA, rel=1e-4)
    points = page.front.scatter.data
    pareto = run.result.pareto
    assert np.allclose(points["x"], pareto["compressive_strength_lower"] * PSI_PER_MPA)
    assert np.allclose(points["y"], pareto["cost"] * M3_PER_YD3)
    tip = page.front._tip(points["x"][0], points["y"][0], 0)
    assert " psi" in tip and "USD/yd³" in tip and "." not in tip.split("\n")[1]
    # the table of the front
    headers = [page.table_model.headerData(c, Qt.Orientation.Horizontal)
               for c in range(page.table_model.columnCount())]
    assert {"compressive_strength_lower [psi]", "cost [USD/yd³]", "co2 [lb CO₂e/yd³]",
            "cement [lb/yd³]"} <= set(headers)
    column = headers.index("compressive_strength_lower [psi]")
    display_row = page.table_model.row_of_position(first["row"])
    text = page.table_model.index(display_row, column).data()
    assert _number(text) == round(pareto["compressive_strength_lower"][first["row"]]
                                  * PSI_PER_MPA)

    # exports write what the page shows; the page keeps the stored (metric) figures
    path = tmp_path / "recommendations.json"
    with qtbot.waitSignal(page.exported, timeout=TIMEOUT_MS):
        page.export(path)
    exported = json.loads(path.read_text("utf-8"))["recommendations"]
    assert [r["id"] for r in exported] == [c["id"] for c in page.cards]
    assert exported[0]["cost_unit"] == "USD/yd³" and exported[0]["co2_unit"] == "lb CO₂e/yd³"
    assert exported[0]["properties"][0]["unit"] == "psi"
    assert exported[0]["cost"] == pytest.approx(first["cost"] * M3_PER_YD3, rel=1e-4)
    assert page.cards[0]["unit_system"] == "SI" and page.cards[0]["cost"] == first["cost"]
    assert page.recommendations[0].cost_unit == "USD/m³"

    # a recipe of the front that was not recommended converts alike
    other = next(r for r in range(len(pareto)) if r not in page._by_row)
    page.select_recipe(other)
    assert "Recipe from the front" in card.title.text()
    assert "psi" in card.properties.text() and "USD/yd³" in card.cost.text()
    assert "lb/yd³" in card.changes.item(0, 2).text()
    _idle(qtbot, page)  # its explanation (on request) arrives; still in US units
    assert "psi" in card.properties.text() and "MPa" not in card.properties.text()

    # back to metric: the original text
    page.select_recipe(first["row"])
    page.set_display_units(SI)
    assert card.properties.text() == si_properties and card.cost.text() == si_cost
    assert (_axis(page, "bottom"), _axis(page, "left")) == si_axes
    assert _star(page) == pytest.approx(si_star)
    assert [page.table_model.headerData(c, Qt.Orientation.Horizontal)
            for c in range(page.table_model.columnCount())] == si_headers
    _idle(qtbot, page)


@needs_services("optimise", "default_study")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_optimise_front_switches_units_without_running_again(
        qtbot, run: Any, trained_demo: TrainedDemo) -> None:
    page = OptimisePage()
    qtbot.addWidget(page)
    page.set_display_units(US)  # the project's choice, set before the project opens
    page.set_project(run.location)
    qtbot.waitUntil(lambda: bool(page.study_source), timeout=TIMEOUT_MS)
    _idle(qtbot, page)

    # a live front, before the run says its units: labelled from the model and the study
    page.on_shared(MODEL_TRAINED, trained_demo.report)
    _idle(qtbot, page)
    page._live_units = page._study_units(page.editor.study()[0])
    front = pd.DataFrame({"compressive_strength_lower": [30.0, 40.0], "cost": [60.0, 80.0],
                          "co2": [200.0, 300.0]})
    page._live.put((1, front))
    page._poll_live()
    assert _axis(page, "bottom").startswith("compressive_strength_lower [psi]")
    assert _axis(page, "left").startswith("cost [USD/yd³]")
    newest = page.front._live_items[1].data
    assert np.allclose(newest["x"], [30.0 * PSI_PER_MPA, 40.0 * PSI_PER_MPA])

    # the finished run
    page.show_result(run)
    pareto = run.result.pareto
    assert _axis(page, "bottom").startswith("compressive_strength_lower [psi]")
    assert np.allclose(page.front.scatter.data["x"],
                       pareto["compressive_strength_lower"] * PSI_PER_MPA)
    page.front.y_combo.setCurrentText("co2")
    assert _axis(page, "left").startswith("co2 [lb CO₂e/yd³]")
    assert np.allclose(page.front.scatter.data["y"], pareto["co2"] * LB_YD3_PER_KG_M3)
    page.generation_slider.setValue(2)  # an earlier generation: converted alike
    assert page.front._live_items is not None
    assert np.allclose(page.front._live_items[1].data["y"],
                       page._history[1]["co2"] * LB_YD3_PER_KG_M3)
    page.generation_slider.setValue(page.generation_slider.maximum())

    # switching units re-renders the same run
    summary = page.summary.text()
    page.set_display_units(SI)
    assert page.run_task is None and page.result is run.result
    assert _axis(page, "bottom").startswith("compressive_strength_lower [MPa]")
    assert _axis(page, "left").startswith("co2 [kg CO₂e/m³]")
    assert np.allclose(page.front.scatter.data["y"], pareto["co2"])
    assert _star(page)[0] == pytest.approx(run.result.baseline["compressive_strength_lower"]
                                           .iloc[0])
    assert page.summary.text() == summary
    _idle(qtbot, page)
