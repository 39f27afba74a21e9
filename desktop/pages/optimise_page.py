"""Optimise: edit the study (what may vary, what must hold, what to optimise), run NSGA-II
with live progress and the evolving trade-off front, cancel.

The study is edited as the plain dict that mirrors its TOML file; opening, saving, the
project's default study, the prices and CO₂ factors from the project's materials catalogue
(``material_factors``) and the run are one ``engine.services`` call each, on a worker.
Run alone: ``python -m desktop.pages.optimise_page``.

The study forms and the front are in the project's display units (``self.units``: lb/yd³,
psi, °F, USD/yd³ for a US plant): a study is converted (``display_study``) when it is loaded and
when the units change, limits typed without a unit are in the unit their property is shown in,
and the engine converts the study to the model's stored units when it runs.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from desktop import service_gaps
from desktop.pages.base import MODEL_TRAINED, OPTIMISATION_RUN, Page
from desktop.results import clean_unit, run_history, run_result, run_units
from desktop.widgets.message_line import MessageLine
from desktop.widgets.notice import Notice
from desktop.widgets.study_editor import StudyEditor
from desktop.workers import LatestValue, Task, TaskOutcome

__all__ = ["SERVICE", "STUDY_FILTER", "OptimisePage"]

SERVICE = "optimise"
STUDY_SERVICES = ("default_study", "load_study", "save_study")
FALLBACK_SETTINGS = {"algorithm": {"population": 60, "generations": 40, "seed": 0},
                     "domain": {"mode": "inside"}}
"""The Settings tab without a study dict (until the engine offers ``default_study``)."""
_STUDY_TABS = (0, 1, 2)  # variables, mixture & ratios, goals & limits
STUDY_FILTER = "Study files (*.toml);;All files (*)"
LIVE_REFRESH_MS = 250
FACTORS_DELAY_MS = 400  # after the material variables were edited, ask the catalogue again


def _services() -> Any:
    from engine import services

    return services


class OptimisePage(Page):
    """Study forms on the left; the front as it evolves, progress and the result on the right.

    Signals:
        study_loaded(str): a study was put in the forms; where from.
        factors_shown(): the catalogue's prices and CO₂ factors are in the forms.
        run_finished(object): a run ended with a result (the OptimisationRun).
    """

    title = "Optimise"
    study_loaded = Signal(str)
    factors_shown = Signal()
    run_finished = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_task: Task | None = None
        self.run_object: Any = None  # what optimise returned (an OptimisationRun)
        self.result: Any = None  # its result (Pareto set, history …)
        self.study_source = ""
        self._live = LatestValue()
        self._live_fronts: list[Any] = []
        self._history: list[Any] = []
        self._known_units: dict[str, str] = {}  # stored unit per column (model, last run)
        self._shown_units: dict[str, str] = {}  # … the unit the forms show it in
        self._live_units: dict[str, str] = {}  # … of the running study's objectives
        self._timer = QTimer(self)
        self._timer.setInterval(LIVE_REFRESH_MS)
        self._timer.timeout.connect(self._poll_live)
        self._factors_for: tuple[Any, ...] | None = None  # the material variables asked about
        self._factors_timer = QTimer(self)
        self._factors_timer.setSingleShot(True)
        self._factors_timer.setInterval(FACTORS_DELAY_MS)
        self._factors_timer.timeout.connect(self._refresh_factors_if_changed)

        self.study_label = QLabel(self)
        self.open_button = QPushButton("Open study…", self)
        self.open_button.clicked.connect(self.choose_study)
        self.save_button = QPushButton("Save study…", self)
        self.save_button.clicked.connect(self.choose_save)
        self.default_button = QPushButton("Project default", self)
        self.default_button.setToolTip("Start again from the study that fits the project's model")
        self.default_button.clicked.connect(self.load_default_study)
        self.run_button = QPushButton("Run optimisation", self)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        top = self.header(self.study_label, self.open_button, self.save_button,
                          self.default_button, self.run_button)
        self.notice = Notice("", "", self)
        self.message = MessageLine(self)

        self.editor = StudyEditor(self)
        self.editor.edited.connect(self._on_edited)
        from desktop.widgets.front_plot import FrontPlot  # pyqtgraph: when the page is built

        self.front = FrontPlot(self, placeholder="Run the optimisation to see the front here")
        self.generation_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.generation_slider.setEnabled(False)
        self.generation_slider.valueChanged.connect(self._show_generation)
        self.generation_label = QLabel("", self)
        slider_row = QHBoxLayout()
        slider_row.addWidget(QLabel("Generation", self))
        slider_row.addWidget(self.generation_slider, 1)
        slider_row.addWidget(self.generation_label)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.recommend_button = QPushButton("See recommendations →", self)
        self.recommend_button.setEnabled(False)
        self.recommend_button.clicked.connect(
            lambda: self.navigate_requested.emit("Recommendations"))
        result_row = QHBoxLayout()
        result_row.addWidget(self.summary, 1)
        result_row.addWidget(self.recommend_button)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        front_title = QLabel("<b>Trade-off front</b> — every point is a recipe no other "
                             "recipe beats on all goals at once", self)
        front_title.setWordWrap(True)
        right_layout.addWidget(front_title)
        right_layout.addWidget(self.front, 1)
        right_layout.addLayout(slider_row)
        right_layout.addLayout(result_row)

        self.assemble(top, (self.notice, self.message), self.editor, right,
                      (660, 580), (1, 1))
        self._modified = False
        self.project_changed()

    # -- project and study ---------------------------------------------------------------------
    def project_changed(self) -> None:
        """Load the project's default study (on a worker) and forget the previous run."""
        self.result = self.run_object = None
        self._history = []
        self._known_units = {}
        self._shown_units = {}
        self.front.clear()
        self.summary.clear()
        self.message.clear()
        self.generation_slider.setEnabled(False)
        self.generation_label.clear()
        self.recommend_button.setEnabled(False)
        self._factors_for = None
        self.editor.set_material_factors(None)
        has_forms = service_gaps.has_service("default_study")
        for tab in _STUDY_TABS:
            self.editor.tabs.setTabEnabled(tab, has_forms)
        if not service_gaps.has_service(SERVICE):
            self.notice.set_text(
                "Not available yet",
                f"Optimising needs the engine service {SERVICE}, which is being written.")
            self.notice.setVisible(True)
        elif not self.location:
            self.notice.set_text("Open a project first",
                                 "Use the File menu (or open the demo project).")
            self.notice.setVisible(True)
        elif not has_forms:
            self.set_study(FALLBACK_SETTINGS, "project default")
            self.editor.tabs.setCurrentIndex(self.editor.tabs.count() - 1)
            self.notice.set_text(
                "Runs the project's default study",
                "Editing variables, limits and goals needs the engine services "
                f"{', '.join(STUDY_SERVICES)} (requested); until then the run uses the "
                "project's own study with the settings below.")
            self.notice.setVisible(True)
        else:
            self.notice.setVisible(False)
            self.load_default_study()
        self._update_buttons()

    def on_shared(self, key: str, value: Any) -> None:
        """A new model was trained: offer its properties; the default study may now fit it."""
        if key != MODEL_TRAINED:
            return
        self._known_units.update({str(k): clean_unit(v) for k, v in
                                  (getattr(value, "units", None) or {}).items() if v})
        targets = getattr(value, "targets", None)
        if targets:
            self.editor.set_targets(list(targets))
        if self.location and not self._modified:
            self.load_default_study()

    def load_default_study(self) -> Task | None:
        """Put the project's default study (fitting its latest model) in the forms."""
        if not self.location or not service_gaps.has_service("default_study"):
            return None
        location = self.location
        return self._load(
            lambda progress, cancel: _services().default_study(location, progress=progress,
                                                               cancel=cancel),
            "project default", readable=True)

    def choose_study(self) -> None:
        """Ask for a study file and open it."""
        path, _filter = QFileDialog.getOpenFileName(self, "Open study", str(Path.home()),
                                                    STUDY_FILTER)
        if path:
            self.open_study(Path(path))

    def open_study(self, path: Path) -> Task | None:
        """Read a study TOML file (checked by the engine) into the forms."""
        if not service_gaps.has_service("load_study"):
            return None
        return self._load(lambda _progress, _cancel: _services().load_study(path), path.name)

    def _load(self, call: Any, source: str, readable: bool = False) -> Task:
        """Run ``call`` off the UI thread and show the study it returns in the project's units;
        ``readable``: a draft's data-drawn limits at three significant figures there."""
        location, system = self.location, self.units.system

        def job(progress: Any, cancel: Any) -> Any:
            study = call(progress, cancel)
            if not study or not location:
                return study
            services = _services()
            draft = readable and services.default_is_draft(location)
            return services.display_study(location, study, system, readable=draft)

        def done(outcome: TaskOutcome) -> None:
            if outcome.ok and outcome.value:
                study, shown_units = self._shown(outcome.value)
                self.set_study(study, source, shown_units)
            elif outcome.ok:  # the project has no study of its own
                self.notice.set_text(
                    "Open a study",
                    "No study yet: once a model is trained (Models page), Formix drafts one "
                    "from the project's data. Or open a study file (TOML) describing what may "
                    "vary, what must hold and what to optimise.")
                self.notice.setVisible(True)
            else:
                self.message.show_outcome(outcome)

        return self.runner.start(f"load study ({source})", job, done)

    def _shown(self, value: Any) -> tuple[dict[str, Any], dict[str, str]]:
        """(study, shown units) from ``display_study``'s answer, remembering the stored units."""
        if isinstance(value, dict):  # no project open: as loaded
            return value, {}
        self._known_units.update(value.stored_units)
        return value.study, dict(value.shown_units)

    def set_study(self, study: dict[str, Any], source: str,
                  shown_units: dict[str, str] | None = None) -> None:
        """Show a study dict in the forms; ``shown_units``: the unit each model input and
        output is shown in (limits typed without a unit are in that unit)."""
        self._shown_units = dict(shown_units or {})
        self.editor.set_study(study)
        self.study_source = source
        self._modified = False
        self._update_study_label()
        self.message.clear()
        self.study_loaded.emit(source)
        self.refresh_material_factors()

    def refresh_material_factors(self) -> Task | None:
        """Ask the project (on a worker) which price and CO₂ factor each material of the study
        in the forms gets: the study's own, else the catalogue's; the forms show them."""
        if not self.location or not service_gaps.has_service("material_factors"):
            return None
        location = self.location
        study, _problems = self.editor.study()
        asked = self._factors_for = (location, self.editor.material_variables())

        def done(outcome: TaskOutcome) -> None:
            if asked != self._factors_for:  # the project or the materials changed meanwhile
                return
            if outcome.ok:
                self.editor.set_material_factors(outcome.value)
                self.factors_shown.emit()
            # Not shown as an error: the run names a missing price itself.

        return self.runner.start("prices and CO₂ factors",
                                 lambda p, c: _services().material_factors(location, study),
                                 done)

    def _refresh_factors_if_changed(self) -> None:
        if self._factors_for is not None and \
                self._factors_for != (self.location, self.editor.material_variables()):
            self.refresh_material_factors()

    def _on_edited(self) -> None:
        self._modified = True
        self._update_study_label()
        self._factors_timer.start()

    def _update_study_label(self) -> None:
        name = self.editor.name_edit.text() or "study"
        modified = " · <i>edited</i>" if self._modified else ""
        self.study_label.setText(f"<b>{name}</b> (from {self.study_source}){modified}"
                                 if self.study_source else "")

    def choose_save(self) -> None:
        """Ask for a file name and save the study there."""
        name = (self.editor.name_edit.text() or "study").replace("/", "-")
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save study", str(Path.home() / f"{name}.toml"), STUDY_FILTER)
        if path:
            self.save_study(Path(path if path.lower().endswith(".toml") else f"{path}.toml"))

    def save_study(self, path: Path) -> Task | None:
        """Check and write the study to a TOML file (on a worker), in the units shown."""
        study, problems = self.edited_study()
        if problems:
            self.message.show_message("Fix these values first: " + "; ".join(problems),
                                      error=True)
            return None
        if not service_gaps.has_service("save_study"):
            return None

        def done(outcome: TaskOutcome) -> None:
            self.message.show_outcome(outcome, f"Study saved to {path}")
            if outcome.ok:
                self.study_source = path.name
                self._modified = False
                self._update_study_label()

        return self.runner.start("save study",
                                 lambda p, c: _services().save_study(study, path), done)

    # -- run ---------------------------------------------------------------------------------
    def run(self) -> Task | None:
        """Run the optimisation on a worker; the front is redrawn as generations finish."""
        if not self.location or self.run_task is not None:
            return None
        if not service_gaps.has_service(SERVICE):
            return None
        study, problems = self.edited_study()
        if problems:
            self.message.show_message("Fix these values first: " + "; ".join(problems),
                                      error=True)
            return None
        location = self.location
        live = self._live = LatestValue()
        self._live_units = self._study_units(study)
        optimise = _services().optimise
        try:
            accepts_live = "on_generation" in inspect.signature(optimise).parameters
        except (TypeError, ValueError):
            accepts_live = False

        arguments = self._study_arguments(study)
        if accepts_live:
            arguments["on_generation"] = lambda gen, front: live.put((gen, front))

        def job(progress: Any, cancel: Any) -> Any:
            return optimise(location, progress=progress, cancel=cancel, **arguments)

        def done(outcome: TaskOutcome) -> None:
            self.run_task = None
            self._timer.stop()
            self._poll_live()
            self._update_buttons()
            if outcome.ok:
                self.show_result(outcome.value)
            else:
                self.message.show_outcome(outcome)
                self.front.clear()
                self.summary.setText("Cancelled: no recipes were kept." if outcome.cancelled
                                     else "The optimisation did not run (see the message above).")

        self.message.clear()
        self.summary.setText("Running…")
        self.result = self.run_object = None
        self._live_fronts = []
        self.front.clear("waiting for the first generation…")
        self.generation_slider.setEnabled(False)
        self.recommend_button.setEnabled(False)
        self.run_task = self.runner.start("optimise", job, done)
        self.progress.track(self.run_task, "Optimising…")
        self.run_task.progress.connect(self._on_progress)
        self._timer.start()
        self._update_buttons()
        return self.run_task

    def units_changed(self) -> None:
        """Redraw the front in the new units (the run is not repeated) and show the study in
        them (on a worker); a study with unreadable cells stays as typed."""
        self.front.set_display_units(self.units)
        study, problems = self.edited_study()
        if not self.location or not self._shown_units or problems:
            return
        location, system, modified = self.location, self.units.system, self._modified

        def done(outcome: TaskOutcome) -> None:
            if not outcome.ok:
                self.message.show_outcome(outcome)
                return
            shown, shown_units = self._shown(outcome.value)
            self.set_study(shown, self.study_source, shown_units)
            self._modified = modified
            self._update_study_label()

        self.runner.start("study in the new units", lambda p, c:
                          _services().display_study(location, study, system), done)

    def edited_study(self) -> tuple[dict[str, Any], list[str]]:
        """The study in the forms (see ``StudyEditor.study``) with the unit of every variable
        and property limit written out: what is typed without one is in the unit shown."""
        study, problems = self.editor.study()
        shown = self._shown_units
        for variable in study.get("variables") or []:
            if not variable.get("unit") and shown.get(str(variable.get("name"))):
                variable["unit"] = shown[str(variable["name"])]
        for limit in study.get("constraints") or []:
            if limit.get("kind", "target") in ("target", "uncertainty") and \
                    not limit.get("unit") and shown.get(str(limit.get("target"))):
                limit["unit"] = shown[str(limit["target"])]
        return study, problems

    def _study_units(self, study: dict[str, Any]) -> dict[str, str]:
        """Stored units of what a running study's fronts hold, before its run says them: the
        model's and the last run's, else the study's variables; cost and CO₂ per their basis."""
        from engine import services

        units = dict(self._known_units)
        variables = study.get("variables") or []
        for variable in variables:
            if variable.get("name") and variable.get("unit"):
                units.setdefault(str(variable["name"]), str(variable["unit"]))
        # stored units first: the live fronts are in stored units (cost per m³)
        basis = services.product_basis([units.get(str(v.get("name")), "") for v in variables])
        currency = study.get("currency") or ""
        if currency:
            units["cost"] = f"{currency}/{basis}" if basis else str(currency)
        units["co2"] = f"kg CO₂e/{basis}" if basis else "kg CO₂e"
        return units

    def _front_units(self, labels: list[str]) -> dict[str, str]:
        """The live front's columns with their stored units (objectives from their target:
        ``compressive_strength_lower`` in the unit of ``compressive_strength``)."""
        units = dict(self._live_units)
        for label in labels:
            if label in units:
                continue
            target = max((t for t in units if label.startswith(f"{t}_")), key=len, default=None)
            if target is not None:
                units[label] = units[target]
        return {label: units[label] for label in labels if units.get(label)}

    @staticmethod
    def _study_arguments(study: dict[str, Any]) -> dict[str, Any]:
        """Keyword arguments of ``optimise`` for the study in the forms."""
        if service_gaps.has_service("default_study"):  # the engine takes the study dict
            return {"study": study, "seed": None}  # the Settings tab's seed, or a random one
        algorithm = study.get("algorithm") or {}
        explore = (study.get("domain") or {}).get("mode") == "explore"
        return {"study": None, "population": algorithm.get("population"),
                "generations": algorithm.get("generations"), "seed": algorithm.get("seed"),
                "explore": True if explore else None}

    def cancel(self) -> None:
        """Ask the running optimisation to stop."""
        if self.run_task is not None:
            self.progress.cancel()

    def _on_progress(self, _fraction: float, message: str) -> None:
        if message:
            self.generation_label.setText(message)

    def _poll_live(self) -> None:
        fresh, value = self._live.take()
        if not fresh:
            return
        generation, front = value
        import pandas as pd

        if not isinstance(front, pd.DataFrame):
            return
        self._live_fronts = [*self._live_fronts[-7:], front]  # the plot shows the last few
        labels = [str(c) for c in front.columns]
        self.front.set_axes(labels, self._front_units(labels))
        self.front.set_display_units(self.units)
        self.front.show_fronts(self._live_fronts,
                               f"generation {generation}: {len(front)} recipes on the front")

    def show_result(self, run: Any) -> None:
        """Draw a finished run: its final front (by domain) and the generations before it."""
        self.run_object = run
        result = self.result = run_result(run)
        labels = list(result.objective_labels)
        units = run_units(run)
        self._known_units.update(units)
        self.front.set_axes(labels, units, dict(zip(labels, result.senses, strict=False)))
        self.front.set_display_units(self.units)
        self._history = run_history(run)
        self.generation_slider.blockSignals(True)
        self.generation_slider.setRange(1, max(len(self._history), 1))
        self.generation_slider.setValue(max(len(self._history), 1))
        self.generation_slider.blockSignals(False)
        self.generation_slider.setEnabled(len(self._history) > 1)
        self._show_generation(self.generation_slider.value())
        n = len(result.pareto)
        figures = []
        if getattr(result, "n_evaluations", None):
            figures.append(f"{result.n_evaluations:,} recipes evaluated")
        if getattr(result, "wall_s", None) is not None:
            figures.append(f"in {result.wall_s:.1f} s")
        if getattr(result, "seed", None) is not None:
            figures.append(f"seed {result.seed}")
        prefix = "Stopped early — best so far: " if getattr(result, "cancelled", False) else ""
        self.summary.setText(f"{prefix}{result.message}" + (f" ({', '.join(figures)})."
                                                            if figures else ""))
        self.recommend_button.setEnabled(n > 0)
        if n:
            self.publish(OPTIMISATION_RUN, run)
        self.status_message.emit(f"Optimisation: {n} recipes on the front")
        self.run_finished.emit(run)

    def _show_generation(self, generation: int) -> None:
        if self.result is None:
            return
        total = len(self._history)
        if generation >= total:
            self.front.show_frame(self.result.pareto, baseline=self.result.baseline,
                                  caption=f"final front: {len(self.result.pareto)} recipes "
                                  "(★ = current recipe)")
            self.generation_label.setText(f"{total} of {total} (final)")
        else:
            self.front.show_fronts(self._history[:generation],
                                   f"generation {generation}: "
                                   f"{len(self._history[generation - 1])} recipes on the front")
            self.generation_label.setText(f"{generation} of {total}")

    def _update_buttons(self) -> None:
        running = self.run_task is not None
        ready = bool(self.location) and service_gaps.has_service(SERVICE)
        self.run_button.setEnabled(ready and not running)
        self.run_button.setText("Optimising…" if running else "Run optimisation")
        self.open_button.setEnabled(service_gaps.has_service("load_study") and not running)
        self.save_button.setEnabled(service_gaps.has_service("save_study") and not running)
        self.default_button.setEnabled(
            bool(self.location) and service_gaps.has_service("default_study") and not running)


if __name__ == "__main__":
    from desktop.pages.standalone import run_page

    raise SystemExit(run_page(OptimisePage))
