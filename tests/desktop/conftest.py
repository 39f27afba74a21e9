"""Desktop test fixtures: isolated settings, a configured app, and a worker-leak guard."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("PySide6", reason="the desktop tests need PySide6 (formix[desktop])")
pytest.importorskip("pytestqt", reason="the desktop tests need pytest-qt")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

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
