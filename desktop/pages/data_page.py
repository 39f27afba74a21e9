"""Data: import plant files, see the linked modelling table, the link report, plots and the
import history (where an import can be removed).

Run alone on the demo project: ``python -m desktop.pages.data_page``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.pages.base import Page
from desktop.pages.import_history import ImportHistory
from desktop.widgets.data_table_view import DataTableView
from desktop.widgets.import_wizard import ImportWizard
from desktop.widgets.link_report_view import LinkReportView
from desktop.widgets.notice import Notice
from desktop.widgets.task_progress import TaskProgress
from desktop.workers import Task, TaskOutcome
from engine.types import shown_location

__all__ = ["DataPage", "export_filters"]

IMPORT_TAB, TABLE_TAB, REPORT_TAB, PLOTS_TAB, IMPORTS_TAB = range(5)


def _services() -> Any:
    from engine import services

    return services


def export_filters() -> str:
    """The save dialog's filters: Parquet only where pyarrow is installed (the offline bundle
    leaves it out; ``services.write_frame_atomic`` refuses .parquet without it)."""
    import importlib.util

    try:
        parquet = importlib.util.find_spec("pyarrow") is not None
    except (ImportError, ValueError):
        parquet = False
    return "CSV (*.csv);;Parquet (*.parquet)" if parquet else "CSV (*.csv)"


class DataPage(Page):
    """Import wizard, modelling table, link report and plots of the open project.

    Signals:
        table_ready(int): the modelling table was built and shown; its number of rows.
    """

    title = "Data"
    table_ready = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table: Any = None  # engine ModellingTable
        self.report: Any = None  # engine LinkReport
        self.table_task: Task | None = None
        self._plots: QWidget | None = None

        self.summary = QLabel("No project open.", self)
        self.rebuild_button = QPushButton("Rebuild table", self)
        self.rebuild_button.setToolTip("Link the project's records into the modelling table again")
        self.rebuild_button.clicked.connect(self.build_table)
        self.export_button = QPushButton("Export table…", self)
        self.export_button.clicked.connect(self.choose_export)
        top = self.header(self.summary, self.rebuild_button, self.export_button)

        self.wizard = ImportWizard(self)
        self.wizard.imported.connect(self._on_imported)
        self.table_notice = Notice("No modelling table yet", "", self)
        self.table_view = DataTableView(self, placeholder="Filter rows (e.g. a batch id)…")
        table_tab = QWidget(self)
        table_layout = QVBoxLayout(table_tab)
        table_layout.addWidget(self.table_notice)
        table_layout.addWidget(self.table_view, 1)
        self.report_view = LinkReportView(self)
        self.plots_tab = QWidget(self)
        self.plots_layout = QVBoxLayout(self.plots_tab)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.wizard, "Import")
        self.tabs.addTab(table_tab, "Modelling table")
        self.tabs.addTab(self.report_view, "Link report")
        self.tabs.addTab(self.plots_tab, "Plots")
        self.history = ImportHistory(self.runner, self)
        self.history.removed.connect(self._on_import_removed)
        self.history.status_message.connect(self.status_message)
        self.tabs.addTab(self.history, "Import history")
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.progress = TaskProgress(self)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.progress)
        self._show_no_table("Open or create a project (File menu), then import plant files.")
        self._update_buttons()

    # -- project ----------------------------------------------------------------------------
    def project_changed(self) -> None:
        """Show the new project: import into it, and build its modelling table."""
        self.wizard.set_project(self.location)
        self.history.set_project(self.location)
        self.table = self.report = None
        self.table_view.clear()
        self.report_view.clear()
        if self.location:
            self.summary.setText(shown_location(self.location))
            self.build_table()
        else:
            self.summary.setText("No project open.")
            self._show_no_table("Open or create a project (File menu), then import plant files.")
        self._update_buttons()

    def build_table(self) -> Task | None:
        """Link the project's records into the modelling table (on a worker)."""
        if not self.location:
            return None
        location = self.location
        self.table_notice.set_text("Building the modelling table…")
        self.table_task = self.runner.start(
            "build modelling table",
            lambda progress, cancel: _services().modelling_table(
                location, progress=progress, cancel=cancel),
            self._on_table,
            replaces=self.table_task,
        )
        self.progress.track(self.table_task, "Linking records…")
        self._update_buttons()
        return self.table_task

    def _on_table(self, outcome: TaskOutcome) -> None:
        self.table_task = None
        self._update_buttons()
        if outcome.cancelled:
            self.status_message.emit("Building the modelling table was cancelled")
            return
        if not outcome.ok:
            self._show_no_table(outcome.error or "The modelling table could not be built.")
            self.status_message.emit(outcome.error or "")
            return
        self.table, self.report = outcome.value
        self.report_view.set_report(self.report)
        frame = self.table.frame
        if not len(frame):
            self._show_no_table(
                "No linked rows yet: import recipes, batches and lab results (Import tab).")
            self.tabs.setCurrentIndex(IMPORT_TAB)
            self.table_ready.emit(0)
            return
        self.table_notice.setVisible(False)
        self.table_view.setVisible(True)
        self._show_table_frame()
        self.table_view.model.set_header_notes(_column_roles(self.table))
        self.summary.setText(
            f"{len(frame):,} rows × {frame.shape[1]} columns · "
            f"{len(self.table.input_columns)} candidate inputs · "
            f"{len(self.table.target_columns)} measured "
            f"{'property' if len(self.table.target_columns) == 1 else 'properties'} "
            f"({', '.join(self.table.target_columns[:4])})"
        )
        if self._plots is not None:
            self._fill_plots()
        self.status_message.emit(f"Modelling table: {len(frame):,} rows")
        self.table_ready.emit(len(frame))

    def _show_no_table(self, text: str) -> None:
        self.table_notice.set_text("No modelling table yet", text)
        self.table_notice.setVisible(True)
        self.table_view.setVisible(False)

    def _on_imported(self, _result: Any) -> None:
        self.project_modified.emit()
        self.tabs.setCurrentIndex(TABLE_TAB)
        self.history.refresh()
        self.build_table()

    def _on_import_removed(self, _plan: Any) -> None:
        self.project_modified.emit()
        self.build_table()

    # -- export -----------------------------------------------------------------------------
    def choose_export(self) -> None:
        """Ask for a file and export the modelling table to it."""
        if not self.location:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export modelling table", str(Path.home() / "modelling_table.csv"),
            export_filters(),
        )
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> Task | None:
        """Write the modelling table to CSV or Parquet (on a worker)."""
        if not self.location:
            return None
        location = self.location

        def done(outcome: TaskOutcome) -> None:
            if outcome.ok:
                self.status_message.emit(f"Exported {len(outcome.value[0].frame):,} rows to "
                                         f"{path}")
            elif not outcome.cancelled:
                self.status_message.emit(f"Export failed: {outcome.error}")

        task = self.runner.start(
            "export modelling table",
            lambda progress, cancel: _services().export_table(
                location, path, progress=progress, cancel=cancel),
            done,
        )
        self.progress.track(task, f"Exporting to {path.name}…")
        return task

    # -- plots ------------------------------------------------------------------------------
    def _on_tab_changed(self, index: int) -> None:
        if index == PLOTS_TAB and self._plots is None:
            self._build_plots()

    def _build_plots(self) -> None:
        # pyqtgraph is imported here, when the tab is first shown, to keep start-up fast.
        from desktop.widgets.distribution_plot import DistributionPlot

        self.distribution = DistributionPlot(self.plots_tab)
        self.plots_layout.addWidget(self.distribution, 1)
        from desktop.widgets.batch_series_plot import BatchSeriesPlot

        self.series_plot = BatchSeriesPlot(self.plots_tab)
        self.series_plot.set_display_units(self.units)
        self.plots_layout.addWidget(self.series_plot, 1)
        self._plots = self.distribution
        self._fill_plots()

    def _shown(self) -> tuple[Any, dict[str, str]]:
        """The table's frame and units as the project shows them (lb/yd³ and psi in a US
        project; a mixing time in s), columns named as stored."""
        assert self.table is not None
        frame, shown = _services().shown_table_values(self.table, self.units)
        return frame, {**dict(self.table.units), **shown}

    def _show_table_frame(self) -> None:
        frame, units = self._shown()
        self.table_view.set_frame(frame, units)

    def units_changed(self) -> None:
        if self.table is not None and len(self.table.frame):
            self._show_table_frame()
            if self._plots is not None:
                self._fill_plots()
                self.series_plot.set_display_units(self.units)

    def _fill_plots(self) -> None:
        if self.table is None:
            return
        table = self.table
        frame, units = self._shown()
        numeric = [c for c in (*table.target_columns, *table.input_columns)
                   if c in frame.columns and frame[c].dtype.kind in "fiu"]
        preferred = table.target_columns[0] if table.target_columns else None
        self.distribution.set_frame(frame, numeric, units, preferred)
        batch_column = next((c for c in table.id_columns if "batch" in c), None)
        batches = ([] if batch_column is None
                   else [str(b) for b in frame[batch_column].dropna().unique()])
        self.series_plot.set_batches(self.location, batches)

    def _update_buttons(self) -> None:
        building = self.table_task is not None
        self.rebuild_button.setEnabled(bool(self.location) and not building)
        self.export_button.setEnabled(bool(self.location) and not building)


def _column_roles(table: Any) -> dict[str, str]:
    roles: dict[str, str] = {}
    for names, role in ((table.id_columns, "identifies the row (never a model input)"),
                        (table.input_columns, "candidate model input"),
                        (table.target_columns, "measured property (model target)"),
                        (table.provenance_columns, "source file rows")):
        for name in names:
            roles.setdefault(name, role)
    return roles


if __name__ == "__main__":
    from desktop.pages.standalone import run_page

    raise SystemExit(run_page(DataPage))
