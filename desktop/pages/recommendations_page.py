"""Recommendations: the optimisation's front as a plot and a table (selection linked both
ways), a few recommended recipes, and a card explaining the selected recipe; export.

Takes the newest run from the Optimise page; ``services.recommend`` picks and explains the
recommendations, ``services.export_recommendations`` writes them. Run alone (after an
optimisation in the same session only): ``python -m desktop.pages.recommendations_page``.

Recommendations are kept as the engine computed them (stored units, SI); the plot, the table,
the card and the exports show them in the project's display units (``self.units``), converted
when shown (``services.shown_recommendations``), so switching units re-renders without
picking again.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QWidget,
)

from desktop import service_gaps
from desktop.pages.base import OPTIMISATION_RUN, RECOMMENDATIONS, Page
from desktop.results import (
    as_dict,
    recommendation_rows,
    run_basis,
    run_result,
    run_units,
    shown_frame,
    shown_recommendation,
)
from desktop.widgets.message_line import MessageLine
from desktop.widgets.notice import Notice
from desktop.widgets.pandas_table_model import PandasTableModel
from desktop.widgets.recommendation_card import WHOLE_UNITS, RecommendationCard
from desktop.workers import Task, TaskOutcome

__all__ = ["EXPORT_FILTER", "SERVICE", "RecommendationsPage"]

SERVICE = "recommend"
EXPORT_FILTER = ("HTML report (*.html);;CSV (*.csv);;Excel (*.xlsx);;JSON (*.json)")
_FILTER_SUFFIX = {"HTML": ".html", "CSV": ".csv", "Excel": ".xlsx", "JSON": ".json"}


def _services() -> Any:
    from engine import services

    return services


class RecommendationsPage(Page):
    """Front plot + recipe table on the left, the selected recipe's card on the right.

    Signals:
        recommendations_shown(int): recommendations were rendered; how many.
        recipe_selected(int): a recipe (row of the run's front) was selected.
        exported(str): a file was written.
    """

    title = "Recommendations"
    recommendations_shown = Signal(int)
    recipe_selected = Signal(int)
    exported = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run: Any = None  # the OptimisationRun (passed back to recommend and export)
        self.result: Any = None  # its result: Pareto set, objectives, baseline
        self.recommendations: list[Any] = []  # what recommend returned (stored units)
        self.cards: list[dict[str, Any]] = []  # their dicts (stored units, for the engine)
        self._by_row: dict[int, dict[str, Any]] = {}
        self._explained: dict[int, dict[str, Any]] = {}
        self._syncing = False
        self.recommend_task: Task | None = None

        self.summary = QLabel(self)
        self.k_spin = QSpinBox(self)
        self.k_spin.setRange(1, 10)
        self.k_spin.setValue(3)
        self.k_spin.setPrefix("Recommend ")
        self.k_spin.setSuffix(" recipes")
        self.recommend_button = QPushButton("Pick again", self)
        self.recommend_button.clicked.connect(self.recommend)
        self.export_button = QPushButton("Export…", self)
        self.export_button.setToolTip("Write the recommendations as an HTML report, CSV, "
                                      "Excel or JSON file")
        self.export_button.clicked.connect(self.choose_export)
        self.trial_button = QPushButton("Record a trial →", self)
        self.trial_button.clicked.connect(lambda: self.navigate_requested.emit("Trials"))
        top = self.header(self.summary, self.k_spin, self.recommend_button, self.export_button,
                          self.trial_button)
        self.notice = Notice("", "", self)
        self.message = MessageLine(self)

        from desktop.widgets.front_plot import FrontPlot  # pyqtgraph: when the page is built

        self.front = FrontPlot(self, placeholder="No optimisation run yet")
        self.front.point_clicked.connect(self.select_recipe)
        self.table_model = PandasTableModel(parent=self)
        self.table = QTableView(self)
        self.table.setModel(self.table_model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setAlternatingRowColors(True)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_row)
        left = QSplitter(Qt.Orientation.Vertical, self)
        left.addWidget(self.front)
        left.addWidget(self.table)
        left.setSizes([420, 260])
        self.card = RecommendationCard(self)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.card)
        scroll.setMinimumWidth(380)
        self.assemble(top, (self.notice, self.message), left, scroll, (700, 520), (3, 2))
        self.project_changed()

    # -- inputs ------------------------------------------------------------------------------
    def project_changed(self) -> None:
        """Forget the run of the previous project."""
        self.set_run(None)

    def on_shared(self, key: str, value: Any) -> None:
        """A new optimisation run: recommend from it."""
        if key == OPTIMISATION_RUN:
            self.set_run(value)

    def set_run(self, run: Any) -> None:
        """Show a run's front and pick recommendations from it (on a worker)."""
        self.run = run
        self.result = None if run is None else run_result(run)
        self.recommendations, self.cards, self._by_row, self._explained = [], [], {}, {}
        self.card.show_recommendation(None)
        self.message.clear()
        if run is None:
            self.table_model.clear()
            self.front.clear()
            self.summary.clear()
            if not service_gaps.has_service(SERVICE):
                self.notice.set_text(
                    "Not available yet",
                    f"Recommendations need the engine service {SERVICE}, which is being "
                    "written. Here you will see a few recipes chosen from the optimisation's "
                    "front, their predicted properties with intervals, cost and CO₂, whether "
                    "they lie inside the plant's data, and what changed compared with the "
                    "current recipe and why.")
            else:
                self.notice.set_text(
                    "No optimisation yet",
                    "Run an optimisation on the Optimise page; its trade-off front and the "
                    "recommended recipes appear here.")
            self.notice.setVisible(True)
            self._update_buttons()
            return
        self.notice.setVisible(False)
        result = self.result
        labels = list(result.objective_labels)
        self.front.set_axes(labels, run_units(run),
                            dict(zip(labels, result.senses, strict=False)))
        self.front.set_display_units(self.units)
        self._show_table()
        self._draw_front()
        self.summary.setText(f"{len(result.pareto)} recipes on the front of "
                             f"“{getattr(result, 'study_name', 'the study')}”.")
        self.recommend()

    def recommend(self) -> Task | None:
        """Pick ``k`` recommendations from the run (on a worker)."""
        if self.run is None or not self.location or not service_gaps.has_service(SERVICE):
            self._update_buttons()
            return None
        run, location, k = self.run, self.location, self.k_spin.value()

        def job(progress: Any, cancel: Any) -> list[Any]:
            return list(_services().recommend(location, run, k=k))

        def done(outcome: TaskOutcome) -> None:
            self.recommend_task = None
            self._update_buttons()
            if not outcome.ok:
                self.message.show_outcome(outcome)
                return
            if run is not self.run:
                return
            self.show_recommendations(outcome.value)

        self.recommend_task = self.runner.start("recommend", job, done,
                                                 replaces=self.recommend_task)
        self.progress.track(self.recommend_task, "Choosing and explaining recipes…")
        self._update_buttons()
        return self.recommend_task

    def show_recommendations(self, recommendations: list[Any]) -> None:
        """Mark the recommended recipes in the plot and table; select the first."""
        self.recommendations = list(recommendations)
        self.cards = [as_dict(r) for r in self.recommendations]
        rows = recommendation_rows(self.cards, self.result.pareto, self.result.variable_names)
        self._by_row = {row: card for row, card in zip(rows, self.cards, strict=True)
                        if row is not None}
        self._show_table()
        self._draw_front()
        self.publish(RECOMMENDATIONS, self.cards)
        self.recommendations_shown.emit(len(self.cards))
        self._update_buttons()
        first = rows[0] if rows else None
        if first is not None:
            self.select_recipe(first)
        if not self.cards:
            self.message.show_message("No recipe to recommend: the run found no recipe that "
                                      "satisfies every limit.")

    def units_changed(self) -> None:
        """Show the front, the table and the card in the new units (nothing is re-run)."""
        self.front.set_display_units(self.units)
        if self.result is None:
            return
        self._show_table()
        selected = self.front.selected
        if selected is not None:
            self._show_card(selected)

    def shown_recommendations(self) -> list[Any]:
        """The recommendations in the display units (what the exports write)."""
        return list(_services().shown_recommendations(self.recommendations, self.units))

    # -- views -------------------------------------------------------------------------------
    def _show_table(self) -> None:
        import pandas as pd

        run = self.result
        pareto = run.pareto
        ranks = [self._by_row[r].get("rank") if r in self._by_row else None
                 for r in range(len(pareto))]
        first: dict[str, Any] = {
            "recommended": pd.array(ranks, dtype="Int64"),
            "why": [", ".join(str(x) for x in self._by_row[r].get("reasons") or ())
                    if r in self._by_row else "" for r in range(len(pareto))],
        }
        domain = ("domain_label",) if getattr(run, "targets", ()) else ()  # none without models
        columns = [c for c in dict.fromkeys((*run.objective_labels, "cost", "co2", *domain))
                   if c in pareto.columns]
        for target in getattr(run, "targets", ()):
            for suffix in ("_mean", "_lower", "_upper"):
                name = f"{target}{suffix}"
                if name in pareto.columns and name not in columns:
                    columns.append(name)
        columns += [c for c in run.variable_names if c in pareto.columns and c not in columns]
        frame = pd.concat([pd.DataFrame(first), pareto[columns].reset_index(drop=True)], axis=1)
        frame = frame.rename(columns={"domain_label": "domain"})
        frame, units = shown_frame(frame, run_units(self.run), self.units)
        numeric = frame.select_dtypes("float").columns
        frame[numeric] = frame[numeric].round(2)
        whole = [c for c in numeric if units.get(str(c)) in WHOLE_UNITS]
        frame[whole] = frame[whole].round(0)
        selected = self.front.selected
        self.table_model.set_frame(frame, units)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # recommended first
        self.table.resizeColumnsToContents()
        for column in range(self.table_model.columnCount()):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 190))
        if selected is not None:
            self._select_table_row(selected)

    def _draw_front(self) -> None:
        marks = {row: f"#{card.get('rank')}" for row, card in self._by_row.items()}
        self.front.show_frame(self.result.pareto, baseline=getattr(self.result, "baseline", None),
                              marks=marks, caption="click a recipe · ★ current recipe")

    def select_recipe(self, row: int) -> None:
        """Select a recipe (row of the run's front) in the plot, the table and the card."""
        if self.result is None or not 0 <= row < len(self.result.pareto):
            return
        self.front.select(row)
        self._select_table_row(row)
        self._show_card(row)
        self.recipe_selected.emit(row)

    def _select_table_row(self, row: int) -> None:
        display = self.table_model.row_of_position(row)
        if display < 0:
            return
        self._syncing = True
        try:
            index = self.table_model.index(display, 0)
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
            self.table.scrollTo(index)
        finally:
            self._syncing = False

    def _on_table_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._syncing or not current.isValid():
            return
        row = int(self.table_model.visible_rows[current.row()])
        self.front.select(row)
        self._show_card(row)
        self.recipe_selected.emit(row)

    def _show_card(self, row: int) -> None:
        if row in self._by_row:
            self.card.show_recommendation(shown_recommendation(self._by_row[row], self.units))
            return
        if row in self._explained:
            self.card.show_recommendation(
                shown_recommendation(self._explained[row], self.units),
                "Not one of the recommended recipes; explained on request.")
            return
        self.card.show_recommendation(shown_recommendation(self._basic_card(row), self.units),
                                      "Not one of the recommended recipes.")
        if service_gaps.has_service("explain_recipe") and self.location:
            run, location = self.run, self.location

            def done(outcome: TaskOutcome) -> None:
                if outcome.ok and run is self.run:
                    self._explained[row] = as_dict(outcome.value)
                    if self.front.selected == row:
                        self._show_card(row)
                elif not outcome.ok and not outcome.cancelled:
                    self.message.show_outcome(outcome)

            self.runner.start("explain recipe",
                              lambda p, c: _services().explain_recipe(location, run, row), done)

    def _basic_card(self, row: int) -> dict[str, Any]:
        """What the front itself says about a recipe (before or without an explanation), in
        stored units: the fields ``ExplainedRecommendation.from_dict`` needs, so it converts
        like an explained one."""
        result = self.result
        record = result.pareto.iloc[row]
        units = run_units(self.run)
        basis = run_basis(self.run)
        currency = str(getattr(result, "currency", "") or "")
        properties = [
            {"target": target, "unit": units.get(target, ""), "mean": record[f"{target}_mean"],
             "lower": record.get(f"{target}_lower"), "upper": record.get(f"{target}_upper"),
             "coverage": getattr(result, "coverage", None)}
            for target in getattr(result, "targets", ()) if f"{target}_mean" in record]
        base = None
        if getattr(result, "baseline", None) is not None and len(result.baseline):
            base = result.baseline.iloc[0]
        changes = []
        for name in result.variable_names:
            change = {"name": name, "value": record[name], "unit": units.get(name, ""),
                      "baseline": None}
            if base is not None and name in base:
                change["baseline"] = base[name]
                if isinstance(record[name], int | float) and isinstance(base[name], int | float):
                    change["delta"] = float(record[name]) - float(base[name])
            changes.append(change)
        for prediction in properties:
            column = f"{prediction['target']}_mean"
            if base is not None and column in base:
                prediction["baseline_mean"] = base[column]
        deltas = {}
        for key in ("cost", "co2"):
            if base is not None and record.get(key) is not None and base.get(key) is not None:
                deltas[f"{key}_delta"] = float(record[key]) - float(base[key])
        return {
            **deltas,
            "recipe": {name: record[name] for name in result.variable_names},
            "changes": changes,
            "properties": properties,
            "domain_label": record.get("domain_label", ""),
            "cost": record.get("cost"),
            "co2": record.get("co2"),
            "currency": currency,
            "kind": "selection",
            "row": row,
            "basis": basis,
            "cost_unit": units.get("cost", currency),
            "co2_unit": units.get("co2", "kg CO₂e"),
        }

    # -- export ------------------------------------------------------------------------------
    def choose_export(self) -> None:
        """Ask for a file (HTML, CSV, Excel, JSON) and export the recommendations."""
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export recommendations", str(Path.home() / "recommendations.html"),
            EXPORT_FILTER)
        if not path:
            return
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(_FILTER_SUFFIX.get(chosen.split(" ")[0], ".html"))
        self.export(target)

    def export(self, path: Path) -> Task | None:
        """Write the recommendations to ``path`` (the suffix chooses the format)."""
        if not self.recommendations or not service_gaps.has_service("export_recommendations"):
            return None
        recommendations = self.shown_recommendations()  # as the page shows them
        export = _services().export_recommendations
        try:
            takes_run = "run" in inspect.signature(export).parameters
        except (TypeError, ValueError):
            takes_run = False
        extra = {"run": self.run} if takes_run else {}

        def done(outcome: TaskOutcome) -> None:
            self.message.show_outcome(outcome, f"Exported {len(recommendations)} "
                                      f"recommendation(s) to {path}")
            if outcome.ok:
                self.status_message.emit(f"Recommendations exported to {path}")
                self.exported.emit(str(path))

        task = self.runner.start(
            "export recommendations",
            lambda p, c: export(recommendations, path, **extra), done)
        self.progress.track(task, f"Writing {path.name}…")
        return task

    def _update_buttons(self) -> None:
        has_run = self.run is not None and bool(self.location)
        busy = self.recommend_task is not None
        self.recommend_button.setEnabled(has_run and not busy
                                         and service_gaps.has_service(SERVICE))
        self.k_spin.setEnabled(has_run)
        self.export_button.setEnabled(bool(self.recommendations) and not busy
                                      and service_gaps.has_service("export_recommendations"))
        self.trial_button.setEnabled(bool(self.recommendations))


if __name__ == "__main__":
    from desktop.pages.standalone import run_page

    raise SystemExit(run_page(RecommendationsPage))
