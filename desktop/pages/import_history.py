"""The Data page's import history: every imported file, and "Remove import…".

Removing asks the engine first what the removal would take away (``plan_import_removal``,
on a worker), states it in a confirmation dialog, then removes (``remove_import``, on a
worker). When other imports depend on it, the dialog names them and removes them with it
only when the user confirms that; trials recorded on its batches refuse the removal.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.workers import Task, TaskOutcome, TaskRunner

__all__ = ["ImportHistory"]

_HEADERS = ("Id", "File", "Kind", "Imported", "Rows read", "Holds now")


def _services() -> Any:
    from engine import services

    return services


class ImportHistory(QWidget):
    """The project's imports, newest last, with a "Remove import…" action.

    Signals:
        removed(object): an import was removed; the engine's ``RemovalPlan``.
        status_message(str): a short message for the status bar.
    """

    removed = Signal(object)
    status_message = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.location: str | None = None
        self.entries: list[Any] = []
        self.task: Task | None = None

        self.table = QTableWidget(0, len(_HEADERS), self)
        self.table.setHorizontalHeaderLabels(_HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.note = QLabel(
            "Imported a file with a wrong mapping? Remove the import, then import the file "
            "again with a corrected mapping.", self)
        self.note.setWordWrap(True)
        self.remove_button = QPushButton("Remove import…", self)
        self.remove_button.setToolTip("Remove everything the selected import added, after "
                                      "showing what that is")
        self.remove_button.clicked.connect(self.remove_selected)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self._update_buttons()

    # -- listing ----------------------------------------------------------------------------
    def set_project(self, location: str | None) -> None:
        """Show the imports of another project (none when ``location`` is None)."""
        self.location = location
        self.entries = []
        self._fill()
        self.refresh()

    def refresh(self) -> Task | None:
        """Read the import list again (on a worker)."""
        if not self.location:
            return None
        location = self.location

        def done(outcome: TaskOutcome) -> None:
            self.task = None
            if outcome.ok and location == self.location:
                self.entries = list(outcome.value)
                self._fill()
            elif not outcome.ok and not outcome.cancelled:
                self.status_message.emit(f"Imports could not be listed: {outcome.error}")
            self._update_buttons()

        self.task = self.runner.start(
            "list imports", lambda _p, _c: _services().list_imports(location), done,
            replaces=self.task)
        self._update_buttons()
        return self.task

    def _fill(self) -> None:
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            local = pd.Timestamp(entry.imported_at_us, unit="us", tz="UTC").tz_convert(
                _local_zone())
            cells = (str(entry.import_id), entry.file_name, entry.kind.replace("_", " "),
                     f"{local:%Y-%m-%d %H:%M}", f"{entry.n_rows:,}",
                     entry.holds())
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column in (0, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if column == 1:
                    item.setToolTip(entry.file_path)
                self.table.setItem(row, column, item)
        self._update_buttons()

    def selected_entry(self) -> Any | None:
        """The selected import, or None."""
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows else None

    def select_import(self, import_id: int) -> None:
        """Select the row of an import (by id)."""
        for row, entry in enumerate(self.entries):
            if entry.import_id == import_id:
                self.table.selectRow(row)

    # -- removing ---------------------------------------------------------------------------
    def remove_selected(self) -> Task | None:
        """Ask the engine what removing the selected import takes away, then confirm."""
        entry = self.selected_entry()
        if entry is None or not self.location:
            return None
        location, import_id = self.location, entry.import_id

        def plans(_progress: Any, _cancel: Any) -> tuple[Any, Any]:
            plan = _services().plan_import_removal(location, import_id)
            if not plan.dependents:
                return plan, plan
            return plan, _services().plan_import_removal(location, import_id,
                                                         with_dependents=True)

        self.task = self.runner.start("plan import removal", plans, self._on_plan)
        self._update_buttons()
        return self.task

    def _on_plan(self, outcome: TaskOutcome) -> None:
        self.task = None
        self._update_buttons()
        if not outcome.ok:
            if not outcome.cancelled:
                self.status_message.emit(f"Cannot remove the import: {outcome.error}")
            return
        plan, full = outcome.value
        if full.blocked:  # trials recorded on its batches: never removed here
            box = QMessageBox(QMessageBox.Icon.Warning, "Import cannot be removed",
                              full.refusal(), QMessageBox.StandardButton.Ok, self)
            box.exec()
            return
        if self.confirm(plan, full):
            self.remove(plan.import_id, with_dependents=bool(plan.dependents))

    def removal_dialog(self, plan: Any, full: Any) -> QMessageBox:
        """The confirmation: what will be removed (and which imports depend on it)."""
        entry = full.imports[0]
        box = QMessageBox(QMessageBox.Icon.Question, "Remove import", "", parent=self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setStyleSheet("QLabel#qt_msgbox_label { min-width: 520px; }")  # fewer wraps
        count = len(full.imports)
        if plan.dependents:
            lead = (f"<b>Remove import {entry.import_id} ({entry.file_name}) and "
                    f"{count - 1} import(s) that depend on it?</b>")
            reason = "<br>".join(_html(d.describe()) for d in plan.dependents)
            lead += f"<p>Other imports refer to what it added:<br>{reason}</p>"
        else:
            lead = f"<b>Remove import {entry.import_id} ({entry.file_name})?</b>"
        points = "".join(f"<li>{_html(line)}</li>" for line in full.summary())
        box.setText(f"{lead}<p>This removes:</p><ul>{points}</ul>"
                    "<p>The files themselves stay where they are; you can import them again "
                    "(e.g. with a corrected mapping).</p>")
        label = f"Remove {count} imports" if count > 1 else "Remove import"
        box.addButton(label, QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        return box

    def confirm(self, plan: Any, full: Any) -> bool:
        """Show the confirmation dialog; whether the user chose to remove."""
        box = self.removal_dialog(plan, full)
        box.exec()
        clicked = box.clickedButton()
        return clicked is not None and box.buttonRole(clicked) == (
            QMessageBox.ButtonRole.DestructiveRole)

    def remove(self, import_id: int, *, with_dependents: bool = False) -> Task | None:
        """Remove an import (and its dependents, when asked) on a worker."""
        if not self.location:
            return None
        location = self.location

        def done(outcome: TaskOutcome) -> None:
            self.task = None
            if outcome.ok:
                files = ", ".join(e.file_name for e in outcome.value.imports)
                self.status_message.emit(f"Removed import(s): {files}")
                self.removed.emit(outcome.value)
                self.refresh()
            elif not outcome.cancelled:
                self.status_message.emit(f"Nothing was removed: {outcome.error}")
            self._update_buttons()

        self.task = self.runner.start(
            "remove import",
            lambda _p, _c: _services().remove_import(location, import_id,
                                                     with_dependents=with_dependents),
            done)
        self._update_buttons()
        return self.task

    def _update_buttons(self) -> None:
        idle = self.task is None
        self.refresh_button.setEnabled(bool(self.location) and idle)
        self.remove_button.setEnabled(idle and self.selected_entry() is not None)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _local_zone() -> Any:
    from datetime import datetime

    return datetime.now().astimezone().tzinfo
