"""Every page can be grabbed offscreen with readable content (``desktop/screenshots.py``).

``python -m desktop.screenshots`` writes the same pictures to docs/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from desktop.screenshots import save_screenshots

pytestmark = pytest.mark.gui

EXPECTED = {"data_import", "data_table", "data_link_report", "data_plots",
            "data_import_findings", "models", "optimise", "recommendations", "trials",
            "models_layout_check_synthetic", "about"}


def _distinct_colours(image: QImage, step: int = 7) -> int:
    colours = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            colours.add(image.pixel(x, y))
    return len(colours)


def test_every_page_is_captured_with_content(qtbot, demo_project: Path, tmp_path: Path) -> None:
    paths = save_screenshots(tmp_path / "shots", demo_project, tmp_path / "settings.ini")
    assert {p.stem for p in paths} == EXPECTED
    for path in paths:
        image = QImage(str(path))
        assert not image.isNull() and image.width() >= 600, path.name
        assert _distinct_colours(image) > 20, f"{path.name} looks blank"
