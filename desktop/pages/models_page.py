"""Models: train and cross-validate property models; accuracy and interval coverage per
property, predicted against measured, residuals, coverage, importance and saved versions.

One service call trains (``services.train_models``); the page renders the plain mapping of
its report (``ModelsPage.show_evaluation``). Run alone: ``python -m desktop.pages.models_page``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.pages.base import MODEL_TRAINED, Page
from desktop.results import clean_unit
from desktop.widgets.coverage_chart import CoverageChart
from desktop.widgets.importance_chart import ImportanceChart
from desktop.widgets.message_line import MessageLine
from desktop.widgets.notice import Notice
from desktop.widgets.pandas_table_model import PandasTableModel
from desktop.widgets.parity_plot import ParityPlot, ResidualPlot, rounded
from desktop.workers import Task, TaskOutcome

__all__ = ["COVERAGE_CHOICES", "CV_COLUMNS", "ModelsPage", "version_text"]

CV_COLUMNS = ("target", "rmse", "mae", "r2", "coverage", "mean_interval_width", "n_rows",
              "n_groups")
"""Columns of the cross-validation table, one row per target property."""
COVERAGE_CHOICES = (0.8, 0.9, 0.95)
_CV_LABELS = {"target": "Property", "rmse": "RMSE", "mae": "MAE", "r2": "R²",
              "coverage": "Coverage", "mean_interval_width": "Width",
              "n_rows": "Rows", "n_groups": "Recipes", "n": "Rows"}
_PARITY_TAB, _RESIDUALS_TAB, _COVERAGE_TAB, _IMPORTANCE_TAB = range(4)
_ERROR_COLUMNS = ("rmse", "mae", "mean_interval_width")
"""Columns in the target's unit that are differences (scaled to the shown unit, no offset)."""


def _services() -> Any:
    from engine import services

    return services


def version_text(record: Mapping[str, Any]) -> str:
    """One line per saved model version: "v2 · 2026-11-21 11:16 · strength · RMSE 5.0 …"."""
    created: Any = record.get("created")
    when = created.strftime("%Y-%m-%d %H:%M") if hasattr(created, "strftime") else created
    targets = record.get("targets")
    if isinstance(targets, list | tuple):
        targets = ", ".join(str(t) for t in targets)
    parts = [f"v{record['version']}" if record.get("version") is not None else None,
             when, targets, record.get("note")]
    return " · ".join(str(p) for p in parts if p not in (None, ""))


class ModelsPage(Page):
    """Training options, CV results table, parity/residual/coverage/importance plots, versions.

    Signals:
        evaluation_shown(int): an evaluation was rendered; the number of targets.
        options_loaded(int): the project's properties were listed; how many.
    """

    title = "Models"
    evaluation_shown = Signal(int)
    options_loaded = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: Mapping[str, Any] = {}
        self._target_units: dict[str, str] = {}  # stored unit per property (the project's)
        self._target_typical: dict[str, float] = {}  # mean measurement per property
        self.train_task: Task | None = None
        self.versions_records: list[dict[str, Any]] = []

        top = self.header(QLabel("Learn each measured property from the recipes, check it on "
                                 "recipes the model never saw, and keep every trained version.",
                                 self))
        self.notice = Notice("", "", self)
        self.message = MessageLine(self)

        # -- training options ------------------------------------------------------------------
        self.targets_list = QListWidget(self)
        self.targets_list.setMaximumHeight(76)
        self.targets_list.setToolTip("Measured properties to model (from the modelling table)")
        self.coverage_combo = QComboBox(self)
        for value in COVERAGE_CHOICES:
            self.coverage_combo.addItem(f"{value:.0%} interval", value)
        self.coverage_combo.setCurrentIndex(COVERAGE_CHOICES.index(0.9))
        self.coverage_combo.setToolTip(
            "How often a new batch's result should fall inside its predicted interval")
        self.folds_spin = QSpinBox(self)
        self.folds_spin.setRange(2, 10)
        self.folds_spin.setValue(5)
        self.folds_spin.setToolTip("Held-out groups of recipes for cross-validation (more: "
                                   "slower, steadier figures)")
        self.process_check = QCheckBox("Use process (historian) features", self)
        self.process_check.setToolTip(
            "Mixer power, temperatures … describe how a batch ran, not something the optimiser "
            "can set; leave off to model from the recipe alone")
        self.train_button = QPushButton("Train and validate", self)
        self.train_button.setDefault(True)
        self.train_button.clicked.connect(self.train)
        options = QGroupBox("Train", self)
        form = QFormLayout(options)
        form.addRow("Properties", self.targets_list)
        form.addRow("Interval", self.coverage_combo)
        form.addRow("Validation folds", self.folds_spin)
        form.addRow(self.process_check)
        form.addRow(self.train_button)

        # -- results ----------------------------------------------------------------------------
        self.cv_model = PandasTableModel(parent=self)
        self.cv_table = QTableView(self)
        self.cv_table.setModel(self.cv_model)
        self.cv_table.verticalHeader().setVisible(False)
        self.cv_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)  # a few rows: measuring them is cheap
        self.cv_table.verticalHeader().setDefaultSectionSize(24)
        self.cv_table.clicked.connect(self._on_cv_row_activated)
        cv_box = QGroupBox("Cross-validation (whole recipes held out)", self)
        cv_layout = QVBoxLayout(cv_box)
        cv_layout.addWidget(self.cv_table)
        self.coverage_note = QLabel(self)
        self.coverage_note.setWordWrap(True)
        cv_layout.addWidget(self.coverage_note)
        self.versions = QListWidget(self)
        self.versions.setWordWrap(True)
        versions_box = QGroupBox("Saved model versions (newest last)", self)
        QVBoxLayout(versions_box).addWidget(self.versions)
        left = QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(options)
        left.addWidget(cv_box)
        left.addWidget(versions_box)
        left.setSizes([230, 220, 160])

        self.target_combo = QComboBox(self)
        self.target_combo.currentTextChanged.connect(self._show_target)
        self.parity = ParityPlot(self)
        self.residuals = ResidualPlot(self)
        self.coverage_chart = CoverageChart(self)
        self.importance = ImportanceChart(self)
        self.plots = QTabWidget(self)
        self.plots.addTab(self.parity, "Predicted vs measured")
        self.plots.addTab(self.residuals, "Residuals")
        self.plots.addTab(self.coverage_chart, "Coverage")
        self.plots.addTab(self.importance, "What drives it")
        self._stale: set[int] = set()  # tabs not yet drawn for the current property
        self.plots.currentChanged.connect(self._draw_tab)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        target_row = QHBoxLayout()
        target_row.addWidget(QLabel("Property", self))
        target_row.addWidget(self.target_combo, 1)
        right_layout.addLayout(target_row)
        right_layout.addWidget(self.plots, 1)

        self.assemble(top, (self.notice, self.message), left, right, (560, 680), (0, 1))
        self.project_changed()

    # -- project -------------------------------------------------------------------------------
    def project_changed(self) -> None:
        """List the project's measured properties and saved model versions (on a worker)."""
        self._result = {}
        self._target_units, self._target_typical = {}, {}
        self.cv_model.clear()
        self.versions.clear()
        self.targets_list.clear()
        self.target_combo.clear()
        self.message.clear()
        self.coverage_note.clear()
        self._update_buttons()
        if not self.location:
            self.notice.set_text("Open a project first",
                                 "Use the File menu (or open the demo project).")
            self.notice.setVisible(True)
            return
        location = self.location
        self.notice.set_text("Reading the project…")
        self.notice.setVisible(True)

        def job(progress: Any, cancel: Any) -> tuple[list[str], list[dict[str, Any]],
                                                     dict[str, str], dict[str, float]]:
            import pandas as pd

            services = _services()
            table, _report = services.modelling_table(location, progress=progress,
                                                      cancel=cancel)
            targets = list(table.target_columns)
            units = {t: str(table.units.get(t) or "") for t in targets}
            typical = {t: float(pd.to_numeric(table.frame[t], errors="coerce").mean())
                       for t in targets if t in table.frame}
            return targets, services.model_versions(location), units, typical

        def done(outcome: TaskOutcome) -> None:
            if location != self.location:
                return
            if not outcome.ok:
                if not outcome.cancelled:
                    self.notice.set_text("Could not read the project", outcome.error or "")
                return
            targets, versions, units, typical = outcome.value
            self._target_units = units
            self._target_typical = {t: v for t, v in typical.items() if v == v}
            self._fill_targets(targets)
            self._fill_versions(versions)
            if not targets:
                self.notice.set_text(
                    "Nothing to model yet",
                    "The project has no lab results linked to recipes. Import recipes, batches "
                    "and lab results on the Data page first.")
            elif versions and not self._result:
                self.notice.set_text(
                    f"Saved model: {self.version_line(versions[-1])}",
                    "Train again to see the cross-validation plots, or go on to Optimise.")
            elif not self._result:
                self.notice.set_text(
                    "No model yet",
                    "Choose the properties and press Train and validate (about half a minute "
                    "on the demo project).")
            self._update_buttons()
            self.options_loaded.emit(len(targets))

        self.runner.start("list properties and model versions", job, done)

    def _fill_targets(self, targets: list[str]) -> None:
        self.targets_list.clear()
        for target in targets:
            item = QListWidgetItem(target, self.targets_list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)

    def _fill_versions(self, versions: list[dict[str, Any]]) -> None:
        self.versions_records = list(versions)
        self.versions.clear()
        for record in versions:
            self.versions.addItem(self.version_line(record))
        if versions:
            self.versions.scrollToBottom()

    def version_line(self, record: Mapping[str, Any]) -> str:
        """:func:`version_text` of a saved version, its RMSEs in the shown units."""
        metrics = record.get("cv_metrics")
        if isinstance(metrics, Mapping) and metrics and not self.units.is_si:
            record = {**record, "note": "; ".join(
                f"{target}: RMSE {self._error_text(target, m.get('rmse'))}, "
                f"coverage {m.get('coverage', 0):.0%}" for target, m in metrics.items())}
        return version_text(record)

    def _error_text(self, target: str, value: Any) -> str:
        """An error or width of ``target`` (stored units) in the shown unit, with the unit."""
        number = self.units.change(float(value if value is not None else "nan"),
                                   self.stored_unit(target), self.typical(target))
        unit = self.shown_unit(target)
        return f"{rounded(number):g}" + (f" {unit}" if unit else "")

    def selected_targets(self) -> list[str]:
        """The properties ticked in the Train box."""
        items = (self.targets_list.item(i) for i in range(self.targets_list.count()))
        checked = Qt.CheckState.Checked
        return [i.text() for i in items if i is not None and i.checkState() == checked]

    def _update_buttons(self) -> None:
        training = self.train_task is not None
        self.train_button.setEnabled(
            bool(self.location) and not training and self.targets_list.count() > 0)
        self.train_button.setText("Training…" if training else "Train and validate")

    # -- training ----------------------------------------------------------------------------
    def train(self) -> Task | None:
        """Train and cross-validate the chosen properties on a worker, with progress/cancel."""
        if not self.location or self.train_task is not None:
            return None
        targets = self.selected_targets()
        if not targets:
            self.message.show_message("Tick at least one property to model.", error=True)
            return None
        location = self.location
        options = {
            "targets": targets,
            "coverage": float(self.coverage_combo.currentData()),
            "cv_folds": int(self.folds_spin.value()),
            "include_process_features": self.process_check.isChecked(),
        }

        def job(progress: Any, cancel: Any) -> Any:
            return _services().train_models(location, progress=progress, cancel=cancel,
                                            **options)

        def done(outcome: TaskOutcome) -> None:
            self.train_task = None
            self._update_buttons()
            if outcome.ok:
                report = outcome.value
                mapping = report.to_mapping() if hasattr(report, "to_mapping") else report
                self.show_evaluation(mapping)
                version = getattr(report, "version", None)
                self.message.show_message(
                    f"Trained and saved model version {version}." if version is not None
                    else "Trained.")
                self.status_message.emit("Models trained"
                                         + (f": version {version}" if version else ""))
                self.publish(MODEL_TRAINED, report)
            else:
                self.message.show_outcome(outcome)
                if outcome.cancelled:
                    self.status_message.emit("Training cancelled; nothing was saved")

        self.message.clear()
        self.train_task = self.runner.start("train models", job, done)
        self.progress.track(self.train_task, "Training…")
        self._update_buttons()
        return self.train_task

    def cancel_training(self) -> None:
        """Ask the running training to stop (nothing is saved then)."""
        if self.train_task is not None:
            self.progress.cancel()

    # -- rendering ---------------------------------------------------------------------------
    def show_evaluation(self, result: Mapping[str, Any]) -> None:
        """Render an evaluation given as plain data, its figures in ``self.units``.

        Args:
            result: a mapping with
                ``cv``: DataFrame, one row per target, columns ``CV_COLUMNS`` (more allowed);
                ``predictions``: {target: DataFrame(measured, predicted, lower, upper,
                domain)}, out-of-fold;
                ``importance``: {target: Series indexed by input name};
                ``units``: {target: unit} (stored units); ``nominal_coverage``: e.g. 0.9;
                ``versions``: list of dicts (version, created, targets, note) or a DataFrame.
        """
        import pandas as pd

        self._result = result
        self._show_cv()
        versions = result.get("versions", [])
        records = versions.to_dict("records") if isinstance(versions, pd.DataFrame) else versions
        self._fill_versions(list(records or []))
        targets = self._targets()
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        self.target_combo.addItems(targets)
        self.target_combo.blockSignals(False)
        self._show_target(self.target_combo.currentText())
        self.notice.setVisible(False)
        self.evaluation_shown.emit(len(targets))

    def units_changed(self) -> None:
        """Show the evaluation held (if any) in the new units: table, note and plots."""
        self._fill_versions(self.versions_records)
        if not self._result:
            return
        self._show_cv()
        self._show_target(self.target_combo.currentText())

    def _targets(self) -> list[str]:
        import pandas as pd

        cv = self._result.get("cv")
        if not isinstance(cv, pd.DataFrame) or "target" not in cv:
            return []
        return [str(t) for t in cv["target"].tolist()]

    def stored_unit(self, target: str) -> str:
        """The unit ``target``'s figures are stored in ("" when unknown or dimensionless)."""
        units = self._result.get("units", {}) or {}
        return clean_unit(units.get(target) or self._target_units.get(target))

    def typical(self, target: str) -> float | None:
        """A typical stored value of ``target`` (its mean measurement): picks psi or ksi."""
        import pandas as pd

        predictions = (self._result.get("predictions") or {}).get(target)
        if isinstance(predictions, pd.DataFrame) and "measured" in predictions:
            mean = pd.to_numeric(predictions["measured"], errors="coerce").mean()
            if mean == mean:
                return float(mean)
        return self._target_typical.get(target)

    def shown_unit(self, target: str) -> str:
        """The unit ``target``'s figures are shown in (``self.units``)."""
        return self.units.unit(self.stored_unit(target), self.typical(target))

    def _show_cv(self) -> None:
        """The cross-validation table and its note, errors and widths in the shown units."""
        import pandas as pd

        result = self._result
        cv = result.get("cv")
        cv = cv if isinstance(cv, pd.DataFrame) else pd.DataFrame(columns=list(CV_COLUMNS))
        ordered = [c for c in CV_COLUMNS if c in cv.columns]
        shown = cv[ordered + [c for c in cv.columns if c not in ordered]].copy()
        nominal = result.get("nominal_coverage")
        if "coverage" in shown:
            shown["coverage"] = [f"{v:.0%}" if v == v else "" for v in shown["coverage"]]
        targets = [str(t) for t in cv["target"]] if "target" in cv else [""] * len(cv)
        for column in _ERROR_COLUMNS:
            if column in shown:
                values = [self.units.change(float(v), self.stored_unit(t), self.typical(t))
                          for v, t in zip(shown[column].astype(float), targets, strict=True)]
                shown[column] = [rounded(v) for v in values]
        if "r2" in shown:
            shown["r2"] = shown["r2"].astype(float).round(3)
        labels = dict(_CV_LABELS)
        if nominal is not None:
            labels["coverage"] = f"Coverage (aim {float(nominal):.0%})"
        self.cv_model.set_frame(shown.rename(columns=labels))
        unit_text = ", ".join(f"{t} in {self.shown_unit(t)}" for t in targets
                              if self.shown_unit(t))
        self.coverage_note.setText(
            ("" if not unit_text else f"Errors and widths: {unit_text}. ")
            + ("" if nominal is None else
               f"Intervals are calibrated for {float(nominal):.0%} coverage; the coverage "
               "column is what held-out recipes actually got."))

    def _on_cv_row_activated(self, index: QModelIndex) -> None:
        self.target_combo.setCurrentIndex(index.row())

    def _show_target(self, target: str) -> None:
        """Draw the visible plot of ``target`` now; the other tabs when they are shown (keeps
        each step on the UI thread short)."""
        self._stale = set(range(self.plots.count())) if target else set()
        self._draw_tab(self.plots.currentIndex())

    def _draw_tab(self, index: int) -> None:
        import pandas as pd

        target = self.target_combo.currentText()
        if index not in self._stale or not target:
            return
        self._stale.discard(index)
        stored, typical = self.stored_unit(target), self.typical(target)
        unit = self.units.unit(stored, typical) or None
        nominal = self._result.get("nominal_coverage")
        nominal = None if nominal is None else float(nominal)
        found = (self._result.get("predictions") or {}).get(target)
        has_predictions = isinstance(found, pd.DataFrame)
        predictions: pd.DataFrame = found if has_predictions else pd.DataFrame()
        if index in (_PARITY_TAB, _RESIDUALS_TAB) and has_predictions:
            predictions = self.units.figures(predictions, stored, typical)
        if index == _PARITY_TAB and has_predictions:
            self.parity.set_data(predictions, target, unit, nominal)
        elif index == _RESIDUALS_TAB and has_predictions:
            self.residuals.set_data(predictions, target, unit)
        elif index == _COVERAGE_TAB and has_predictions and {"lower", "upper"} <= set(
                predictions.columns):
            self.coverage_chart.set_data(predictions, nominal)  # shares: no unit
        elif index == _IMPORTANCE_TAB:
            importance = (self._result.get("importance") or {}).get(target)
            if isinstance(importance, pd.Series):
                effects = self.units.change(importance.astype(float), stored, typical)
                self.importance.set_importance(
                    effects, f"mean |effect| on {target}" + (f" [{unit}]" if unit else ""))


if __name__ == "__main__":
    from desktop.pages.standalone import run_page

    raise SystemExit(run_page(ModelsPage))
