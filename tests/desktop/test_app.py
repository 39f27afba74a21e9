"""Start-up: ``python -m desktop`` shows the window; the first start offers the demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from desktop.main_window import MainWindow
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.gui


def test_python_m_desktop_shows_the_main_window(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--quit-when-shown", "--no-demo-offer"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "window shown" in result.stdout


# The engine's xlrd DeprecationWarning is reported in desktop/NEEDS_FROM_ENGINE.md (#2).
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_first_start_offers_the_demo_and_opens_it(
    qtbot, settings: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = []

    def answer_yes(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(args[1])
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer_yes)
    window = MainWindow(settings=settings, demo_folder=tmp_path / "demo")
    qtbot.addWidget(window)
    window.show()
    opened: list[str] = []
    window.project_opened.connect(opened.append)
    window.offer_demo_if_first_start()
    assert window.task_progress.isVisible()  # progress and Cancel while the demo is built
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=120_000)
    assert asked == ["Welcome to Formix"]
    assert opened, window.statusBar().currentMessage()
    assert opened[0].endswith("demo.formix")
    assert window.recent.items() == opened
    assert "demo.formix" in window.windowTitle()
    asked.clear()
    window.offer_demo_if_first_start()  # not the first start any more
    assert asked == []
