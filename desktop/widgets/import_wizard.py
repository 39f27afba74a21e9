"""The import wizard: choose files, check what each holds and how its columns map, import.

Each file is previewed with ``services.preview_file`` (which also suggests a mapping) on a
worker. The user can change the kind, the field and unit of each column, and load or save a
mapping profile. "Import" sends all files in one all-or-nothing ``services.import_sources``
call; a rejected import lists every finding, and double-clicking one shows its cell.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.data_table_view import DataTableView
from desktop.widgets.findings_table import FindingsTable
from desktop.widgets.mapping_editor import MappingEditor
from desktop.widgets.message_line import MessageLine
from desktop.widgets.task_progress import TaskProgress
from desktop.workers import Task, TaskOutcome, TaskRunner
from engine.errors import Finding, FormixError, Severity
from engine.schema import DatasetKind

__all__ = ["KIND_LABELS", "ImportWizard", "SourceFile"]

KIND_LABELS: dict[DatasetKind, str] = {
    DatasetKind.RECIPES: "Recipes (mix designs)",
    DatasetKind.BATCHES: "Batches (production records)",
    DatasetKind.PROCESS_SERIES: "Process log (historian)",
    DatasetKind.LAB_RESULTS: "Lab results",
    DatasetKind.SAMPLES: "Samples (one row = mix and its results)",
    DatasetKind.MATERIALS: "Materials catalogue",
}
_FILE, _KIND, _ROWS, _STATUS = range(4)


def _services() -> Any:
    from engine import services

    return services


@dataclass
class SourceFile:
    """A file chosen for import and what the wizard knows about it so far."""

    path: Path
    kind: DatasetKind | None = None
    table: Any = None  # engine SourceTable from services.preview_file
    profile: Any = None  # engine ImportProfile (suggested, loaded or edited)
    error: str | None = None
    loading: bool = False

    @property
    def name(self) -> str:
        """The file name, as findings name it."""
        return self.path.name


class ImportWizard(QWidget):
    """Choose files → check kind and mapping → import, with findings shown in place.

    Signals:
        imported(object): the ImportResult of a successful import.
        rejected(int): an import was rejected with this many findings.
        preview_ready(str): a file's preview (and suggested mapping) is shown; its name.
    """

    imported = Signal(object)
    rejected = Signal(int)
    preview_ready = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.location: str | None = None
        self.files: list[SourceFile] = []
        self.runner = TaskRunner(self)
        self.import_task: Task | None = None
        self._build()
        self._update_buttons()

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        steps = QLabel(
            "<b>1</b> Add the plant files &nbsp;→&nbsp; <b>2</b> check what each file holds and "
            "how its columns map &nbsp;→&nbsp; <b>3</b> import them together (all or nothing)",
            self,
        )
        steps.setWordWrap(True)
        self.add_button = QPushButton("Add files…", self)
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        self.project_hint = QLabel(self)
        buttons.addWidget(self.project_hint)
        buttons.addStretch(1)

        self.file_table = QTableWidget(0, 4, self)
        self.file_table.setHorizontalHeaderLabels(["File", "Holds", "Rows", "Status"])
        self.file_table.verticalHeader().setVisible(False)
        self.file_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.file_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.file_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.file_table.horizontalHeader()
        for column, width in enumerate((280, 250, 80)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(_STATUS, QHeaderView.ResizeMode.Stretch)
        self.file_table.verticalHeader().setDefaultSectionSize(22)
        self.file_table.setMinimumHeight(90)
        self.file_table.itemSelectionChanged.connect(self._show_selected)

        self.preview = DataTableView(self, placeholder="Filter the preview…")
        self.preview_box = QGroupBox("Preview", self)
        preview_layout = QVBoxLayout(self.preview_box)
        preview_layout.addWidget(self.preview)

        self.kind_combo = QComboBox(self)
        for kind, label in KIND_LABELS.items():
            self.kind_combo.addItem(label, kind.value)
        self.kind_combo.activated.connect(self._on_kind_chosen)
        self.mapping = MappingEditor(self)
        self.mapping.edited.connect(self._on_mapping_edited)
        self.load_profile_button = QPushButton("Load profile…", self)
        self.load_profile_button.clicked.connect(self.choose_profile_to_load)
        self.save_profile_button = QPushButton("Save profile…", self)
        self.save_profile_button.clicked.connect(self.choose_profile_to_save)
        self.mapping_status = QLabel(self)
        self.mapping_status.setWordWrap(True)
        kind_row = QHBoxLayout()
        kind_row.addWidget(QLabel("This file holds:", self))
        kind_row.addWidget(self.kind_combo, 1)
        profile_row = QHBoxLayout()
        profile_row.addWidget(self.load_profile_button)
        profile_row.addWidget(self.save_profile_button)
        profile_row.addStretch(1)
        self.mapping_box = QGroupBox("Columns → fields and units", self)
        mapping_layout = QVBoxLayout(self.mapping_box)
        mapping_layout.addLayout(kind_row)
        mapping_layout.addWidget(self.mapping, 1)
        mapping_layout.addWidget(self.mapping_status)
        mapping_layout.addLayout(profile_row)

        self.findings = FindingsTable(self)
        self.findings.jump_requested.connect(self.show_finding)
        self.findings_box = QGroupBox("Findings (double-click one to see its cell)", self)
        findings_layout = QVBoxLayout(self.findings_box)
        findings_layout.addWidget(self.findings)
        self.findings_box.setVisible(False)

        self.import_button = QPushButton("Import", self)
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        self.progress = TaskProgress(self)
        self.result = MessageLine(self)
        bottom = QHBoxLayout()
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.result, 2)

        middle = QSplitter(Qt.Orientation.Horizontal, self)
        middle.addWidget(self.preview_box)
        middle.addWidget(self.mapping_box)
        middle.setSizes([520, 660])
        vertical = QSplitter(Qt.Orientation.Vertical, self)
        vertical.addWidget(self.file_table)
        vertical.addWidget(middle)
        vertical.addWidget(self.findings_box)
        vertical.setSizes([120, 420, 170])
        vertical.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(steps)
        layout.addLayout(buttons)
        layout.addWidget(vertical, 1)
        layout.addLayout(bottom)

    # -- project and files ------------------------------------------------------------------
    def set_project(self, location: str | None) -> None:
        """Import into this project (None: importing is disabled)."""
        self.location = location
        self._update_buttons()

    def choose_files(self) -> None:
        """Ask for plant files and add them."""
        paths, _filter = QFileDialog.getOpenFileNames(
            self, "Add plant files", str(Path.home()), _services().file_filters()
        )
        self.add_files([Path(p) for p in paths])

    def add_files(self, paths: list[Path], kinds: dict[str, DatasetKind] | None = None) -> None:
        """Add files (each is previewed on a worker); ``kinds`` fixes a kind per file name."""
        known = {f.path for f in self.files}
        for path in paths:
            path = Path(path)
            if path in known:
                continue
            entry = SourceFile(path, kind=(kinds or {}).get(path.name))
            self.files.append(entry)
            self._add_row(entry)
            self._preview(entry)
        if self.files and not self.file_table.selectedItems():
            self.file_table.selectRow(0)
        self._update_buttons()

    def remove_selected(self) -> None:
        """Remove the selected file from the list."""
        entry = self.selected_file()
        if entry is None:
            return
        row = self.files.index(entry)
        self.files.pop(row)
        self.file_table.removeRow(row)
        if not self.files:
            self._show_selected()
        self._update_buttons()

    def clear_files(self) -> None:
        """Empty the file list."""
        self.files.clear()
        self.file_table.setRowCount(0)
        self._show_selected()
        self._update_buttons()

    def selected_file(self) -> SourceFile | None:
        """The file whose preview and mapping are shown."""
        rows = self.file_table.selectionModel().selectedRows()
        return self.files[rows[0].row()] if rows and rows[0].row() < len(self.files) else None

    def select_file(self, name: str) -> SourceFile | None:
        """Select a file by name; returns it, or None when it is not in the list."""
        for row, entry in enumerate(self.files):
            if entry.name == name:
                self.file_table.selectRow(row)
                return entry
        return None

    @property
    def busy(self) -> bool:
        """Whether a preview or the import is running."""
        return self.runner.busy

    # -- preview and mapping ----------------------------------------------------------------
    def _preview(self, entry: SourceFile, profile: Any = None) -> None:
        entry.loading = True
        entry.error = None
        self._update_row(entry)
        path, kind = entry.path, entry.kind

        def done(outcome: TaskOutcome) -> None:
            entry.loading = False
            if entry not in self.files:
                return
            if outcome.ok:
                entry.table, entry.profile = outcome.value
                entry.kind = DatasetKind(entry.profile.kind)
            elif outcome.cancelled:
                entry.error = "preview cancelled"
            else:
                entry.error = outcome.error
                if outcome.findings:
                    self._show_findings(outcome.findings)
            self._update_row(entry)
            self._update_buttons()
            if entry is self.selected_file():
                self._show_selected()
            if outcome.ok:
                self.preview_ready.emit(entry.name)

        self.runner.start(
            f"preview {entry.name}",
            lambda progress, cancel: _services().preview_file(path, kind, profile),
            done,
        )

    def set_kind(self, kind: DatasetKind) -> None:
        """Say what the selected file holds; the mapping is suggested again for that kind."""
        entry = self.selected_file()
        if entry is None or entry.kind == kind:
            return
        entry.kind = kind
        entry.profile = None
        self._preview(entry)

    def _on_kind_chosen(self, index: int) -> None:
        self.set_kind(DatasetKind(self.kind_combo.itemData(index)))

    def _on_mapping_edited(self) -> None:
        entry = self.selected_file()
        if entry is None or entry.profile is None:
            return
        try:
            entry.profile = self._profile_from_editor(entry)
        except ValueError as error:
            self.mapping_status.setText(f"<span style='color:#d64545'>{_first_line(error)}</span>")
            return
        self.mapping_status.setText(_mapping_summary(entry.profile))

    def _profile_from_editor(self, entry: SourceFile) -> Any:
        """The entry's profile with the editor's columns (validated by the engine's model)."""
        data = entry.profile.model_dump()
        data["columns"] = self.mapping.columns()
        data["kind"] = entry.kind.value if entry.kind else data["kind"]
        return entry.profile.model_validate(data)

    def choose_profile_to_load(self) -> None:
        """Ask for a saved profile and apply it to the selected file."""
        entry = self.selected_file()
        if entry is None or entry.profile is None:
            return
        path, _filter = QFileDialog.getOpenFileName(
            self, "Load mapping profile", str(entry.path.parent),
            "Mapping profiles (*.toml);;All files (*)",
        )
        if path:
            self.load_profile(Path(path))

    def load_profile(self, path: Path) -> None:
        """Apply a saved profile to the selected file (re-reads it with its reader options)."""
        entry = self.selected_file()
        if entry is None or entry.profile is None:
            return
        try:
            profile = _services().load_profile(path)
        except (OSError, ValueError, FormixError) as error:
            self.mapping_status.setText(
                f"<span style='color:#d64545'>{path.name}: {_first_line(error)}</span>")
            return
        entry.kind = DatasetKind(profile.kind)
        self._preview(entry, profile)

    def choose_profile_to_save(self) -> None:
        """Ask where to save the selected file's mapping profile."""
        entry = self.selected_file()
        if entry is None or entry.profile is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save mapping profile", str(entry.path.with_suffix(".toml")),
            "Mapping profiles (*.toml)",
        )
        if path:
            self.save_profile(Path(path))

    def save_profile(self, path: Path) -> None:
        """Save the selected file's mapping (as edited) for reuse with the next export."""
        entry = self.selected_file()
        if entry is None or entry.profile is None:
            return
        try:
            entry.profile = self._profile_from_editor(entry)
            _services().save_profile(entry.profile, path)
        except (OSError, ValueError, FormixError) as error:
            self.mapping_status.setText(f"<span style='color:#d64545'>{_first_line(error)}</span>")
            return
        self.mapping_status.setText(f"Profile saved: {path}")

    def _show_selected(self) -> None:
        entry = self.selected_file()
        has_profile = entry is not None and entry.profile is not None
        for widget in (self.kind_combo, self.mapping, self.load_profile_button,
                       self.save_profile_button):
            widget.setEnabled(has_profile)
        if entry is None or entry.table is None:
            self.preview.clear()
            self.mapping.set_mapping([], [], [])
            self.preview_box.setTitle("Preview")
            self.mapping_status.setText(
                "" if entry is None else (entry.error or "reading the file…"))
            return
        table = entry.table
        self.preview_box.setTitle(f"Preview of {entry.name} ({len(table.frame):,} rows)")
        self.preview.set_frame(table.frame, row_labels=table.row_numbers)
        if entry.kind is not None:
            self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(entry.kind.value), 0))
        examples = {}
        for column in table.frame.columns:
            values = table.frame[column].dropna()
            examples[str(column)] = values.iloc[0] if len(values) else None
        self.mapping.set_mapping(
            [str(c) for c in table.frame.columns],
            [dataclasses.asdict(m) for m in entry.profile.columns],
            _services().mapping_fields(entry.kind.value if entry.kind else None),
            examples,
            dict(table.declared_units),
        )
        self.mapping_status.setText(_mapping_summary(entry.profile))

    # -- import -----------------------------------------------------------------------------
    def start_import(self) -> Task | None:
        """Import every file in one transaction (on a worker, with progress and Cancel)."""
        if not self.location or not self.files or any(f.loading for f in self.files):
            return None
        broken = [f for f in self.files if f.profile is None]
        if broken:
            self.result.show_message(
                f"Cannot import yet: {broken[0].name}: {broken[0].error or 'not read'}", True)
            return None
        selected = self.selected_file()
        if selected is not None:
            try:
                selected.profile = self._profile_from_editor(selected)
            except ValueError as error:
                self.result.show_message(f"Fix the mapping first: {_first_line(error)}", True)
                return None
        location = self.location
        plan = [(f.path, f.kind, f.profile) for f in self.files]

        def job(progress: Any, cancel: Any) -> Any:
            services = _services()
            sources = [services.ImportSource(path, kind, profile) for path, kind, profile in plan]
            return services.import_sources(location, sources, progress=progress, cancel=cancel)

        self.findings_box.setVisible(False)
        self.result.clear()
        self.import_task = self.runner.start("import files", job, self._on_imported)
        self.progress.track(self.import_task, "Importing…")
        self._update_buttons()
        return self.import_task

    def cancel_import(self) -> None:
        """Cancel a running import (nothing is written)."""
        if self.import_task is not None:
            self.progress.cancel()

    def _on_imported(self, outcome: TaskOutcome) -> None:
        self.import_task = None
        self._update_buttons()
        if outcome.cancelled:
            self.result.show_message("Import cancelled; nothing was written.")
            return
        if not outcome.ok:
            self.result.show_outcome(outcome)
            self._show_findings(outcome.findings)
            self.rejected.emit(len(outcome.findings))
            return
        result = outcome.value
        totals: dict[str, int] = {}
        for item in result.files:
            for name, count in item.counts.items():
                totals[name] = totals.get(name, 0) + count
        counts = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in totals.items())
        warnings = f"; {len(result.warnings)} warning(s) below" if result.warnings else ""
        self.result.show_message(f"Imported {len(result.files)} file(s): {counts}{warnings}.")
        self._show_findings(result.warnings)
        self.clear_files()
        self.imported.emit(result)

    def _show_findings(self, findings: tuple[Finding, ...] | list[Finding]) -> None:
        self.findings.set_findings(findings)
        n_errors = sum(1 for f in findings if f.severity is Severity.ERROR)
        self.findings_box.setTitle(
            f"Findings: {n_errors} error(s), {len(findings) - n_errors} warning(s) — "
            "double-click one to see its cell")
        self.findings_box.setVisible(bool(findings))

    def show_finding(self, finding: Finding) -> bool:
        """Select the finding's file and show its row and column in the preview."""
        entry = self.select_file(finding.file)
        if entry is None or entry.table is None:
            self.result.show_message(f"{finding.file} is no longer in the file list.")
            return False
        position = 0
        if finding.row is not None:
            import numpy as np

            hits = np.flatnonzero(np.asarray(entry.table.row_numbers) == finding.row)
            if not len(hits):
                self.result.show_message(f"Row {finding.row} is not in the preview.")
                return False
            position = int(hits[0])
        return self.preview.select_cell(position, finding.column)

    # -- state ------------------------------------------------------------------------------
    def _add_row(self, entry: SourceFile) -> None:
        row = self.file_table.rowCount()
        self.file_table.insertRow(row)
        for column in range(4):
            self.file_table.setItem(row, column, QTableWidgetItem())
        self._update_row(entry)

    def _update_row(self, entry: SourceFile) -> None:
        if entry not in self.files:
            return
        row = self.files.index(entry)
        if entry.error:
            status = entry.error
        elif entry.loading or entry.profile is None:
            status = "reading…"
        else:
            status = f"ready: {len(entry.profile.columns)} columns mapped"
        texts = {
            _FILE: (entry.name, str(entry.path)),
            _KIND: (KIND_LABELS.get(entry.kind, "") if entry.kind else "", ""),
            _ROWS: ("" if entry.table is None else f"{len(entry.table.frame):,}", ""),
            _STATUS: (status, status),
        }
        for column, (text, tooltip) in texts.items():
            item = QTableWidgetItem(text)
            item.setToolTip(tooltip)
            if column == _ROWS:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.file_table.setItem(row, column, item)

    def _update_buttons(self) -> None:
        importing = self.import_task is not None
        ready = bool(self.location) and bool(self.files) and not importing and not any(
            f.loading for f in self.files)
        self.import_button.setEnabled(ready)
        self.import_button.setText(
            f"Import {len(self.files)} file(s)" if self.files else "Import")
        self.add_button.setEnabled(not importing)
        self.remove_button.setEnabled(not importing and bool(self.files))
        hint = "" if self.location else "Open or create a project first (File menu)."
        self.import_button.setToolTip(hint)
        self.project_hint.setText(hint)


def _first_line(error: BaseException) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return " ".join(lines[:3]) if lines else type(error).__name__


def _mapping_summary(profile: Any) -> str:
    count = len(profile.columns)
    return f"{count} column(s) mapped; unmapped columns are ignored (with a warning)."
