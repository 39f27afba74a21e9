"""Save a screenshot of every page, with real results, to ``docs/screenshots/`` (offscreen).

``python -m desktop.screenshots [--demo-folder DIR] [--out DIR]`` builds the demo project
(through the service) if needed, opens it and walks the workflow as a user would: the Data
tabs, Models after training (5-fold cross-validation), Optimise with its front, a selected
recommendation's card, and a trial recorded as a *demonstration* (recommendation #1 recorded
against existing demo batches, which were not made to it). Layout problems (clipped text, empty
areas, boxes instead of glyphs) can so be seen without a display.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from desktop.pages.data_page import DataPage

__all__ = ["DEMONSTRATION_BATCHES", "save_screenshots", "wait_until"]

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SIZE = (1280, 800)
DEMONSTRATION_BATCHES = ("B00001", "B00002", "B00003")
"""Existing demo batches a recommendation is recorded against, to show the Trials page."""
TIMEOUT_S = 300


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


def save_screenshots(out: Path, project: Path | str | None, settings_file: Path, *,
                     training: Any = None, folds: int = 5, population: int = 60,
                     generations: int = 40) -> list[Path]:
    """Open ``project`` in a main window and save one PNG per page (and per Data tab).

    Args:
        out: folder for the PNGs.
        project: the demo project (changed: a model version, a run, recommendations and a
            demonstration trial are added); None shoots the empty shell.
        settings_file: QSettings file (kept out of the user's settings).
        training: a TrainingReport to show instead of training on the Models page.
        folds, population, generations: training and optimisation sizes.
    """
    from desktop.about import AboutDialog
    from desktop.main_window import MainWindow
    from desktop.pages.data_page import IMPORT_TAB, PLOTS_TAB, REPORT_TAB, TABLE_TAB, DataPage

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
    saved += _models_shots(window, out, project is not None, training, folds)
    saved += _optimise_shots(window, out, project is not None, population, generations)
    saved.append(_recommendations_shot(window, out))
    saved.append(_trials_shot(window, out))
    about = AboutDialog(window)
    about.show()
    saved.append(_grab(about, out / "about.png"))
    about.close()
    window.show_page(0)
    window.close()
    return saved


def _models_shots(window: Any, out: Path, trained: bool, training: Any,
                  folds: int) -> list[Path]:
    """Models after training: parity plot, then the coverage tab."""
    from desktop.pages.models_page import ModelsPage

    window.show_page_titled("Models")
    models = window.page_by_title("Models")
    assert isinstance(models, ModelsPage)
    if trained:
        wait_until(lambda: models.targets_list.count() > 0, 60)
        if training is not None:
            models.show_evaluation(training.to_mapping())
        else:
            shown: list[int] = []
            models.evaluation_shown.connect(shown.append)
            models.folds_spin.setValue(folds)
            models.train()
            if not wait_until(lambda: bool(shown) or models.train_task is None, TIMEOUT_S):
                print("screenshots: training did not finish in time", file=sys.stderr)
    paths = [_grab(window, out / "models.png")]
    models.plots.setCurrentWidget(models.coverage_chart)
    paths.append(_grab(window, out / "models_coverage.png"))
    models.plots.setCurrentWidget(models.parity)
    return paths


def _optimise_shots(window: Any, out: Path, project: bool, population: int,
                    generations: int) -> list[Path]:
    """The study's goals and limits, then the front after a run."""
    from desktop.pages.optimise_page import OptimisePage

    window.show_page_titled("Optimise")
    page = window.page_by_title("Optimise")
    assert isinstance(page, OptimisePage)
    if project:
        wait_until(lambda: bool(page.study_source), 60)
    page.editor.tabs.setCurrentIndex(2)
    paths = [_grab(window, out / "optimise_goals.png")]
    page.editor.tabs.setCurrentIndex(0)
    if project and page.run_button.isEnabled():
        page.editor.population_spin.setValue(population)
        page.editor.generations_spin.setValue(generations)
        page.run()
        wait_until(lambda: page.run_task is None, TIMEOUT_S)
    paths.append(_grab(window, out / "optimise.png"))
    return paths


def _recommendations_shot(window: Any, out: Path) -> Path:
    """The recommendations of the run, the first one's card shown."""
    from desktop.pages.recommendations_page import RecommendationsPage

    window.show_page_titled("Recommendations")
    page = window.page_by_title("Recommendations")
    assert isinstance(page, RecommendationsPage)
    if page.run is not None:
        wait_until(lambda: bool(page.cards) or page.recommend_task is None, 120)
        wait_until(lambda: page.recommend_task is None, 120)
    page.table.setFocus()
    return _grab(window, out / "recommendations.png")


def _trials_shot(window: Any, out: Path) -> Path:
    """Recommendation #1 recorded against existing demo batches, labelled a demonstration."""
    from desktop.pages.trials_page import TrialsPage

    window.show_page_titled("Trials")
    page = window.page_by_title("Trials")
    assert isinstance(page, TrialsPage)
    wait_until(lambda: not page.runner.busy, 120)
    if page.recommendation_combo.count() and page.batch_list.count():
        page.set_batches_checked(list(DEMONSTRATION_BATCHES))
        page.note_edit.setText("demonstration: existing demo batches, not made to this recipe")
        recorded: list[object] = []
        page.trial_recorded.connect(recorded.append)
        if page.record(force=True) is not None:  # the batches do not fit: recorded anyway
            wait_until(lambda: bool(recorded) or page.record_task is None, 60)
        page.message.show_message(
            "Demonstration only: recommendation #1 was recorded against existing demo batches "
            f"{', '.join(DEMONSTRATION_BATCHES)}, which were not made to it — this shows how "
            "trials are recorded and compared, not how good the recommendation is.")
    return _grab(window, out / "trials.png")


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
