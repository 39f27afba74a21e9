"""The Data page's import history: the imports are listed, and "Remove import…" states what
goes (with the imports that depend on it) before removing it on a worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop.pages.data_page import IMPORTS_TAB, DataPage
from engine import services
from tests.desktop.test_data_page import _write_plant_files

pytestmark = pytest.mark.gui

TIMEOUT_MS = 60_000


@pytest.fixture
def page(qtbot, tmp_path: Path) -> DataPage:
    project = services.create_project(tmp_path / "plant.formix").location
    recipes, batches, labs, log = _write_plant_files(tmp_path / "plant")
    for path, kind in ((recipes, "recipes"), (batches, "batches"), (labs, "lab_results"),
                       (log, "process_series")):
        services.import_files(project, [path], kind=kind)
    page = DataPage()
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.set_project(project)
    page.tabs.setCurrentIndex(IMPORTS_TAB)
    qtbot.waitUntil(lambda: not page.runner.busy and len(page.history.entries) == 4,
                    timeout=TIMEOUT_MS)
    return page


def _rows(page: DataPage) -> list[tuple[str, str, str]]:
    table = page.history.table
    return [(table.item(r, 0).text(), table.item(r, 1).text(), table.item(r, 5).text())
            for r in range(table.rowCount())]


def test_the_imports_are_listed_with_what_they_hold(page: DataPage) -> None:
    assert _rows(page) == [("1", "recipes.csv", "3 materials, 5 recipes"),
                           ("2", "batches.csv", "5 batches"),
                           ("3", "lab_results.csv", "10 lab results"),
                           ("4", "mixer_log.csv", "30 historian samples")]
    assert not page.history.remove_button.isEnabled()  # nothing selected yet
    page.history.select_import(1)
    assert page.history.remove_button.isEnabled()


def test_removing_a_recipe_import_names_its_dependents_and_removes_them_when_confirmed(
        qtbot, page: DataPage, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[Any] = []

    def confirm(plan: Any, full: Any) -> bool:
        box = page.history.removal_dialog(plan, full)
        shown.append(box.text())
        box.show()
        box.grab().save("/tmp/import_history_confirm.png")
        box.close()
        return True

    monkeypatch.setattr(page.history, "confirm", confirm)
    page.history.select_import(1)
    page.grab().save("/tmp/import_history_tab.png")
    with qtbot.waitSignal(page.history.removed, timeout=TIMEOUT_MS) as removed:
        page.history.remove_button.click()
    [text] = shown
    assert "Remove import 1 (recipes.csv) and 2 import(s) that depend on it?" in text
    assert "import 2 (batches.csv): 5 batches name recipes it added" in text
    assert "import 3: lab_results.csv (lab_results), 10 lab results (depends on it)" in text
    assert [e.import_id for e in removed.args[0].imports] == [1, 2, 3]
    counts = services.project_summary(page.location).counts
    assert (counts["recipes"], counts["batches"], counts["lab_results"]) == (0, 0, 0)
    assert counts["process_series"] == 30  # the historian log does not depend on them
    qtbot.waitUntil(lambda: not page.runner.busy and len(page.history.entries) == 1,
                    timeout=TIMEOUT_MS)
    assert [row[1] for row in _rows(page)] == ["mixer_log.csv"]


def test_cancelling_the_confirmation_removes_nothing(qtbot, page: DataPage,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    monkeypatch.setattr(page.history, "confirm",
                        lambda plan, _full: asked.append(plan.import_id) or False)
    page.history.select_import(3)
    page.history.remove_button.click()
    qtbot.waitUntil(lambda: asked == [3] and not page.runner.busy, timeout=TIMEOUT_MS)
    assert services.project_summary(page.location).counts["lab_results"] == 10
    assert len(page.history.entries) == 4
