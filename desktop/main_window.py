"""The main window: start-up, navigation between workflow pages, menus, recent projects.

Holds no domain logic: opening, creating and the demo project are one service call each,
run on a worker. Pages are built the first time they are shown, so the window appears fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from desktop.about import AboutDialog
from desktop.pages.base import Page
from desktop.recent import RecentProjects
from desktop.warmup import freeze_long_lived, load_heavy_modules
from desktop.widgets.task_progress import TaskProgress
from desktop.workers import TaskOutcome, TaskRunner
from engine.types import SYSTEMS, DisplayUnits, is_server_location, shown_location

__all__ = ["PAGES", "MainWindow"]

SERVER_URL_EXAMPLE = "postgresql+psycopg://user@host:5432/formix"

# (title, module, class): one module per workflow step, imported when first shown.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("Data", "desktop.pages.data_page", "DataPage"),
    ("Models", "desktop.pages.models_page", "ModelsPage"),
    ("Optimise", "desktop.pages.optimise_page", "OptimisePage"),
    ("Recommendations", "desktop.pages.recommendations_page", "RecommendationsPage"),
    ("Trials", "desktop.pages.trials_page", "TrialsPage"),
)
PROJECT_FILTER = "Formix projects (*.formix);;All files (*)"


def _services() -> Any:
    from engine import services  # pandas and the readers load here, after the window shows

    return services


class MainWindow(QMainWindow):
    """Navigation list on the left, the current workflow page on the right.

    Args:
        settings: where recent projects and the window geometry are kept (the
            application's QSettings by default; tests pass their own).
        demo_folder: where the demo project is created (None: the engine's default).

    Signals:
        project_opened(str): a project was opened and every page shows it.
    """

    project_opened = Signal(str)

    def __init__(
        self,
        settings: QSettings | None = None,
        demo_folder: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings or QSettings()
        self.recent = RecentProjects(self.settings)
        self.demo_folder = demo_folder
        self.location: str | None = None
        self.runner = TaskRunner(self, max_threads=1)
        self._pages: dict[int, Page] = {}
        self.units = DisplayUnits()  # the open project's display units
        self.shared: dict[str, Any] = {}  # the newest result of each kind, for pages built later

        self.setWindowTitle("Formix")
        self.navigation = QListWidget(self)
        self.navigation.setObjectName("navigation")
        self.navigation.setIconSize(QSize(0, 0))
        self.navigation.setMaximumWidth(200)
        self.navigation.setMinimumWidth(150)
        self.navigation.setStyleSheet("QListWidget#navigation::item { padding: 9px 12px; }")
        self.stack = QStackedWidget(self)
        for title, _module, _cls in PAGES:
            QListWidgetItem(title, self.navigation)
            self.stack.addWidget(QWidget(self.stack))  # placeholder until first shown
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.navigation)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(0, False)
        splitter.setSizes([170, 1000])
        self.setCentralWidget(splitter)

        self.project_label = QLabel("No project open", self)
        self.task_progress = TaskProgress(self)
        self.statusBar().addPermanentWidget(self.task_progress)
        self.statusBar().addPermanentWidget(self.project_label)
        self._build_menus()

        self.navigation.currentRowChanged.connect(self.show_page)
        self.navigation.setCurrentRow(0)
        self._restore_geometry()
        QTimer.singleShot(0, self._warm_up)

    def _warm_up(self) -> None:
        """Load the heavy libraries on a worker once the window shows (see desktop/warmup)."""
        self.runner.start("load libraries", load_heavy_modules,
                          lambda outcome: freeze_long_lived())

    # -- pages ----------------------------------------------------------------------------------
    def page(self, index: int) -> Page:
        """The page at a navigation index, built on first use."""
        if index not in self._pages:
            _title, module_name, class_name = PAGES[index]
            cls = getattr(importlib.import_module(module_name), class_name)
            page: Page = cls(self.stack)
            page.status_message.connect(self.show_status)
            page.project_modified.connect(self._on_project_modified)
            page.shared.connect(self._on_shared)
            page.navigate_requested.connect(self.show_page_titled)
            placeholder = self.stack.widget(index)
            self.stack.insertWidget(index, page)
            if placeholder is not None:
                self.stack.removeWidget(placeholder)
                placeholder.deleteLater()
            self._pages[index] = page
            page.set_display_units(self.units)
            page.set_project(self.location)
            for key, value in self.shared.items():
                page.on_shared(key, value)
            freeze_long_lived()  # the page lives as long as the window
        return self._pages[index]

    def show_page(self, index: int) -> None:
        """Show a workflow page (by navigation index)."""
        if 0 <= index < len(PAGES):
            self.stack.setCurrentWidget(self.page(index))
            if self.navigation.currentRow() != index:
                self.navigation.setCurrentRow(index)

    def show_page_titled(self, title: str) -> None:
        """Show a workflow page by its navigation title."""
        titles = [t for t, _m, _c in PAGES]
        if title in titles:
            self.show_page(titles.index(title))

    def page_by_title(self, title: str) -> Page:
        """A page by its navigation title ("Data", "Models" …)."""
        index = [t for t, _m, _c in PAGES].index(title)
        return self.page(index)

    # -- projects -------------------------------------------------------------------------------
    def open_project(self, location: str) -> None:
        """Open a project: check it with the engine on a worker, then show it on every page."""
        location = str(location)
        self.show_status(f"Opening {shown_location(location)}…")

        def done(outcome: TaskOutcome) -> None:
            if not outcome.ok:
                if outcome.cancelled:
                    return
                if not is_server_location(location) and not Path(location).exists():
                    self.recent.remove(location)
                    self._fill_recent_menu()
                self._show_error("Could not open the project", outcome)
                return
            self._set_project(outcome.value)

        self.runner.start(
            "open project",
            lambda progress, cancel: _services().project_summary(location),
            done,
        )

    def new_project(self) -> None:
        """Ask for a file name and create an empty project there."""
        path, _filter = QFileDialog.getSaveFileName(
            self, "New project", str(Path.home() / "project.formix"), PROJECT_FILTER
        )
        if path:
            self.create_project(path)

    def create_project(self, path: str) -> None:
        """Create an empty project at ``path`` (".formix" is added) and open it."""
        if not is_server_location(path) and not path.lower().endswith(".formix"):
            path += ".formix"

        def done(outcome: TaskOutcome) -> None:
            if outcome.ok:
                self._set_project(outcome.value)
            elif not outcome.cancelled:
                self._show_error("Could not create the project", outcome)

        self.runner.start(
            "create project", lambda progress, cancel: _services().create_project(path), done
        )

    def choose_project(self) -> None:
        """Ask for a project file and open it."""
        recent_file = next((loc for loc in self.recent.items() if not is_server_location(loc)),
                           None)
        start = Path(recent_file).parent if recent_file else Path.home()
        path, _filter = QFileDialog.getOpenFileName(self, "Open project", str(start),
                                                    PROJECT_FILTER)
        if path:
            self.open_project(path)

    def choose_server_project(self) -> None:
        """Ask for the URL of a project database on a server (a plant's shared store) and open
        it; the password comes from ``PGPASSWORD`` or ``~/.pgpass`` unless the URL has one."""
        url = self._ask_server_url("Open server project", "Database URL of the project")
        if url:
            self.open_project(url)

    def new_server_project(self) -> None:
        """Ask for the URL of an empty database on a server and create a project in it."""
        url = self._ask_server_url("New server project",
                                   "Database URL of an empty database (ask IT to create one)")
        if url:
            self.create_project(url)

    def _ask_server_url(self, title: str, what: str) -> str | None:
        url, accepted = QInputDialog.getText(
            self, title,
            f"{what}.\nThe password is read from PGPASSWORD or ~/.pgpass; a URL holding one "
            "is not remembered.",
            text=next((loc for loc in self.recent.items() if is_server_location(loc)),
                      SERVER_URL_EXAMPLE),
        )
        return url.strip() if accepted and url.strip() else None

    def open_demo(self) -> None:
        """Create the demo project if needed (on a worker, with progress) and open it."""
        folder = self.demo_folder

        def done(outcome: TaskOutcome) -> None:
            if outcome.ok:
                _path, summary, created = outcome.value
                self._set_project(summary)
                self.show_status("Demo project created and opened" if created
                                 else "Demo project opened")
            elif outcome.cancelled:
                self.show_status("Demo project: cancelled")
            else:
                self._show_error("Could not create the demo project", outcome)

        task = self.runner.start(
            "create demo project",
            lambda progress, cancel: _services().create_demo(
                folder, progress=progress, cancel=cancel),
            done,
        )
        self.task_progress.track(task, "Preparing the demo project…")

    def offer_demo_if_first_start(self) -> None:
        """On the very first start (no recent project), offer to open the demo project."""
        if self.recent.items() or self.location:
            return
        answer = QMessageBox.question(
            self,
            "Welcome to Formix",
            "No project is open yet.\n\nOpen the demo project? It holds real concrete mixes "
            "and strengths (UCI data) with synthetic plant batches and process logs, so you "
            "can try every step.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.open_demo()

    def _set_project(self, summary: Any) -> None:
        """Show an opened project (its ``ProjectSummary``) on every page."""
        location, counts = summary.location, summary.counts
        self.location = location
        self.shared.clear()  # results of the previous project
        self._show_units(DisplayUnits.of(summary.units))
        if shown_location(location) == location:  # a URL with a password is not remembered
            self.recent.add(location)
        self._fill_recent_menu()
        name = shown_location(location) if is_server_location(location) else Path(location).name
        self.setWindowTitle(f"{name} — Formix")
        self.project_label.setText(name)
        self.project_label.setToolTip(shown_location(location))
        for page in self._pages.values():
            page.set_project(location)
        self.show_status(f"Opened {name}: {_counts_text(counts)}")
        self.project_opened.emit(location)

    def choose_units(self, system: str) -> None:
        """Show results in ``system`` ("SI" or "US") and keep the choice with the project."""
        units = DisplayUnits.of(system)
        self._show_units(units)
        self.show_status(f"Results shown in {SYSTEMS[units.system]} units")
        if self.location is None:
            return
        location = self.location

        def done(outcome: TaskOutcome) -> None:
            if not outcome.ok and not outcome.cancelled:
                self._show_error("Could not save the unit choice", outcome)

        self.runner.start("save units", lambda progress, cancel:
                          _services().set_display_units(location, system), done)

    def _show_units(self, units: DisplayUnits) -> None:
        self.units = units
        for action in self.unit_actions.actions():
            action.setChecked(action.data() == units.system)
        for page in self._pages.values():
            page.set_display_units(units)

    def _on_shared(self, key: str, value: Any) -> None:
        sender = self.sender()
        self.shared[key] = value
        for page in self._pages.values():
            if page is not sender:
                page.on_shared(key, value)

    def _on_project_modified(self) -> None:
        sender = self.sender()
        for page in self._pages.values():
            if page is not sender:
                page.set_project(self.location)

    # -- menus, status, errors ------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._add_action(file_menu, "&New project…", self.new_project, QKeySequence.StandardKey.New)
        self._add_action(file_menu, "&Open project…", self.choose_project,
                         QKeySequence.StandardKey.Open)
        self._add_action(file_menu, "New ser&ver project…", self.new_server_project)
        self._add_action(file_menu, "Open &server project…", self.choose_server_project)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self._add_action(file_menu, "Open &demo project", self.open_demo)
        file_menu.addSeparator()
        self._add_action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        units_menu = self.menuBar().addMenu("&View").addMenu("&Units")
        self.unit_actions = QActionGroup(self)
        for system, text in SYSTEMS.items():
            action = units_menu.addAction(text[0].upper() + text[1:])
            action.setCheckable(True)
            action.setData(system)
            action.setChecked(system == self.units.system)
            action.triggered.connect(lambda _checked=False, s=system: self.choose_units(s))
            self.unit_actions.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        self._add_action(help_menu, "&About Formix", self.show_about)
        self._fill_recent_menu()

    def _add_action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        items = self.recent.items()
        for number, location in enumerate(items, start=1):
            action = self.recent_menu.addAction(f"&{number}  {shown_location(location)}")
            action.triggered.connect(lambda _checked=False, loc=location: self.open_project(loc))
        if items:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear list")
            clear.triggered.connect(lambda _checked=False: self._clear_recent())
        self.recent_menu.setEnabled(bool(items))

    def _clear_recent(self) -> None:
        self.recent.clear()
        self._fill_recent_menu()

    def show_about(self) -> None:
        """Show Help ▸ About."""
        AboutDialog(self).exec()

    def show_status(self, message: str) -> None:
        """Show a message in the status bar."""
        self.statusBar().showMessage(message, 15_000)

    def _show_error(self, title: str, outcome: TaskOutcome) -> None:
        self.show_status(f"{title}: {outcome.error}")
        box = QMessageBox(QMessageBox.Icon.Warning, title, outcome.error or title,
                          QMessageBox.StandardButton.Ok, self)
        if outcome.details:
            box.setDetailedText(outcome.details)
        box.open()

    # -- geometry -------------------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        page = self.settings.value("window/page", 0)
        self.show_page(int(page) if isinstance(page, int | str) and str(page).isdigit() else 0)

    def shutdown(self) -> None:
        """Cancel all work, wait for it, and remember the window (the window is closing)."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/page", self.navigation.currentRow())
        self.settings.sync()
        for page in self._pages.values():
            page.shutdown()
        self.runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


def _counts_text(counts: dict[str, int]) -> str:
    shown = [f"{value:,} {name.replace('_', ' ')}" for name, value in counts.items()
             if value and name in ("recipes", "batches", "lab_results", "process_series")]
    return ", ".join(shown) if shown else "empty project"
