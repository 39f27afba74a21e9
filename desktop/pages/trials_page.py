"""Trials: record which plant batches followed a recommendation, then compare what the lab
measured with what was predicted (inside the interval? hit rate), in a table and a plot.

``services.record_trial`` stores a trial, ``services.trials`` lists them with predicted and
measured values. Run alone: ``python -m desktop.pages.trials_page``.
"""

from __future__ import annotations

import inspect
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop import service_gaps
from desktop.pages.base import RECOMMENDATIONS, TRIAL_RECORDED, Page
from desktop.results import (
    as_dict,
    compact_number,
    shown_recommendation,
    trial_property_column,
)
from desktop.widgets.message_line import MessageLine
from desktop.widgets.notice import Notice
from desktop.widgets.pandas_table_model import PandasTableModel
from desktop.workers import Task, TaskOutcome
from engine.errors import FormixError
from engine.types import DisplayUnits

__all__ = ["SERVICES", "TrialsPage", "recommendation_text", "shown_trials"]

SERVICES = ("record_trial", "trials")
_MAX_BATCHES_LISTED = 5000
_TYPED = "typed"  # item data of batch ids typed in that the project does not hold yet


def _services() -> Any:
    from engine import services

    return services


def recommendation_text(card: dict[str, Any]) -> str:
    """One line per recommendation in the chooser: "id 4 · #1 knee · inside · strength 52 …"."""
    parts = [f"id {card.get('id', '?')}"]
    if card.get("rank"):
        reasons = ", ".join(str(r) for r in card.get("reasons") or ())
        parts.append(f"#{card['rank']} {reasons}".strip())
    if card.get("domain_label"):
        parts.append(str(card["domain_label"]))
    for p in card.get("properties") or []:
        if p.get("mean") is not None:
            mean = compact_number(float(p["mean"]))
            parts.append(f"{p.get('target')} {mean} {p.get('unit') or ''}".strip())
    if card.get("cost") is not None:
        unit = card.get("cost_unit") or card.get("currency") or ""
        parts.append(f"{compact_number(float(card['cost']), 4)} {unit}".strip())
    return " · ".join(parts)


def shown_trials(frame: Any, units: DisplayUnits) -> Any:
    """The trials frame with predicted, interval, measured and error in ``units``; ``inside``
    and the hit rate do not change."""
    from engine import services

    return services.trials_in_units(frame, units)


_FIGURES = ("predicted", "lower", "upper", "measured")
"""Columns of the trials table in the property's unit (rounded to its size)."""
_SHOWN_COLUMNS = ("batch_id", "property", "predicted", "lower", "upper", "measured", "inside",
                  "unit", "test_age_days", "domain", "recommendation_id", "trial_id",
                  "n_measurements", "note", "recorded_at")


class TrialsPage(Page):
    """Record a trial (recommendation + batches); trials table, hit rate, predicted vs measured.

    Signals:
        trials_shown(int): the trials table was filled; its number of rows.
        trial_recorded(object): a trial was stored (what ``record_trial`` returned).
    """

    title = "Trials"
    trials_shown = Signal(int)
    trial_recorded = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards: dict[str, dict[str, Any]] = {}  # recommendation id → dict
        self.report: Any = None  # the trials frame as stored (canonical units)
        self.shown_report: Any = None  # … with its figures in ``self.units``
        self.record_task: Task | None = None

        top = self.header(QLabel("When the plant makes batches to a recommended recipe, record "
                                 "them here; once the lab results are imported, see whether they "
                                 "landed inside the predicted interval.", self))
        self.notice = Notice("", "", self)
        self.message = MessageLine(self)

        self.recommendation_combo = QComboBox(self)
        self.recommendation_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.recommendation_combo.setMinimumContentsLength(20)
        self.batch_filter = QLineEdit(self)
        self.batch_filter.setPlaceholderText("Filter, or type new batch ids and press Enter…")
        self.batch_filter.setToolTip(
            "Filters the project's batches. Batches not imported yet (the lab results come "
            "later) can be typed, comma-separated, and added with Enter.")
        self.batch_filter.setClearButtonEnabled(True)
        self.batch_filter.textChanged.connect(self._filter_batches)
        self.batch_filter.returnPressed.connect(self.add_typed_batches)
        self.batch_list = QListWidget(self)
        self.batch_list.setToolTip("Tick the batches made to this recipe")
        self.batch_list.itemChanged.connect(lambda _i: self._selection_changed())
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText("e.g. night shift, silo 2 (optional)")
        self.record_button = QPushButton("Record trial", self)
        self.record_button.clicked.connect(lambda: self.record())
        self.force_button = QPushButton("Record anyway", self)
        self.force_button.setToolTip("The batches did follow the recommendation although their "
                                     "amounts or date do not fit: record them anyway")
        self.force_button.clicked.connect(lambda: self.record(force=True))
        self.force_button.setVisible(False)
        record_box = QGroupBox("Record a trial", self)
        form = QFormLayout(record_box)
        form.addRow("Recommendation", self.recommendation_combo)
        form.addRow("Batches made", self.batch_filter)
        form.addRow("", self.batch_list)
        form.addRow("Note", self.note_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.force_button)
        form.addRow(buttons)

        self.hit_rate = QLabel(self)
        self.hit_rate.setWordWrap(True)
        self.table_model = PandasTableModel(parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.table_model)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setAlternatingRowColors(True)
        results_box = QGroupBox("Trials: predicted before, measured after", self)
        results_layout = QVBoxLayout(results_box)
        results_layout.addWidget(self.hit_rate)
        results_layout.addWidget(self.table, 1)
        left = QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(record_box)
        left.addWidget(results_box)
        left.setSizes([280, 380])

        from desktop.widgets.parity_plot import ParityPlot  # pyqtgraph: when the page is built

        self.plot = ParityPlot(self)
        plot_box = QGroupBox("Predicted (with interval) against measured", self)
        plot_layout = QVBoxLayout(plot_box)
        self.plot_target = QComboBox(self)
        self.plot_target.currentTextChanged.connect(self._draw)
        target_row = QHBoxLayout()
        target_row.addWidget(QLabel("Property", self))
        target_row.addWidget(self.plot_target, 1)
        plot_layout.addLayout(target_row)
        plot_layout.addWidget(self.plot, 1)
        self.assemble(top, (self.notice, self.message), left, plot_box, (700, 540))
        self.project_changed()

    # -- project -------------------------------------------------------------------------------
    def project_changed(self) -> None:
        """Load the project's recommendations, batch ids and trials (on a worker)."""
        self.cards = {}
        self.report = self.shown_report = None
        self.recommendation_combo.clear()
        self.batch_list.clear()
        self.table_model.clear()
        self.hit_rate.clear()
        self.message.clear()
        missing = [name for name in SERVICES if not service_gaps.has_service(name)]
        if missing:
            self.notice.set_text(
                "Not available yet",
                f"Recording trials needs the engine service(s) {', '.join(missing)}, which "
                "are being written. Here you will record which batches followed a "
                "recommendation and see their lab results against the predicted interval.")
            self.notice.setVisible(True)
        elif not self.location:
            self.notice.set_text("Open a project first",
                                 "Use the File menu (or open the demo project).")
            self.notice.setVisible(True)
        else:
            self.notice.setVisible(False)
            self.reload()
        self._update_buttons()

    def on_shared(self, key: str, value: Any) -> None:
        """New recommendations (Recommendations page): offer them in the chooser."""
        if key == RECOMMENDATIONS and value:
            self.add_recommendations(list(value))

    def reload(self) -> Task | None:
        """Read saved recommendations, batch ids and trials of the project."""
        if not self.location:
            return None
        location = self.location

        def job(progress: Any, cancel: Any) -> tuple[list[Any], list[str], Any]:
            services = _services()
            cards = (list(services.saved_recommendations(location))
                     if hasattr(services, "saved_recommendations") else [])
            if hasattr(services, "batch_ids"):
                batches = [str(b) for b in services.batch_ids(location)]
            else:  # until batch_ids exists: the batches of the modelling table
                table, _report = services.modelling_table(location, progress=progress,
                                                          cancel=cancel)
                column = next((c for c in table.id_columns if "batch" in c), None)
                batches = ([] if column is None else
                           sorted(str(b) for b in table.frame[column].dropna().unique()))
            return cards, batches, services.trials(location)

        def done(outcome: TaskOutcome) -> None:
            if location != self.location:
                return
            if not outcome.ok:
                self.message.show_outcome(outcome)
                return
            cards, batches, report = outcome.value
            self.add_recommendations([as_dict(c) for c in cards])
            self._fill_batches(batches)
            self.show_trials(report)

        task = self.runner.start("read trials", job, done)
        self.progress.track(task, "Reading trials…")
        return task

    def add_recommendations(self, cards: list[Any]) -> None:
        """Offer these recommendations (dicts with an ``id``) in the chooser, newest first;
        the first of them is chosen."""
        fresh = [as_dict(card) for card in cards]
        fresh = [card for card in fresh
                 if card.get("id") is not None and str(card["id"]) not in self.cards]
        if not fresh:
            return
        # the newest recommendations first, each batch in its own rank order
        self.cards = {**{str(card["id"]): card for card in fresh}, **self.cards}
        self.recommendation_combo.clear()
        for ident, card in self.cards.items():
            shown = shown_recommendation(card, self.units)
            self.recommendation_combo.addItem(recommendation_text(shown), ident)
        self.recommendation_combo.setCurrentIndex(0)
        self._update_buttons()

    def units_changed(self) -> None:
        """Show the recommendations offered and the trials held in the new units."""
        for i in range(self.recommendation_combo.count()):
            card = self.cards.get(str(self.recommendation_combo.itemData(i)))
            if card is not None:
                self.recommendation_combo.setItemText(
                    i, recommendation_text(shown_recommendation(card, self.units)))
        if self.report is not None:
            self.shown_report = shown_trials(self.report, self.units)
            self._fill_table()
            self._draw(self.plot_target.currentText())

    def _fill_batches(self, batches: list[str]) -> None:
        self.batch_list.blockSignals(True)
        self.batch_list.clear()
        for batch in batches[-_MAX_BATCHES_LISTED:][::-1]:  # newest first
            item = QListWidgetItem(batch, self.batch_list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.batch_list.blockSignals(False)
        self._filter_batches(self.batch_filter.text())

    def _filter_batches(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.batch_list.count()):
            item = self.batch_list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().lower())

    def add_typed_batches(self) -> None:
        """Tick the typed batch ids, adding those the project does not know yet."""
        typed = [part.strip() for part in self.batch_filter.text().split(",") if part.strip()]
        known = {self.batch_list.item(i).text() for i in range(self.batch_list.count())}
        for batch in typed:
            if batch not in known:
                item = QListWidgetItem(batch)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                item.setToolTip("not in the project yet")
                item.setData(Qt.ItemDataRole.UserRole, _TYPED)
                self.batch_list.insertItem(0, item)
        self.set_batches_checked([*self.checked_batches(), *typed])
        self.batch_filter.clear()

    def _typed_batches(self) -> set[str]:
        """The batch ids typed in that the project does not hold yet."""
        items = (self.batch_list.item(i) for i in range(self.batch_list.count()))
        return {i.text() for i in items if i.data(Qt.ItemDataRole.UserRole) == _TYPED}

    def _offer_force(self, refusal: str) -> None:
        """Show why the batches were refused, and "Record anyway" for the same choice."""
        lines = [line for line in refusal.splitlines() if "--force" not in line]
        lines.append("If these batches did follow the recommendation, press Record anyway.")
        self.message.show_message("\n".join(lines), error=True)
        self.force_button.setVisible(True)

    def _selection_changed(self) -> None:
        self.force_button.setVisible(False)
        self._update_buttons()

    def set_batches_checked(self, batches: list[str]) -> None:
        """Tick exactly these batches."""
        wanted = set(batches)
        for i in range(self.batch_list.count()):
            item = self.batch_list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.text() in wanted
                               else Qt.CheckState.Unchecked)

    def checked_batches(self) -> list[str]:
        """The ticked batches."""
        items = (self.batch_list.item(i) for i in range(self.batch_list.count()))
        return [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]

    # -- record ------------------------------------------------------------------------------
    def record(self, force: bool = False) -> Task | None:
        """Store a trial: the chosen recommendation made as the ticked batches.

        Batches typed in as not in the project yet are recorded as such. The engine refuses
        batches whose amounts or date do not fit the recommendation; the refusal is shown with
        "Record anyway", which records them with ``force``.
        """
        ident = self.recommendation_combo.currentData()
        batches = self.checked_batches()
        if not self.location or ident is None or not batches or self.record_task is not None:
            return None
        location, note = self.location, self.note_edit.text().strip()
        services = _services()
        record_trial = services.record_trial
        try:
            accepted = inspect.signature(record_trial).parameters
        except (TypeError, ValueError):
            accepted = {}
        wished = {"note": note or None, "force": force,
                  "not_imported_yet": bool(set(batches) & self._typed_batches())}
        extra = {key: value for key, value in wished.items() if value and key in accepted}
        self.force_button.setVisible(False)

        def job(progress: Any, cancel: Any) -> tuple[Any, Any]:
            try:
                recorded = record_trial(location, ident, batches, **extra)
            except FormixError as refused:
                if force or not hasattr(services, "check_trial") \
                        or not services.check_trial(location, ident, batches).mismatched:
                    raise
                return None, str(refused)
            return recorded, services.trials(location)

        def done(outcome: TaskOutcome) -> None:
            self.record_task = None
            self._update_buttons()
            if not outcome.ok:
                self.message.show_outcome(outcome)
                return
            recorded, report = outcome.value
            if recorded is None:
                self._offer_force(report)
                return
            self.message.show_message(
                f"Recorded: recommendation {ident} tried in batch(es) {', '.join(batches)}.")
            self.set_batches_checked([])
            self.show_trials(report)
            self.publish(TRIAL_RECORDED, recorded)
            self.trial_recorded.emit(recorded)
            self.status_message.emit(f"Trial recorded ({len(batches)} batch(es))")

        self.record_task = self.runner.start("record trial", job, done)
        self.progress.track(self.record_task, "Recording the trial…")
        self._update_buttons()
        return self.record_task

    # -- show --------------------------------------------------------------------------------
    def show_trials(self, report: Any) -> None:
        """Fill the table, the hit rate and the plot from what ``trials()`` returned."""
        import pandas as pd

        frame = getattr(report, "frame", report)
        if not isinstance(frame, pd.DataFrame):
            frame = pd.DataFrame(frame)
        self.report = frame
        self.shown_report = shown_trials(frame, self.units)
        self._fill_table()
        hit_rate = frame.attrs.get("hit_rate", getattr(report, "hit_rate", None))
        measured = int(frame["measured"].notna().sum()) if "measured" in frame else 0
        coverage = frame.attrs.get("coverage")
        if not len(frame):
            self.hit_rate.setText("No trials recorded yet.")
        elif hit_rate is None or hit_rate != hit_rate or measured == 0:
            self.hit_rate.setText(f"{len(frame)} trial row(s); no lab results for them yet "
                                  "(import them on the Data page).")
        else:
            target = (f" (the intervals promise {float(coverage):.0%})"
                      if coverage is not None and coverage == coverage else "")
            self.hit_rate.setText(
                f"<b>Hit rate {float(hit_rate):.0%}</b> of {measured} measured result(s) fell "
                f"inside their predicted interval{target}.")
        column = trial_property_column(frame)
        targets = [str(t) for t in frame[column].dropna().unique()] if column else []
        self.plot_target.blockSignals(True)
        current = self.plot_target.currentText()
        self.plot_target.clear()
        self.plot_target.addItems(targets)
        if current in targets:
            self.plot_target.setCurrentText(current)
        self.plot_target.blockSignals(False)
        self._draw(self.plot_target.currentText())
        self.trials_shown.emit(len(frame))

    def _fill_table(self) -> None:
        """The trials table, its figures in ``self.units`` (each row with its unit)."""
        import pandas as pd

        from desktop.widgets.parity_plot import rounded

        frame = self.shown_report
        columns = [c for c in _SHOWN_COLUMNS if c in frame.columns]
        shown = frame[columns + [c for c in frame.columns if c not in _SHOWN_COLUMNS
                                 and c not in ("coverage", "error", "run_id", "kind")]].copy()
        numeric = [c for c in shown.select_dtypes("float").columns if c not in _FIGURES]
        shown[numeric] = shown[numeric].round(2)
        for name in _FIGURES:
            if name in shown:
                shown[name] = [rounded(float(v)) for v in shown[name]]
        if "inside" in shown:
            shown["inside"] = [("" if v is pd.NA or v is None or v != v else
                                ("yes" if v else "NO")) for v in shown["inside"].astype(object)]
        self.table_model.set_frame(shown)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.resizeColumnsToContents()

    def _draw(self, target: str) -> None:
        import pandas as pd

        frame = self.shown_report
        if not isinstance(frame, pd.DataFrame) or not len(frame):
            self.plot.plot.clear()
            return
        column = trial_property_column(frame)
        rows = frame[frame[column] == target] if column and target else frame
        unit = None
        if "unit" in rows and rows["unit"].notna().any():
            unit = str(rows["unit"].dropna().iloc[0]) or None
        self.plot.set_data(rows, target or "property", unit)

    def _update_buttons(self) -> None:
        ready = (bool(self.location) and service_gaps.has_service("record_trial")
                 and self.recommendation_combo.count() > 0 and bool(self.checked_batches()))
        self.record_button.setEnabled(ready and self.record_task is None)
        if self.recommendation_combo.count() == 0:
            self.record_button.setToolTip("No recommendation yet: optimise and pick "
                                          "recommendations first")
        else:
            self.record_button.setToolTip("")


if __name__ == "__main__":
    from desktop.pages.standalone import run_page

    raise SystemExit(run_page(TrialsPage))
