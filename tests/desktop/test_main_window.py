"""The shell: opens (files and server projects), navigates, menus and shortcuts, recent projects,
geometry, About."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QInputDialog

from desktop.about import AboutDialog, versions
from desktop.main_window import PAGES, MainWindow
from desktop.pages.base import Page
from tests.postgres import PostgresServer

pytestmark = pytest.mark.gui


def _window(qtbot, settings: QSettings, **kwargs: object) -> MainWindow:
    window = MainWindow(settings=settings, **kwargs)
    qtbot.addWidget(window)
    window.show()
    return window


def test_shell_opens_on_the_data_page(qtbot, settings: QSettings) -> None:
    window = _window(qtbot, settings)
    assert window.isVisible()
    assert [window.navigation.item(i).text() for i in range(window.navigation.count())] == [
        "Data", "Models", "Optimise", "Recommendations", "Trials"]
    assert window.navigation.currentRow() == 0
    assert window.stack.currentWidget().title == "Data"
    assert window.project_label.text() == "No project open"


def test_navigation_shows_each_page(qtbot, settings: QSettings) -> None:
    window = _window(qtbot, settings)
    for index, (title, _module, _cls) in enumerate(PAGES):
        window.navigation.setCurrentRow(index)
        page = window.stack.currentWidget()
        assert isinstance(page, Page) and page.title == title
        assert page.isVisible()
    assert window.page_by_title("Models") is window.page(1)  # built once


def test_pages_say_what_they_need_before_a_project_is_open(qtbot, settings: QSettings) -> None:
    window = _window(qtbot, settings)
    for title in ("Models", "Optimise", "Recommendations", "Trials"):
        page = window.page_by_title(title)
        window.show_page_titled(title)
        assert window.stack.currentWidget() is page
        assert page.notice.isVisible()
        said = page.notice.title_label.text()
        assert any(text in said for text in ("Open a project first", "Not available yet",
                                             "No optimisation yet")), (title, said)


def test_a_result_published_by_one_page_reaches_the_others(qtbot, settings: QSettings) -> None:
    window = _window(qtbot, settings)
    models = window.page_by_title("Models")
    seen = []
    models.on_shared = lambda key, value: seen.append((key, value))  # type: ignore[method-assign]
    window.page_by_title("Trials").publish("trial_recorded", [1])
    assert seen == [("trial_recorded", [1])]
    assert window.shared == {"trial_recorded": [1]}


def test_menus_have_standard_shortcuts(qtbot, settings: QSettings) -> None:
    window = _window(qtbot, settings)
    actions = {a.text().replace("&", ""): a for menu in window.menuBar().findChildren(
        type(window.recent_menu)) for a in menu.actions()}
    assert actions["New project…"].shortcut() == QKeySequence(QKeySequence.StandardKey.New)
    assert actions["Open project…"].shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert actions["Quit"].shortcut() == QKeySequence(QKeySequence.StandardKey.Quit)
    assert "Open demo project" in actions and "About Formix" in actions
    assert not window.recent_menu.isEnabled()  # no recent project yet


def test_recent_projects_and_geometry_persist(
    qtbot, settings: QSettings, tmp_path: Path
) -> None:
    window = _window(qtbot, settings)
    window.recent.add(str(tmp_path / "a.formix"))
    window.recent.add(str(tmp_path / "b.formix"))
    window.recent.add(str(tmp_path / "a.formix"))
    window.resize(720, 530)
    window.show_page(2)
    window.close()
    again = _window(qtbot, settings)
    assert again.recent.items() == [str(tmp_path / "a.formix"), str(tmp_path / "b.formix")]
    assert again.size().width() == 720 and again.size().height() == 530
    assert again.navigation.currentRow() == 2


def test_opening_a_missing_project_is_a_readable_error(
    qtbot, settings: QSettings, tmp_path: Path
) -> None:
    window = _window(qtbot, settings)
    missing = str(tmp_path / "gone.formix")
    window.recent.add(missing)
    window.open_project(missing)
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    assert "Could not open the project" in window.statusBar().currentMessage()
    assert "Traceback" not in window.statusBar().currentMessage()
    assert missing not in window.recent.items()


def test_about_lists_versions_and_attributions(qtbot) -> None:
    names = dict(versions())
    assert {"Formix", "Python", "Qt", "LightGBM", "pymoo"} <= set(names)
    assert names["Formix"] != "not installed"
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = dialog.attributions.toPlainText()
    assert "I-Cheng Yeh" in text and "DejaVu" in text


def test_the_unit_choice_reaches_every_page_and_stays_with_the_project(
    qtbot, settings: QSettings, tmp_path: Path
) -> None:
    from engine import services

    project = tmp_path / "plant.formix"
    services.create_project(project)
    window = _window(qtbot, settings)
    window.open_project(str(project))
    qtbot.waitUntil(lambda: window.location is not None, timeout=20_000)
    models = window.page_by_title("Models")
    assert models.units.system == "SI"
    checked = [a.data() for a in window.unit_actions.actions() if a.isChecked()]
    assert checked == ["SI"]
    us = next(a for a in window.unit_actions.actions() if a.data() == "US")
    us.trigger()
    assert models.units.system == "US"
    assert window.page_by_title("Trials").units.system == "US"  # built after the choice
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=20_000)
    assert services.display_units(project).system == "US"
    window.close()
    again = _window(qtbot, settings)
    again.open_project(str(project))
    qtbot.waitUntil(lambda: again.location is not None, timeout=20_000)
    assert again.page_by_title("Recommendations").units.system == "US"
    assert [a.data() for a in again.unit_actions.actions() if a.isChecked()] == ["US"]


def _server_menu(qtbot, window: MainWindow, url: str, monkeypatch: pytest.MonkeyPatch,
                 item: str = "Open server project…") -> None:
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: (f" {url} ", True))
    action = next(a for a in window.menuBar().actions()[0].menu().actions()
                  if a.text().replace("&", "") == item)
    action.trigger()
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30_000)


def test_a_project_on_a_database_server_opens_from_the_file_menu(
    qtbot, settings: QSettings, postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from engine import services

    url = postgres_server.fresh_database("formix_desktop")
    password = postgres_server.password
    with_password = postgres_server.with_password(url)
    services.create_project(with_password)
    window = _window(qtbot, settings)

    _server_menu(qtbot, window, with_password, monkeypatch)
    assert window.location == with_password
    assert "Opened" in window.statusBar().currentMessage()
    shown = [window.windowTitle(), window.project_label.text(),
             window.project_label.toolTip(), window.statusBar().currentMessage()]
    assert all(password not in text and "***" in text for text in shown[:3]), shown
    assert password not in shown[3]
    data_page = window.page_by_title("Data")
    assert data_page.summary.text() == window.project_label.text()
    assert window.recent.items() == []  # a URL holding a password is not remembered

    monkeypatch.setenv("PGPASSWORD", password)
    _server_menu(qtbot, window, url, monkeypatch)
    assert window.location == url and window.project_label.text() == url
    assert window.recent.items() == [url]
    assert window.recent_menu.actions()[0].text() == f"&1  {url}"


def test_a_server_project_is_created_from_the_file_menu(
    qtbot, settings: QSettings, postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)
    url = postgres_server.fresh_database("formix_desktop_new")
    window = _window(qtbot, settings)
    _server_menu(qtbot, window, url, monkeypatch, "New server project…")
    assert window.location == url
    assert "empty project" in window.statusBar().currentMessage()

    _server_menu(qtbot, window, url, monkeypatch, "New server project…")
    assert "holds a Formix project already" in window.statusBar().currentMessage()
    assert window.location == url  # still the project made first
