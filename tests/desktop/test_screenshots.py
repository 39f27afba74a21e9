"""Every page can be grabbed offscreen with readable, real content (``desktop/screenshots.py``).

``python -m desktop.screenshots`` writes the same pictures to docs/screenshots/ (with 5-fold
training and a larger optimisation); here the session's trained demo is reused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from desktop.screenshots import save_screenshots
from tests.desktop.conftest import TrainedDemo, copy_project

pytestmark = pytest.mark.gui

EXPECTED = {"data_import", "data_table", "data_link_report", "data_plots",
            "data_import_findings", "models", "models_coverage", "optimise_goals", "optimise",
            "recommendations", "trials", "about"}


def _distinct_colours(image: QImage, step: int = 7) -> int:
    colours = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            colours.add(image.pixel(x, y))
    return len(colours)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_page_is_captured_with_content(qtbot, trained_demo: TrainedDemo,
                                             tmp_path: Path) -> None:
    project = copy_project(Path(trained_demo.location), tmp_path / "project")
    paths = save_screenshots(tmp_path / "shots", project, tmp_path / "settings.ini",
                             training=trained_demo.report, population=24, generations=8)
    assert {p.stem for p in paths} == EXPECTED
    for path in paths:
        image = QImage(str(path))
        assert not image.isNull() and image.width() >= 600, path.name
        assert _distinct_colours(image) > 20, f"{path.name} looks blank"
