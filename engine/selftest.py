"""Installation self-test: the whole workflow on the demo data, headless, in a temporary folder.

``formix selftest`` runs it; IT runs it after installing a bundle, CI runs it on the frozen
build. Every step is timed and reported as ok, failed or skipped (a step whose input a failed
step should have made). The test passes only when every step is ok: a step the build does
not provide fails with "not available in this build", it never passes by omission.

Steps:
    runtime    the native parts load: LightGBM's library, pymoo's compiled kernels, the
               alembic migration scripts; OpenMP threads wait passively.
    plugins    the built-in reader plugins are discovered (entry points) and usable.
    import     the demo project is created from the bundled UCI data through the readers.
    link       recipes, batches, process windows and lab results form the modelling table.
    train      property models with calibrated intervals are trained on it.
    optimise   NSGA-II runs the demo study on the trained models (a short run).
    recommend  a few recommended recipes are picked from the result.
"""

from __future__ import annotations

import inspect
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from engine.progress import CancelToken

__all__ = [
    "BUILTIN_PLUGINS",
    "STEPS",
    "SelftestReport",
    "StepResult",
    "StepUnavailable",
    "run_selftest",
]

STEPS = ("runtime", "plugins", "import", "link", "train", "optimise", "recommend")
BUILTIN_PLUGINS = ("tabular", "historian", "lims", "sql")
# A short optimisation: the self-test checks that the pieces work, not the front's quality.
SHORT_RUN = {"population": 24, "generations": 8}
# Fewer cross-validation folds than the default 5: the intervals are still calibrated out of
# fold, and training takes about half the time.
TRAINING = {"coverage": 0.9, "cv_folds": 3, "seed": 0}
DEFAULT_TIME_LIMIT_SECONDS = 600.0


class StepUnavailable(Exception):
    """The step's service is not part of this build (reported as a failure)."""


@dataclass(frozen=True)
class StepResult:
    """One step of the self-test.

    Attributes:
        name: the step (one of ``STEPS``).
        status: "ok", "failed" or "skipped" (an earlier step it needs failed).
        seconds: wall time of the step.
        detail: what was checked or made ("1030 rows × 17 columns"), or why it failed.
    """

    name: str
    status: str
    seconds: float
    detail: str

    @property
    def ok(self) -> bool:
        """Whether the step passed."""
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"name": self.name, "status": self.status, "seconds": round(self.seconds, 3),
                "detail": self.detail}


@dataclass(frozen=True)
class SelftestReport:
    """The outcome of ``run_selftest``.

    Attributes:
        steps: every step, in order.
        seconds: wall time of the whole self-test.
        version: the Formix version tested.
        frozen: whether this is a packaged (PyInstaller) build.
        folder: the working folder, when it was kept; None when it was deleted.
    """

    steps: tuple[StepResult, ...]
    seconds: float
    version: str
    frozen: bool
    folder: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every step passed."""
        return bool(self.steps) and all(step.ok for step in self.steps)

    @property
    def failed_steps(self) -> tuple[str, ...]:
        """Names of the steps that failed (not those skipped because of them)."""
        return tuple(step.name for step in self.steps if step.status == "failed")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "ok": self.ok,
            "version": self.version,
            "frozen": self.frozen,
            "python": sys.version.split()[0],
            "platform": sys.platform,
            "seconds": round(self.seconds, 3),
            "failed": list(self.failed_steps),
            "folder": self.folder,
            "steps": [step.to_dict() for step in self.steps],
        }


@dataclass
class _Context:
    services: Any
    folder: Path
    cancel: CancelToken
    values: dict[str, Any] = field(default_factory=dict)


# --- the steps --------------------------------------------------------------------------------
def _runtime(ctx: _Context) -> str:
    import os
    from importlib import resources

    problems = []
    if os.environ.get("OMP_WAIT_POLICY", "").upper() != "PASSIVE":
        problems.append("OMP_WAIT_POLICY is not PASSIVE (LightGBM threads would spin)")
    import lightgbm

    lightgbm.basic._LIB.LGBM_GetLastError  # noqa: B018 - the native library is loaded
    import pymoo.functions

    if not pymoo.functions.is_compiled():
        problems.append("pymoo's compiled kernels are missing (NSGA-II would run in slow "
                        "pure Python)")
    versions = resources.files("engine.storage") / "migrations" / "versions"
    scripts = [p.name for p in versions.iterdir() if p.name.endswith(".py")
               and p.name != "__init__.py"] if versions.is_dir() else []
    if not scripts:
        problems.append(f"no alembic migration scripts in {versions}")
    if problems:
        raise RuntimeError("; ".join(problems))
    return (f"LightGBM {lightgbm.__version__}, pymoo compiled kernels, "
            f"{len(scripts)} migration scripts")


def _plugins(ctx: _Context) -> str:
    plugins = {p.name: p for p in ctx.services.list_plugins()}
    problems = []
    for name in BUILTIN_PLUGINS:
        plugin = plugins.get(name)
        if plugin is None:
            problems.append(f"built-in plugin '{name}' not found (entry points missing?)")
        elif plugin.status != "enabled":
            why = f": {plugin.error}" if plugin.error else ""
            problems.append(f"built-in plugin '{name}' is {plugin.status}{why}")
    if problems:
        raise RuntimeError("; ".join(problems))
    others = len(plugins) - len(BUILTIN_PLUGINS)
    readers = sum(len(p.readers) for p in plugins.values())
    extra = f", {others} more installed" if others else ""
    return f"{len(BUILTIN_PLUGINS)} built-in plugins, {readers} readers{extra}"


def _import(ctx: _Context) -> str:
    path, summary, _created = ctx.services.create_demo(ctx.folder / "demo", force=True,
                                                       cancel=ctx.cancel)
    ctx.values["project"] = path
    counts = {k: v for k, v in summary.counts.items() if v}
    if not counts:
        raise RuntimeError("the demo project is empty")
    shown = ", ".join(f"{n} {k}" for k, n in list(counts.items())[:4])
    return f"demo project: {shown}"


def _link(ctx: _Context) -> str:
    table, report = ctx.services.modelling_table(ctx.values["project"], cancel=ctx.cancel)
    rows, columns = table.frame.shape
    if rows == 0 or not table.target_columns:
        raise RuntimeError(f"the modelling table has {rows} rows and targets "
                           f"{list(table.target_columns)}")
    ctx.values["table"] = table
    return (f"{rows} rows × {columns} columns; targets {', '.join(table.target_columns)}; "
            f"{len(report.issues)} link issues")


def _service(ctx: _Context, name: str) -> Callable[..., Any]:
    function = getattr(ctx.services, name, None)
    if not callable(function):
        raise StepUnavailable(f"services.{name} is not available in this build")
    return function


def _call(function: Callable[..., Any], *args: Any, **wanted: Any) -> Any:
    """Call with the keyword arguments the function declares (the API grows; tests fake it)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return function(*args)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return function(*args, **wanted)
    return function(*args, **{k: v for k, v in wanted.items() if k in parameters})


def _train(ctx: _Context) -> str:
    train = _service(ctx, "train_models")
    report = _call(train, ctx.values["project"], cancel=ctx.cancel, **TRAINING)
    ctx.values["models"] = report
    cv = getattr(report, "cv", None)
    try:
        rows = [f"{row['target']} R² {row['r2']:.2f}, coverage {row['coverage']:.2f}"
                for _, row in cv.iterrows()]  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError, ValueError):
        return _describe(report, "trained")
    version = getattr(report, "version", None)
    saved = f"; saved as version {version}" if version is not None else ""
    return f"{'; '.join(rows)} (nominal {TRAINING['coverage']:.2f}){saved}"


def _optimise(ctx: _Context) -> str:
    optimise = _service(ctx, "optimise")
    result = _call(optimise, ctx.values["project"], seed=0, cancel=ctx.cancel,
                   models=ctx.values.get("models"), **SHORT_RUN)
    ctx.values["optimised"] = result
    summary = getattr(result, "summary", None)
    figures = summary() if callable(summary) else None
    if isinstance(figures, dict) and "n_recipes" in figures:
        if not figures["n_recipes"]:
            raise RuntimeError("the optimisation found no recipe meeting every constraint")
        return (f"{figures['n_recipes']} recipes on the front after "
                f"{figures.get('n_generations', '?')} generations, "
                f"{figures.get('n_evaluations', '?')} evaluations")
    return _describe(result, "optimised")


def _recommend(ctx: _Context) -> str:
    recommend = _service(ctx, "recommend")
    parameters = _parameter_names(recommend)
    result_name = next((n for n in ("result", "run", "optimisation", "pareto", "front")
                        if n in parameters), None)
    extra = {result_name: ctx.values["optimised"]} if result_name else {}
    result = _call(recommend, ctx.values["project"], cancel=ctx.cancel, k=3, **extra)
    try:
        count = len(result)
    except TypeError:
        count = len(getattr(result, "recommendations", ()) or ())
    if count == 0:
        raise RuntimeError("no recipe was recommended")
    return f"{count} recommended recipes"


def _parameter_names(function: Callable[..., Any]) -> set[str]:
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return set()


def _describe(result: Any, verb: str) -> str:
    """A short, human line about a service's result (its summary when it has one)."""
    for attribute in ("summary", "describe"):
        method = getattr(result, attribute, None)
        if callable(method):
            try:
                return str(method())[:160]
            except Exception:
                break
    try:
        return f"{verb}: {len(result)} items"
    except TypeError:
        return f"{verb}: {type(result).__name__}"


_STEP_FUNCTIONS: dict[str, Callable[[_Context], str]] = {
    "runtime": _runtime,
    "plugins": _plugins,
    "import": _import,
    "link": _link,
    "train": _train,
    "optimise": _optimise,
    "recommend": _recommend,
}
# What each step needs from an earlier one; when that failed, the step is skipped (not ok).
_NEEDS = {"link": "import", "train": "import", "optimise": "train", "recommend": "optimise"}
# The service each later step calls: a missing one fails the step even when it would be skipped.
_SERVICE_OF = {"train": "train_models", "optimise": "optimise", "recommend": "recommend"}


def run_selftest(
    folder: Path | None = None,
    *,
    services: ModuleType | Any | None = None,
    on_step: Callable[[StepResult], None] | None = None,
    on_start: Callable[[str], None] | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT_SECONDS,
    keep: bool = False,
) -> SelftestReport:
    """Run every step; never raises for a step's failure (it is in the report).

    Args:
        folder: where to create the demo project; a new temporary folder when None.
        services: the service API to test (``engine.services``; tests pass a stand-in).
        on_step: called with each step's result as soon as it is known.
        on_start: called with a step's name before it runs.
        time_limit: seconds for the whole test; then the running step is cancelled.
        keep: keep the temporary folder (its path is in the report).

    Returns:
        The report: ``report.ok`` is True only when every step passed.
    """
    from engine import __version__

    if services is None:
        from engine import services as real_services

        services = real_services
    started = time.perf_counter()
    cancel = CancelToken()
    timer = threading.Timer(time_limit, cancel.cancel)
    timer.daemon = True
    timer.start()
    made_folder = folder is None
    folder = Path(tempfile.mkdtemp(prefix="formix-selftest-")) if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    ctx = _Context(services, folder, cancel)
    results: list[StepResult] = []
    try:
        for name in STEPS:
            result = _run_step(name, ctx, results, on_start, time_limit)
            results.append(result)
            if on_step is not None:
                on_step(result)
    finally:
        timer.cancel()
        kept: str | None = str(folder)
        if made_folder and not keep:
            shutil.rmtree(folder, ignore_errors=True)
            kept = None
    return SelftestReport(tuple(results), time.perf_counter() - started, __version__,
                          bool(getattr(sys, "frozen", False)), kept)


def _run_step(name: str, ctx: _Context, done: list[StepResult],
              on_start: Callable[[str], None] | None, time_limit: float) -> StepResult:
    needed = _NEEDS.get(name)
    previous = {r.name: r for r in done}
    service = _SERVICE_OF.get(name)
    if service is not None and not callable(getattr(ctx.services, service, None)):
        return StepResult(name, "failed", 0.0,
                          f"services.{service} is not available in this build")
    if needed is not None and not previous[needed].ok:
        return StepResult(name, "skipped", 0.0, f"needs the '{needed}' step")
    if ctx.cancel.cancelled:
        return StepResult(name, "skipped", 0.0, f"the {time_limit:.0f} s time limit was reached")
    if on_start is not None:
        on_start(name)
    started = time.perf_counter()
    try:
        detail = _STEP_FUNCTIONS[name](ctx)
        status = "ok"
    except StepUnavailable as error:
        detail, status = str(error), "failed"
    except Exception as error:
        from engine.progress import Cancelled

        if isinstance(error, Cancelled) and ctx.cancel.cancelled:
            detail = f"stopped at the {time_limit:.0f} s time limit"
        else:
            detail = f"{type(error).__name__}: {error}".strip()
        status = "failed"
    return StepResult(name, status, time.perf_counter() - started, detail)
