"""Models: cross-validated accuracy and interval coverage per property, parity, residuals,
importance and saved model versions.

The page renders a plain result (see ``ModelsPage.show_evaluation``) so the training service
can be plugged in without touching the layout. Until ``services.train_models`` exists the
page says so. Run alone: ``python -m desktop.pages.models_page``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import service_gaps
from desktop.pages.base import Page
from desktop.widgets.importance_chart import ImportanceChart
from desktop.widgets.notice import Notice
from desktop.widgets.pandas_table_model import PandasTableModel
from desktop.widgets.parity_plot import ParityPlot, ResidualPlot
from desktop.widgets.task_progress import TaskProgress
from desktop.workers import TaskOutcome

__all__ = ["CV_COLUMNS", "ModelsPage"]

CV_COLUMNS = ("target", "rmse", "mae", "r2", "coverage", "mean_interval_width")
"""Columns of the cross-validation table, one row per target property."""
TRAIN_SERVICE = "train_models"
_CV_LABELS = {"target": "Property", "rmse": "RMSE", "mae": "MAE", "r2": "R²",
              "coverage": "Coverage", "mean_interval_width": "Interval width", "n": "Rows"}


class ModelsPage(Page):
    """CV results table, parity with interval bars, residuals, importance, model versions.

    Signals:
        evaluation_shown(int): an evaluation was rendered; the number of targets.
    """

    title = "Models"
    evaluation_shown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: Mapping[str, Any] = {}
        heading = QLabel("<h2>Models</h2>", self)
        self.train_button = QPushButton("Train and validate models", self)
        self.train_button.clicked.connect(self.train)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.train_button)
        self.notice = Notice("", "", self)

        self.cv_model = PandasTableModel(parent=self)
        self.cv_table = QTableView(self)
        self.cv_table.setModel(self.cv_model)
        self.cv_table.verticalHeader().setVisible(False)
        self.cv_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)  # a few rows: measuring them is cheap
        self.cv_table.verticalHeader().setDefaultSectionSize(24)
        self.cv_table.activated.connect(self._on_cv_row_activated)
        cv_box = QGroupBox("Cross-validation, whole recipes held out", self)
        cv_layout = QVBoxLayout(cv_box)
        cv_layout.addWidget(self.cv_table)
        self.coverage_note = QLabel(self)
        self.coverage_note.setWordWrap(True)
        cv_layout.addWidget(self.coverage_note)
        self.versions = QListWidget(self)
        versions_box = QGroupBox("Saved model versions", self)
        QVBoxLayout(versions_box).addWidget(self.versions)
        left = QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(cv_box)
        left.addWidget(versions_box)
        left.setSizes([360, 200])

        self.target_combo = QComboBox(self)
        self.target_combo.currentTextChanged.connect(self._show_target)
        self.parity = ParityPlot(self)
        self.residuals = ResidualPlot(self)
        self.importance = ImportanceChart(self)
        self.plots = QTabWidget(self)
        self.plots.addTab(self.parity, "Predicted vs measured")
        self.plots.addTab(self.residuals, "Residuals")
        self.plots.addTab(self.importance, "Importance")
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        target_row = QHBoxLayout()
        target_row.addWidget(QLabel("Property", self))
        target_row.addWidget(self.target_combo, 1)
        right_layout.addLayout(target_row)
        right_layout.addWidget(self.plots, 1)

        body = QSplitter(Qt.Orientation.Horizontal, self)
        body.addWidget(left)
        body.addWidget(right)
        body.setSizes([560, 600])
        self.progress = TaskProgress(self)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(body, 1)
        layout.addWidget(self.progress)
        self.project_changed()

    # -- project and service ----------------------------------------------------------------
    def project_changed(self) -> None:
        """Explain what the page can do for the open project."""
        available = service_gaps.has_service(TRAIN_SERVICE)
        self.train_button.setEnabled(available and bool(self.location))
        if not available:
            self.notice.set_text(
                "Not available yet",
                "Training and validating models needs the engine service "
                f"{TRAIN_SERVICE}, which is being written. This page will then show the "
                "cross-validated error and interval coverage per property, predicted against "
                "measured values, residuals, what drives each property, and saved versions.",
            )
        elif not self.location:
            self.notice.set_text("Open a project first", "Use the File menu.")
        else:
            self.notice.set_text("Ready", "Train models on the project's modelling table.")
        self.notice.setVisible(True)

    def train(self) -> None:
        """Train and cross-validate models on a worker (when the service exists)."""
        if not self.location or not service_gaps.has_service(TRAIN_SERVICE):
            return
        location = self.location

        def job(progress: Any, cancel: Any) -> Any:
            from engine import services

            return getattr(services, TRAIN_SERVICE)(location, progress=progress, cancel=cancel)

        def done(outcome: TaskOutcome) -> None:
            if outcome.ok and isinstance(outcome.value, Mapping):
                self.show_evaluation(outcome.value)
            elif outcome.ok:
                self.notice.set_text("Models trained", "This page cannot show the result yet.")
            elif not outcome.cancelled:
                self.notice.set_text("Training failed", outcome.error or "")

        self.progress.track(self.runner.start("train models", job, done), "Training…")

    # -- rendering ---------------------------------------------------------------------------
    def show_evaluation(self, result: Mapping[str, Any]) -> None:
        """Render an evaluation given as plain data.

        Args:
            result: a mapping with
                ``cv``: DataFrame, one row per target, columns ``CV_COLUMNS`` (more allowed);
                ``predictions``: {target: DataFrame(measured, predicted, lower, upper)},
                out-of-fold;
                ``importance``: {target: Series indexed by input name};
                ``units``: {target: unit}; ``nominal_coverage``: e.g. 0.9;
                ``versions``: list of dicts (version, created, targets, note) or a DataFrame.
        """
        import pandas as pd

        self._result = result
        cv = result.get("cv")
        cv = cv if isinstance(cv, pd.DataFrame) else pd.DataFrame(columns=list(CV_COLUMNS))
        ordered = [c for c in CV_COLUMNS if c in cv.columns]
        shown = cv[ordered + [c for c in cv.columns if c not in ordered]].copy()
        if "coverage" in shown:
            shown["coverage"] = [f"{v:.0%}" if v == v else "" for v in shown["coverage"]]
        self.cv_model.set_frame(shown.rename(columns=_CV_LABELS))
        nominal = result.get("nominal_coverage")
        self.coverage_note.setText(
            "" if nominal is None else
            f"Intervals are calibrated for {float(nominal):.0%} coverage; the coverage column "
            "is what held-out recipes actually got.")
        self.versions.clear()
        versions = result.get("versions", [])
        records = versions.to_dict("records") if isinstance(versions, pd.DataFrame) else versions
        for record in records or []:
            text = " · ".join(str(record[k]) for k in ("version", "created", "targets", "note")
                              if record.get(k) not in (None, ""))
            self.versions.addItem(text)
        targets = [str(t) for t in cv.get("target", pd.Series(dtype=str)).tolist()]
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItems(targets)
        self.target_combo.blockSignals(False)
        self._show_target(self.target_combo.currentText())
        self.notice.setVisible(False)
        self.evaluation_shown.emit(len(targets))

    def _on_cv_row_activated(self, index: QModelIndex) -> None:
        self.target_combo.setCurrentIndex(index.row())

    def _show_target(self, target: str) -> None:
        import pandas as pd

        if not target:
            return
        units = self._result.get("units", {}) or {}
        predictions = (self._result.get("predictions") or {}).get(target)
        if isinstance(predictions, pd.DataFrame):
            self.parity.set_data(predictions, target, units.get(target))
            self.residuals.set_data(predictions, target, units.get(target))
        importance = (self._result.get("importance") or {}).get(target)
        if isinstance(importance, pd.Series):
            self.importance.set_importance(importance)


if __name__ == "__main__":
    from desktop.pages.standalone import run_page

    raise SystemExit(run_page(ModelsPage))
