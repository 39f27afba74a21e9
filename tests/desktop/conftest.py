"""Desktop test fixtures: isolated settings, a configured app, a worker-leak guard, and the
demo project (built once per session; a trained copy cached for the later workflow steps)."""

from __future__ import annotations

import shutil
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6", reason="the desktop tests need PySide6 (formix[desktop])")
pytest.importorskip("pytestqt", reason="the desktop tests need pytest-qt")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from desktop.service_gaps import has_service
from desktop.workers import running_task_names

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def check_no_leaked_workers(grace_s: float = 10.0) -> None:
    """Fail when a worker job is still running; first give it ``grace_s`` to end.

    Waiting keeps one leak from cascading into the next test; failing makes it visible.
    """
    leaked = running_task_names()
    if not leaked:
        return
    deadline = time.monotonic() + grace_s
    while running_task_names() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    pytest.fail(f"worker job(s) outlived the test: {leaked}; shut their runner down "
                "(close the page) before the test ends", pytrace=False)


@pytest.fixture(autouse=True)
def _no_leaked_workers() -> Iterator[None]:
    # Autouse, so it is set up before qtbot and torn down after qtbot closed the widgets.
    yield
    check_no_leaked_workers()


@pytest.fixture(autouse=True)
def _app(qapp: QApplication, tmp_path_factory: pytest.TempPathFactory) -> QApplication:
    """The QApplication configured as ``formix`` does, with settings kept out of $HOME."""
    from desktop.app import configure_application

    if not qapp.property("formix_configured"):
        folder = tmp_path_factory.mktemp("qsettings")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
        configure_application(qapp)
        qapp.setProperty("formix_configured", True)
    return qapp


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """Fresh settings for one test (no recent projects, no saved geometry)."""
    return QSettings(str(tmp_path / "formix.ini"), QSettings.Format.IniFormat)


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project, built once per test session through the service."""
    from engine import services

    folder = tmp_path_factory.mktemp("demo")
    with warnings.catch_warnings():
        # The GUI tests are not where the engine's deprecations are judged (its own tests are).
        warnings.simplefilter("ignore", DeprecationWarning)
        path, _summary, _created = services.create_demo(folder)
    return Path(path)


def copy_project(source: Path, folder: Path, name: str | None = None) -> str:
    """A private copy of a SQLite project, kept named ``demo.formix`` unless ``name`` is given
    (the engine recognises the demo by that name and offers its study)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or source.name)
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy2(f"{source}{suffix}", f"{target}{suffix}")
    return str(target)


@pytest.fixture
def demo_copy(demo_project: Path, tmp_path: Path) -> str:
    """An untrained copy of the demo project that a test may change."""
    return copy_project(demo_project, tmp_path / "copy")


@dataclass(frozen=True)
class TrainedDemo:
    """The demo project with a trained model set (read-only for tests: copy to modify)."""

    location: str
    report: Any  # the TrainingReport


TRAIN_FOLDS = 2  # quick cross-validation: the tests check the workflow, not the model


@pytest.fixture(scope="session")
def trained_demo(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainedDemo:
    """The demo project trained once per session (2-fold CV) through the service."""
    from engine import services

    location = copy_project(demo_project, tmp_path_factory.mktemp("trained"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        report = services.train_models(location, cv_folds=TRAIN_FOLDS)
    return TrainedDemo(location, report)


def needs_services(*names: str) -> pytest.MarkDecorator:
    """Skip until ``engine.services`` offers these functions (requested in
    desktop/NEEDS_FROM_ENGINE.md)."""
    missing = [name for name in names if not has_service(name)]
    return pytest.mark.skipif(bool(missing), reason=f"engine.services lacks {missing} "
                              "(requested in desktop/NEEDS_FROM_ENGINE.md)")
