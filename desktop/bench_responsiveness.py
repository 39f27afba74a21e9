"""Responsiveness benchmark: the UI thread's longest stall during long work, and cold start.

A QTimer probe ticks every 10 ms on the UI thread; the longest gap between two ticks, minus
the 10 ms period, is the longest time the window could not react. Phases:

* ``demo``: ``services.create_demo`` on a worker (reading, validating, writing the demo),
* ``open``: opening the demo project in the main window — ``services.modelling_table`` on a
  worker, then the Data page renders the table and the link report on the UI thread,
* ``train``: Models → Train and validate (5-fold CV, calibration, final fit: LightGBM on a
  worker), then the page renders the table, parity plot and importance,
* ``optimise``: Optimise → Run optimisation with the demo study's own population and
  generations (NSGA-II over the LightGBM models on a worker, progress every generation), then
  the front is drawn,
* ``table_100k_*``: a 100,000-row table shown, filtered (search index built on a worker),
  unfiltered and scrolled from top to bottom.

Cold start is process start → main window shown (``python -m desktop --quit-when-shown``).

Run: ``python -m desktop.bench_responsiveness [--json]`` (offscreen works).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from PySide6.QtCore import QElapsedTimer, QSettings, QTimer
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    import pandas as pd

    from desktop.main_window import MainWindow
    from desktop.workers import TaskRunner

__all__ = ["StallProbe", "measure_cold_start", "run"]

PROBE_MS = 10


class StallProbe:
    """Ticks every 10 ms on the UI thread and records the longest gap between ticks."""

    def __init__(self) -> None:
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setInterval(PROBE_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0
        self.max_gap_ms = 0.0
        self.ticks = 0

    def start(self) -> None:
        """Start measuring (resets the maximum)."""
        self.max_gap_ms = 0.0
        self.ticks = 0
        self._clock.start()
        self._last = self._clock.elapsed()
        self._timer.start()

    def stop(self) -> float:
        """Stop; returns the longest stall in ms (longest gap minus the probe period)."""
        self._timer.stop()
        return max(self.max_gap_ms - PROBE_MS, 0.0)

    def _tick(self) -> None:
        now = self._clock.elapsed()
        self.max_gap_ms = max(self.max_gap_ms, float(now - self._last))
        self._last = now
        self.ticks += 1


def _spin(predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Run the event loop (as the app would) until ``predicate()`` or the timeout."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        QApplication.processEvents()
        time.sleep(0.001)
    return True


def _phase(name: str, start: Callable[[], Callable[[], bool]], timeout_s: float) -> dict:
    probe = StallProbe()
    probe.start()
    began = time.perf_counter()
    done = start()
    finished = _spin(done, timeout_s)
    if finished:
        _spin(lambda: False, 0.1)  # let the result render
    seconds = time.perf_counter() - began
    stall = probe.stop()
    return {"phase": name, "seconds": round(seconds, 2), "max_stall_ms": round(stall, 1),
            "ticks": probe.ticks, "finished": finished}


def measure_cold_start(repeats: int = 3) -> dict:
    """Process start → main window shown, in seconds (median and best of ``repeats``)."""
    times = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               "XDG_CONFIG_HOME": home, "HOME": home}
        for _ in range(repeats):
            began = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "desktop", "--quit-when-shown", "--no-demo-offer"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True,
                cwd=Path(__file__).resolve().parents[1],
            )
            assert process.stdout is not None
            for line in process.stdout:
                if "window shown" in line:
                    times.append(time.perf_counter() - began)
                    break
            process.wait(timeout=60)
    return {"cold_start_s_median": round(statistics.median(times), 3) if times else None,
            "cold_start_s_best": round(min(times), 3) if times else None, "runs": len(times)}


def run(include_engine: bool = True) -> dict:
    """Run every phase; returns a JSON-ready dict."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    from desktop.app import configure_application
    from desktop.main_window import MainWindow
    from desktop.workers import TaskRunner

    configure_application(app)
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(settings=QSettings(str(Path(folder) / "s.ini"),
                                               QSettings.Format.IniFormat))
        window.resize(1280, 800)
        window.show()
        _spin(lambda: False, 0.3)
        if include_engine:
            results.extend(_engine_phases(window, TaskRunner(), Path(folder)))
        frame = _big_frame()  # built before the probe starts: it is the test data, not the app
        results.extend(_table_phases(window, frame))
        window.close()
    return {"probe_ms": PROBE_MS, "phases": results,
            "max_stall_ms": max(r["max_stall_ms"] for r in results)}


def _engine_phases(window: MainWindow, runner: TaskRunner, folder: Path) -> list[dict]:
    from desktop.pages.data_page import DataPage
    from desktop.workers import TaskOutcome

    outcome: list[TaskOutcome] = []

    def start_demo() -> Callable[[], bool]:
        from engine import services

        runner.start(
            "demo", lambda p, c: services.create_demo(folder / "demo", progress=p, cancel=c),
            outcome.append)
        return lambda: bool(outcome)

    phases = [_phase("demo", start_demo, 600)]
    if not outcome or not outcome[0].ok:
        error = outcome[0].error if outcome else "timed out"
        phases[-1]["error"] = error
        return phases
    path = outcome[0].value[0]
    data = window.page(0)
    assert isinstance(data, DataPage)
    ready: list[int] = []
    data.table_ready.connect(ready.append)

    def start_open() -> Callable[[], bool]:
        window.open_project(str(path))
        return lambda: bool(ready)

    phases.append(_phase("open", start_open, 600))
    phases[-1]["rows"] = ready[0] if ready else None
    runner.shutdown()
    phases.append(_train_phase(window))
    phases.append(_optimise_phase(window))
    return phases


def _train_phase(window: MainWindow) -> dict:
    """Train and validate on the Models page, as a user would (default options)."""
    from desktop.pages.models_page import ModelsPage

    window.show_page_titled("Models")
    models = window.page_by_title("Models")
    assert isinstance(models, ModelsPage)
    _spin(lambda: models.targets_list.count() > 0 and not models.runner.busy, 120)

    def start() -> Callable[[], bool]:
        models.train()
        return lambda: models.train_task is None

    phase = _phase("train", start, 1800)
    if models.message.text() and "version" not in models.message.text():
        phase["error"] = models.message.text()
    return phase


def _optimise_phase(window: MainWindow) -> dict:
    """Run the project's default study on the Optimise page (its own population/generations)."""
    from desktop.pages.optimise_page import OptimisePage

    window.show_page_titled("Optimise")
    page = window.page_by_title("Optimise")
    assert isinstance(page, OptimisePage)
    _spin(lambda: bool(page.study_source) and not page.runner.busy, 120)
    if not page.run_button.isEnabled():
        return {"phase": "optimise", "seconds": 0.0, "max_stall_ms": 0.0, "ticks": 0,
                "finished": False, "error": page.notice.title_label.text() or "cannot run"}
    size = f"{page.editor.population_spin.value()} × {page.editor.generations_spin.value()}"

    def start() -> Callable[[], bool]:
        page.run()
        return lambda: page.run_task is None

    phase = _phase("optimise", start, 1800)
    phase["population_x_generations"] = size
    if page.result is None:
        phase["error"] = page.message.text() or "no result"
    return phase


def _big_frame(n: int = 100_000) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"x{i}": rng.normal(300, 40, n) for i in range(20)})
    frame.insert(0, "batch_id", [f"B{i:06d}" for i in range(n)])
    return frame


def _table_phases(window: MainWindow, frame: pd.DataFrame) -> list[dict]:
    """Show, filter (search index built on a worker) and scroll a 100,000-row table."""
    from desktop.pages.data_page import DataPage
    from desktop.widgets.data_table_view import DataTableView

    page = window.page(0)
    assert isinstance(page, DataPage)
    page.tabs.setCurrentIndex(1)
    view = page.table_view
    assert isinstance(view, DataTableView)
    view.setVisible(True)
    n = len(frame)
    filtered: list[int] = []
    view.filtered.connect(filtered.append)

    def show() -> Callable[[], bool]:
        view.set_frame(frame)
        return lambda: True

    def filter_rows() -> Callable[[], bool]:
        view.filter_edit.setText("B0123")
        return lambda: bool(filtered)

    def clear_filter() -> Callable[[], bool]:
        filtered.clear()
        view.filter_edit.clear()
        return lambda: bool(filtered)

    def scroll() -> Callable[[], bool]:
        steps = iter(range(0, n, n // 20))

        def next_step() -> bool:  # one jump per event-loop pass, as a user dragging would
            step = next(steps, None)
            if step is None:
                return True
            view.table.scrollTo(view.model.index(step, 5))
            return False

        return next_step

    return [
        _phase("table_100k_show", show, 30),
        _phase("table_100k_filter", filter_rows, 60),
        _phase("table_100k_unfilter", clear_filter, 60),
        _phase("table_100k_scroll", scroll, 30),
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark's results (text, or JSON with --json)."""
    parser = argparse.ArgumentParser(description="UI responsiveness and cold start")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-engine", action="store_true",
                        help="skip the phases that need the engine services")
    parser.add_argument("--cold-start-runs", type=int, default=3)
    args = parser.parse_args(argv)
    result = run(include_engine=not args.no_engine)
    result.update(measure_cold_start(args.cold_start_runs))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for phase in result["phases"]:
            extra = f"  ERROR: {phase['error']}" if "error" in phase else ""
            print(f"{phase['phase']:>19}: {phase['seconds']:7.2f} s, longest UI stall "
                  f"{phase['max_stall_ms']:6.1f} ms{extra}")
        print(f"          max stall: {result['max_stall_ms']:.1f} ms (probe every {PROBE_MS} ms)")
        print(f"         cold start: {result['cold_start_s_median']} s median, "
              f"{result['cold_start_s_best']} s best of {result['runs']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
