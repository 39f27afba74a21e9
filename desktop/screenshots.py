"""Save a screenshot of every page to ``docs/screenshots/`` (offscreen works).

``python -m desktop.screenshots [--demo-folder DIR] [--out DIR]`` builds the demo project
(through the service) if needed, opens it and grabs each page, so layout problems (clipped
text, empty areas, boxes instead of glyphs) can be seen without a display.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from desktop.pages.data_page import DataPage

__all__ = ["save_screenshots", "synthetic_evaluation", "wait_until"]

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SIZE = (1280, 800)


def wait_until(predicate: Callable[[], bool], timeout_s: float = 60.0) -> bool:
    """Process events until ``predicate()`` is true; returns whether it became true."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QApplication.processEvents()
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


def _grab(widget: QWidget, path: Path) -> Path:
    for _ in range(5):  # let layouts and plots settle
        QApplication.processEvents()
        time.sleep(0.02)
    widget.grab().save(str(path))
    return path


def synthetic_evaluation() -> dict[str, object]:
    """A made-up evaluation to check the Models page layout (never shown as a result)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    measured = rng.uniform(10, 80, 300)
    predicted = measured + rng.normal(0, 5, 300)
    width = rng.uniform(7, 11, 300)
    predictions = pd.DataFrame({"measured": measured, "predicted": predicted,
                                "lower": predicted - width, "upper": predicted + width})
    inputs = ["cement", "water_cement_ratio", "age_days", "blast_furnace_slag", "fly_ash",
              "superplasticizer", "coarse_aggregate", "fine_aggregate", "mix_temperature_mean"]
    return {
        "cv": pd.DataFrame({"target": ["compressive_strength_28d", "slump"],
                            "rmse": [5.21, 2.9], "mae": [3.95, 2.1], "r2": [0.9, 0.62],
                            "coverage": [0.88, 0.91], "mean_interval_width": [17.9, 9.6]}),
        "predictions": {"compressive_strength_28d": predictions},
        "importance": {"compressive_strength_28d": pd.Series(
            np.sort(rng.uniform(0.2, 9, len(inputs)))[::-1], index=inputs)},
        "units": {"compressive_strength_28d": "MPa", "slump": "mm"},
        "nominal_coverage": 0.9,
        "versions": [{"version": "v1", "created": "layout check", "targets": "2 targets",
                      "note": "synthetic numbers, not a model"}],
    }


def save_screenshots(out: Path, project: Path | None, settings_file: Path) -> list[Path]:
    """Open ``project`` in a main window and save one PNG per page (and per Data tab)."""
    from desktop.about import AboutDialog
    from desktop.main_window import MainWindow
    from desktop.pages.data_page import IMPORT_TAB, PLOTS_TAB, REPORT_TAB, TABLE_TAB, DataPage
    from desktop.pages.models_page import ModelsPage

    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    window = MainWindow(settings=QSettings(str(settings_file), QSettings.Format.IniFormat))
    window.resize(*SIZE)
    window.show()
    data = window.page(0)
    assert isinstance(data, DataPage)
    if project is not None:
        ready: list[int] = []
        data.table_ready.connect(ready.append)
        window.open_project(str(project))
        if not wait_until(lambda: bool(ready), 120):
            print("screenshots: the modelling table was not ready in time", file=sys.stderr)
    shots = ((IMPORT_TAB, "data_import"), (TABLE_TAB, "data_table"),
             (REPORT_TAB, "data_link_report"), (PLOTS_TAB, "data_plots"))
    for tab, name in shots:
        data.tabs.setCurrentIndex(tab)
        if tab == PLOTS_TAB:
            wait_until(lambda: not data.runner.busy, 10)
        saved.append(_grab(window, out / f"{name}.png"))
    if project is not None:
        saved.append(_import_findings_shot(window, data, out))
    for index, name in ((1, "models"), (2, "optimise"), (3, "recommendations"), (4, "trials")):
        window.show_page(index)
        saved.append(_grab(window, out / f"{name}.png"))
    models = window.page(1)
    assert isinstance(models, ModelsPage)
    models.show_evaluation(synthetic_evaluation())
    window.show_page(1)
    saved.append(_grab(window, out / "models_layout_check_synthetic.png"))
    about = AboutDialog(window)
    about.show()
    saved.append(_grab(about, out / "about.png"))
    about.close()
    window.show_page(0)
    window.close()
    return saved


def _import_findings_shot(window: QWidget, data: DataPage, out: Path) -> Path:
    """A rejected import of a broken lab file: findings listed, first one jumped to."""
    folder = Path(tempfile.mkdtemp(prefix="formix_shot_"))
    broken = folder / "lab_results_broken.csv"
    broken.write_text(
        "batch_id,property,test_age,value,unit\n"
        "B00001,compressive_strength,28,41.2,MPa\n"
        "B00002,compressive_strength,twenty-eight,38.0,MPa\n"
        "B00003,compressive_strength,28,,MPa\n"
        "B00004,compressive_strength,7,n/a,MPa\n",
        "utf-8",
    )
    wizard = data.wizard
    data.tabs.setCurrentIndex(0)
    wizard.add_files([broken])
    wait_until(lambda: not wizard.busy, 30)
    rejected: list[int] = []
    wizard.rejected.connect(rejected.append)
    wizard.imported.connect(lambda _r: rejected.append(0))
    if wizard.start_import() is not None:
        wait_until(lambda: bool(rejected), 60)
    findings = wizard.findings.findings_model.findings
    if findings:
        wizard.findings.selectRow(0)
        wizard.show_finding(findings[0])
    return _grab(window, out / "data_import_findings.png")


def main(argv: list[str] | None = None) -> int:
    """Build (or reuse) the demo project and save the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo-folder", type=Path, default=None,
                        help="where the demo project is (created if absent)")
    parser.add_argument("--no-project", action="store_true", help="shoot the empty shell")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    from desktop.app import configure_application

    configure_application(app)
    project = None
    if not args.no_project:
        from engine import services

        folder = args.demo_folder or Path(tempfile.mkdtemp(prefix="formix_demo_"))
        project, _summary, _created = services.create_demo(folder)
    with tempfile.TemporaryDirectory() as settings_dir:
        paths = save_screenshots(args.out, project, Path(settings_dir) / "formix.ini")
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
