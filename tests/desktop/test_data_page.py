"""The Data page: import wizard with worker, findings with a jump to the cell, cancel,
the modelling table, the link report and the distribution plot."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.pages.data_page import PLOTS_TAB, TABLE_TAB, DataPage
from desktop.workers import TaskOutcome
from engine import services
from engine.errors import Finding
from engine.schema import DatasetKind

pytestmark = pytest.mark.gui

TIMEOUT_MS = 60_000
_COMPONENTS = ("cement", "water", "fly_ash")


def _write_plant_files(folder: Path) -> list[Path]:
    """Five mixes, their batches, strengths at 7 and 28 days, and a small mixer log."""
    folder.mkdir(parents=True, exist_ok=True)
    mixes = [(380, 175, 0), (320, 170, 60), (300, 180, 90), (420, 160, 0), (350, 185, 40)]
    recipes = ["recipe_id," + ",".join(f"{c} (kg/m3)" for c in _COMPONENTS)]
    batches = ["batch_id,recipe_id,plant,start_time,end_time"]
    labs = ["batch_id,property,test_age,value,unit"]
    log = ["tag,time,value,unit"]
    for i, (cement, water, fly_ash) in enumerate(mixes, start=1):
        recipes.append(f"R{i},{cement},{water},{fly_ash}")
        day = f"2024-03-{i + 1:02d}"
        batches.append(f"B{i},R{i},North,{day}T08:00:00Z,{day}T08:05:00Z")
        strength_28 = round(0.11 * cement - 0.05 * water + 0.04 * fly_ash + 10, 1)
        labs.append(f"B{i},compressive_strength,7,{round(strength_28 * 0.7, 1)},MPa")
        labs.append(f"B{i},compressive_strength,28,{strength_28},MPa")
        for minute in range(6):
            log.append(f"mixer_power,{day}T08:0{minute}:00Z,{40 + i + minute},kW")
    files = {"recipes.csv": recipes, "batches.csv": batches, "lab_results.csv": labs,
             "mixer_log.csv": log}
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", "utf-8")
    return [folder / name for name in files]


BROKEN_LAB = (
    "batch_id,property,test_age,value,unit\n"
    "B1,compressive_strength,28,41.2,MPa\n"
    "B2,compressive_strength,twenty-eight,38.0,MPa\n"
    "B3,compressive_strength,28,n/a,MPa\n"
)


@pytest.fixture
def project(tmp_path: Path) -> str:
    return services.create_project(tmp_path / "plant.formix").location


@pytest.fixture
def page(qtbot, project: str) -> DataPage:
    page = DataPage()
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.set_project(project)
    qtbot.waitUntil(lambda: not page.runner.busy, timeout=TIMEOUT_MS)
    return page


def _add_and_wait(qtbot, page: DataPage, files: list[Path]) -> None:
    page.tabs.setCurrentIndex(0)
    page.wizard.add_files(files)
    qtbot.waitUntil(lambda: not page.wizard.busy, timeout=TIMEOUT_MS)


def test_wizard_previews_each_file_and_suggests_a_mapping(
    qtbot, page: DataPage, tmp_path: Path
) -> None:
    _add_and_wait(qtbot, page, _write_plant_files(tmp_path / "plant"))
    wizard = page.wizard
    kinds = {f.name: f.kind for f in wizard.files}
    assert kinds == {"recipes.csv": DatasetKind.RECIPES, "batches.csv": DatasetKind.BATCHES,
                     "lab_results.csv": DatasetKind.LAB_RESULTS,
                     "mixer_log.csv": DatasetKind.PROCESS_SERIES}
    wizard.select_file("recipes.csv")
    assert wizard.preview.model.rowCount() == 5
    first_row_label = wizard.preview.model.headerData(0, Qt.Orientation.Vertical)
    assert first_row_label == "2"  # the row as the file shows it (the header is row 1)
    assert wizard.mapping.field_of("cement (kg/m3)") == "component:cement"
    assert "Preview of recipes.csv (5 rows)" in wizard.preview_box.title()
    assert wizard.import_button.isEnabled()


def test_import_through_the_wizard_shows_the_modelling_table(
    qtbot, page: DataPage, tmp_path: Path
) -> None:
    _add_and_wait(qtbot, page, _write_plant_files(tmp_path / "plant"))
    with (qtbot.waitSignal(page.table_ready, timeout=TIMEOUT_MS) as ready,
          qtbot.waitSignal(page.wizard.imported, timeout=TIMEOUT_MS)):
        page.wizard.start_import()
    assert ready.args[0] >= 5
    assert page.tabs.currentIndex() == TABLE_TAB
    assert page.table_view.model.rowCount() == ready.args[0]
    assert "Imported 4 file(s)" in page.wizard.result.text()
    assert page.wizard.files == []
    assert page.report_view.counts.rowCount() > 0
    assert services.project_summary(page.location).counts["batches"] == 5
    page.tabs.setCurrentIndex(PLOTS_TAB)
    assert page.distribution.column_combo.count() > 0
    assert "n = " in page.distribution.summary.text()


def test_a_rejected_import_lists_findings_and_jumps_to_the_cell(
    qtbot, page: DataPage, tmp_path: Path
) -> None:
    broken = tmp_path / "lab_broken.csv"
    broken.write_text(BROKEN_LAB, "utf-8")
    _add_and_wait(qtbot, page, [broken])
    with qtbot.waitSignal(page.wizard.rejected, timeout=TIMEOUT_MS):
        page.wizard.start_import()
    findings = page.wizard.findings.findings_model.findings
    located = [f for f in findings if f.row is not None and f.column is not None]
    assert located, findings
    assert all(f.file == "lab_broken.csv" for f in located)
    assert {(f.row, f.column) for f in located} >= {(3, "test_age")}
    assert page.wizard.findings_box.isVisible()
    assert "nothing was written" in page.wizard.result.text()
    assert services.project_summary(page.location).counts["lab_results"] == 0
    finding = next(f for f in located if f.row == 3)
    assert page.wizard.show_finding(finding)
    _assert_jump(page, finding)


def test_findings_jump_to_their_cell_in_the_preview(
    qtbot, page: DataPage, tmp_path: Path
) -> None:
    # The wizard's side alone: findings as a rejected import returns them.
    broken = tmp_path / "lab_broken.csv"
    broken.write_text(BROKEN_LAB, "utf-8")
    _add_and_wait(qtbot, page, [broken])
    finding = Finding("lab_broken.csv", 4, "value", "not a number: 'n/a'")
    page.wizard._on_imported(TaskOutcome(error="Import rejected", findings=(finding,)))
    assert page.wizard.findings.findings_model.rowCount() == 1
    assert page.wizard.findings_box.isVisibleTo(page)
    with qtbot.waitSignal(page.wizard.findings.jump_requested):
        page.wizard.findings.activated.emit(page.wizard.findings.model().index(0, 4))
    _assert_jump(page, finding)


def _assert_jump(page: DataPage, finding: Finding) -> None:
    preview = page.wizard.preview
    current = preview.table.currentIndex()
    model = preview.model
    assert model.headerData(current.row(), Qt.Orientation.Vertical) == str(finding.row)
    assert model.headerData(current.column(), Qt.Orientation.Horizontal) == finding.column


def test_mapping_edits_update_the_profile_and_invalid_fields_are_explained(
    qtbot, page: DataPage, tmp_path: Path
) -> None:
    _add_and_wait(qtbot, page, _write_plant_files(tmp_path / "plant"))
    wizard = page.wizard
    entry = wizard.select_file("recipes.csv")
    wizard.mapping.set_field("fly_ash (kg/m3)", "")
    assert "fly_ash (kg/m3)" not in [c.source for c in entry.profile.columns]
    wizard.mapping.set_field("water (kg/m3)", "colour")
    assert "unknown field" in wizard.mapping_status.text()


def test_profile_save_and_load_round_trip(qtbot, page: DataPage, tmp_path: Path) -> None:
    _add_and_wait(qtbot, page, _write_plant_files(tmp_path / "plant"))
    wizard = page.wizard
    wizard.select_file("recipes.csv")
    wizard.mapping.set_field("fly_ash (kg/m3)", "component:pfa")
    target = tmp_path / "recipes_profile.toml"
    wizard.save_profile(target)
    assert "Profile saved" in wizard.mapping_status.text()
    wizard.mapping.set_field("fly_ash (kg/m3)", "component:fly_ash")
    wizard.load_profile(target)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=TIMEOUT_MS)
    assert wizard.mapping.field_of("fly_ash (kg/m3)") == "component:pfa"


def test_cancelling_an_import_writes_nothing(qtbot, page: DataPage, tmp_path: Path) -> None:
    _add_and_wait(qtbot, page, _write_plant_files(tmp_path / "plant"))
    task = page.wizard.start_import()
    assert task is not None and page.wizard.progress.isVisible()
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS) as finished:
        page.wizard.progress.cancel_button.click()
    assert finished.args[0].cancelled
    assert "nothing was written" in page.wizard.result.text()
    assert services.project_summary(page.location).counts["recipes"] == 0
    assert len(page.wizard.files) == 4  # the user can try again


def test_closing_the_page_cancels_its_work(qtbot, project: str, tmp_path: Path) -> None:
    page = DataPage()
    qtbot.addWidget(page)
    page.set_project(project)
    page.wizard.add_files(_write_plant_files(tmp_path / "plant"))
    page.close()  # the leak guard fails this test if a worker outlives it
    assert not page.runner.busy


def test_the_demo_project_opens_with_its_table_and_report(qtbot, demo_project: Path) -> None:
    page = DataPage()
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    with qtbot.waitSignal(page.table_ready, timeout=TIMEOUT_MS) as ready:
        page.set_project(str(demo_project))
    assert ready.args[0] > 900  # one row per batch × test age of the 1,030 UCI results
    assert page.table_view.model.rowCount() == ready.args[0]
    table_view = page.table_view
    with qtbot.waitSignal(table_view.filtered, timeout=TIMEOUT_MS) as filtered:
        table_view.filter_edit.setText("B00007")
    assert 0 < filtered.args[0] < ready.args[0]
    report = page.report_view
    assert "Every record" in report.headline.text() or report.issues.topLevelItemCount()
    out = demo_project.parent / "table.csv"
    task = page.export(out)
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS):
        pass
    assert out.exists() and out.stat().st_size > 0


def test_a_us_project_reads_its_table_in_pounds_per_cubic_yard_and_psi(
        qtbot, demo_project: Path) -> None:
    from engine.display_units import DisplayUnits

    page = DataPage()
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.table_ready, timeout=TIMEOUT_MS):
        page.set_project(str(demo_project))
    model = page.table_view.model
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert "cement [kg/m³]" in headers and "compressive_strength [MPa]" in headers
    cement = headers.index("cement [kg/m³]")
    metric = float(model.data(model.index(0, cement)).replace(",", ""))
    page.set_display_units(DisplayUnits("US"))
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert "cement [lb/yd³]" in headers and "compressive_strength [psi]" in headers
    pounds = float(model.data(model.index(0, headers.index("cement [lb/yd³]"))).replace(",", ""))
    assert pounds == pytest.approx(metric * 1.685555, rel=1e-3)
    assert page.table.frame["cement"].iloc[0] == pytest.approx(metric, rel=1e-3)  # as stored


def test_the_process_series_of_a_batch_is_plotted(qtbot, demo_project: Path) -> None:
    page = DataPage()
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.table_ready, timeout=TIMEOUT_MS):
        page.set_project(str(demo_project))
    page.tabs.setCurrentIndex(PLOTS_TAB)  # the plots are built on first view, and the
    with qtbot.waitSignal(page.series_plot.shown, timeout=TIMEOUT_MS) as shown:  # first batch
        pass  # is loaded on a worker
    assert shown.args[0] == page.series_plot.batch_combo.itemText(0)
    assert page.series_plot.tag_combo.count() >= 1
    assert page.series_plot.plot.isVisibleTo(page)
    assert "samples" in page.series_plot.status.text()


def test_the_export_dialog_offers_parquet_only_with_pyarrow(monkeypatch) -> None:
    import sys

    from desktop.pages.data_page import export_filters

    pytest.importorskip("pyarrow")
    assert export_filters() == "CSV (*.csv);;Parquet (*.parquet)"
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as in the offline bundle
    assert export_filters() == "CSV (*.csv)"


def test_a_us_project_reads_its_historian_in_fahrenheit(qtbot, demo_project: Path) -> None:
    from engine.display_units import DisplayUnits

    page = DataPage()
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.table_ready, timeout=TIMEOUT_MS):
        page.set_project(str(demo_project))
    page.set_display_units(DisplayUnits("US"))
    page.tabs.setCurrentIndex(PLOTS_TAB)
    with qtbot.waitSignal(page.series_plot.shown, timeout=TIMEOUT_MS):
        pass
    plot = page.series_plot
    plot.tag_combo.setCurrentText("mix_temperature")
    plot._draw()
    label = plot.plot.getPlotItem().getAxis("left").labelText
    assert label == "mix_temperature [°F]"
    (curve,) = plot.plot.getPlotItem().listDataItems()
    _x, y = curve.getData()
    metric = plot._result.frame
    celsius = metric.loc[metric["tag"] == "mix_temperature", "value"].astype(float)
    assert sorted(y) == pytest.approx(sorted(celsius * 9 / 5 + 32))
