"""``formix optimize``, ``formix recommend`` and ``formix trials``.

``formix optimize [STUDY.toml] --project P`` runs a study with the project's trained models and
prints (or saves) explained recommendations; without a study file the demo project runs its
demo study and any other project a draft drawn from its data (``--out`` saves it as
``study.toml`` to edit). A study may be written in any units (lb/yd³, psi, °F, USD/yd³):
the run converts it to the model's stored units, and ``--out`` keeps ``study.toml`` in the
units it was written in (``pareto.csv`` holds stored units, recommendations the project's
display units). ``--explore`` proposes next experiments instead. Runs and
recommendations are stored in the project; ``formix trials record`` links a recommendation
to the batches that tried it (refusing a batch the project does not hold, or one whose amounts
or date do not fit the recommendation, unless told otherwise), ``formix trials list`` compares
their lab results with the predictions, and ``formix trials remove`` deletes a wrong record.
A study that reads no model output (a raw-meal blend on cost and CO₂ with modulus limits) runs
without ``--project``.
``formix recommend --project P`` picks again from the latest stored run (or ``--run ID``);
``formix recommend DIR`` does so from a folder written by ``formix optimize --out DIR``, its
drivers and material names from the project the folder records (or ``--project P``).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli._args import location
from engine.cli._output import TerminalProgress, emit_json
from engine.errors import FormixError

if TYPE_CHECKING:
    from engine.optimisation.predictor import DeriveFn, PropertyPredictor
    from engine.optimisation.result import OptimisationResult
    from engine.optimisation.study import StudySpec


def register(subparsers: Any) -> None:
    """Add ``formix optimize`` (alias ``optimise``), ``formix recommend`` and ``formix trials``."""
    parser = subparsers.add_parser(
        "optimize",
        aliases=["optimise"],
        help="optimise a study: Pareto set of recipes and a few explained recommendations",
        description="Run NSGA-II over a study file with the project's trained models. Every "
        "returned recipe satisfies every constraint of the study. Ctrl-C stops after the "
        "current generation and keeps the best recipes so far. A study on cost and CO₂ only "
        "needs no project.",
    )
    parser.add_argument("study", type=Path, nargs="?",
                        help="study file (TOML); left out: the demo's own study, or a draft "
                        "drawn from the project's data (--out saves it as study.toml)")
    parser.add_argument("--project", type=location, help="project whose trained models to use")
    parser.add_argument("--model", default="properties", help="model set name (default: "
                        "properties)")
    parser.add_argument("--seed", type=int, help="random seed (overrides [algorithm] seed)")
    parser.add_argument("--population", type=int, help="overrides [algorithm] population")
    parser.add_argument("--generations", type=int, help="overrides [algorithm] generations")
    parser.add_argument("-k", "--recommendations", type=int, default=3, metavar="K",
                        help="number of recommended recipes (default 3)")
    parser.add_argument("--explore", action="store_true",
                        help="propose next experiments: trial recipes that would reduce the "
                        "models' uncertainty most where it matters (may leave the data's domain)")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary on stdout; its max_constraint_violation is "
                        "the largest relative constraint violation of the returned recipes "
                        "(≤ 1e-9), or when no recipe is feasible (n_recipes 0) that of the "
                        "closest recipe found (> 0)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write pareto.csv and baseline.csv (stored units), "
                        "recommendations (.json, .csv, .html), summary.json and study.toml (in "
                        "the study's own units); formix recommend DIR picks from it again")
    # Testing only: closed-form stand-in models instead of a project's trained ones.
    parser.add_argument("--fake-predictor", choices=["analytic"], help=argparse.SUPPRESS)
    parser.set_defaults(handler=_run)

    again = subparsers.add_parser(
        "recommend",
        help="pick recommended recipes again from a stored run (or a formix optimize --out DIR)",
        description="Pick and explain recipes again. A recipe of the run picked before keeps "
        "its recommendation id (quote it in formix trials record); only new picks are stored. "
        "A folder's recipes are shown in the units its project showed. When the run found no "
        "recipe that satisfies every constraint, says so and what to relax, and exits 1.",
    )
    again.add_argument("run_dir", type=Path, metavar="DIR", nargs="?",
                       help="output folder of a run (instead of a run stored in --project)")
    again.add_argument("--project", type=location,
                       help="project holding the run; with DIR, the project whose model and "
                       "materials explain its recipes (default: the one DIR was run on)")
    again.add_argument("--run", type=int, help="run id (default: the latest)")
    again.add_argument("-k", "--recommendations", type=int, default=3, metavar="K",
                       help="number of recommended recipes (default 3)")
    again.add_argument("--out", type=Path, metavar="FILE",
                       help="export the recommendations (.csv, .json or .html)")
    again.add_argument("--json", action="store_true", help="print JSON on stdout")
    again.set_defaults(handler=_recommend_again)

    trials = subparsers.add_parser(
        "trials", help="recommendations the plant tried: record them, compare with lab results")
    actions = trials.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="predicted against measured, and the hit rate")
    listing.add_argument("--project", type=location, required=True)
    listing.add_argument("--out", type=Path, metavar="FILE", help="write the table as CSV")
    listing.add_argument("--json", action="store_true", help="print JSON on stdout")
    listing.set_defaults(handler=_trials_list)
    record = actions.add_parser(
        "record", help="record batches that tried a recommendation",
        description="Record batches made to a recommended recipe. Nothing is recorded when a "
        "batch is not in the project (a mistyped id), unless --not-imported-yet; nor when a "
        "batch's amounts (weighed, else its recipe's) differ from the recommended ones, or "
        "it was made before the optimisation run that proposed the recipe, unless --force. "
        "Rule: an amount differs when it is off the recommended one by more than 5 % of the "
        "recommended amount or 1 kg/m³ (0.01 wt % in an alloy), whichever is larger. The error "
        "names "
        "each batch and component (recommended against batch amount). formix trials remove "
        "undoes a wrong record.")
    record.add_argument("--project", type=location, required=True)
    record.add_argument("--recommendation", type=int, required=True, metavar="ID",
                        help="recommendation id (shown by formix optimize / recommend)")
    record.add_argument("--batch", nargs="+", required=True, metavar="BATCH_ID",
                        help="batch ids that made the recipe")
    record.add_argument("--note", help="free text kept with the trial (formix trials list "
                        "shows it)")
    record.add_argument("--force", action="store_true",
                        help="record batches whose amounts or date do not fit the "
                        "recommendation (they are printed as warnings)")
    record.add_argument("--not-imported-yet", action="store_true",
                        help="record batches the project does not hold yet: their batch file "
                        "(and lab results) will be imported later; their amounts and date "
                        "are not checked")
    record.add_argument("--json", action="store_true", help="print JSON on stdout")
    record.set_defaults(handler=_trials_record)
    remove = actions.add_parser(
        "remove", help="delete one recorded trial (a wrong batch); the batch and its lab "
        "results stay", description="Delete one trial record (its id: formix trials list), "
        "in one transaction, and print what it held. The hit rate leaves it out from then on.")
    remove.add_argument("trial_id", type=int, metavar="TRIAL_ID", help="the trial's id")
    remove.add_argument("--project", type=location, required=True)
    remove.add_argument("--json", action="store_true", help="print JSON on stdout")
    remove.set_defaults(handler=_trials_remove)


def _load_predictor(args: argparse.Namespace,
                    spec: StudySpec) -> tuple[PropertyPredictor, DeriveFn | None]:
    """The hidden ``--fake-predictor`` stand-in (tests only), or no models for a study that
    uses none; projects go through services."""
    from engine.optimisation.analytic import analytic_setup
    from engine.optimisation.predictor import NoModels

    if args.fake_predictor:
        return analytic_setup(spec)
    if spec.uses_models:
        raise FormixError("the study optimises or limits model outputs: name the project "
                          "whose trained models to use: --project P")
    return NoModels(), None


def _run(args: argparse.Namespace) -> int:
    if args.project is None:
        return _run_without_project(args)
    from engine import optimisation_services as services
    from engine.progress import CancelToken
    from engine.services import display_units

    study = args.study if args.out is None else _study_into(args.out, args.project, args.study)
    cancel = CancelToken()
    with _CancelOnInterrupt(cancel):
        run = services.optimise(
            args.project, study, seed=args.seed, model_name=args.model,
            population=args.population, generations=args.generations,
            explore=True if args.explore else None,
            progress=TerminalProgress(enabled=not args.json), cancel=cancel,
        )
    recommendations = _shown(args.project, services.recommend(args.project, run,
                                                               args.recommendations))
    result = run.result
    summary = run.summary()
    summary["recommendations"] = [r.to_dict() for r in recommendations]
    summary["baseline"] = _baseline(run.spec, result)
    summary["unit_system"] = display_units(args.project).system
    if isinstance(args.project, Path):  # lets `formix recommend DIR` explain with its project
        summary["project"] = str(args.project.resolve())
    if args.out is not None:
        units = run.model_set.units if run.model_set is not None else {}
        summary["target_units"] = {t: units.get(t) for t in result.targets}
        _write(args.out, run.written or run.spec, result, summary, pareto_spec=run.spec,
               source=args.study)
        for suffix in (".csv", ".html"):
            services.export_recommendations(recommendations, args.out / f"recommendations"
                                            f"{suffix}", run=run)
    return _finish_run(args, result, summary, recommendations)


def _run_without_project(args: argparse.Namespace) -> int:
    """A study that reads no model output (cost and CO₂ only), or the hidden fake models."""
    from engine.optimisation.decision import recommend
    from engine.optimisation.run import optimise
    from engine.optimisation.study import StudySpec
    from engine.progress import CancelToken
    from engine.recommendation.explain import explain_recommendations

    if args.study is None:
        raise FormixError("give a study file, or the project to run: --project P")
    spec = StudySpec.from_toml(args.study)
    overrides = {key: getattr(args, key) for key in ("population", "generations")
                 if getattr(args, key) is not None}
    if overrides:
        spec.algorithm = spec.algorithm.model_copy(update=overrides)
    predictor, derive = _load_predictor(args, spec)
    cancel = CancelToken()
    with _CancelOnInterrupt(cancel):
        result = optimise(spec, predictor, derive=derive, progress=TerminalProgress(),
                          cancel=cancel, seed=args.seed)
    recommendations = explain_recommendations(result, spec,
                                              recommend(result, args.recommendations))
    summary = result.summary()
    summary["recommendations"] = [r.to_dict() for r in recommendations]
    summary["baseline"] = _baseline(spec, result)
    if args.out is not None:
        _write(args.out, spec, result, summary, pareto_spec=spec, source=args.study)
        for suffix in (".csv", ".html"):
            _export(recommendations, args.out / f"recommendations{suffix}", spec, summary)
    return _finish_run(args, result, summary, recommendations)


def _baseline(spec: StudySpec, result: Any) -> dict[str, Any] | None:
    if result.baseline is None:
        return None
    return {
        "name": spec.baseline.name if spec.baseline else "baseline",
        "feasible": result.baseline_feasible,
        "objectives": {label: float(result.baseline.iloc[0][label])
                       for label in result.objective_labels},
    }


def _recommend_again(args: argparse.Namespace) -> int:
    if args.run_dir is not None:
        recommendations, nothing = _recommended_from_folder(args)
    elif args.project is not None:
        recommendations, nothing = _recommended_in_project(args)
    else:
        raise FormixError("give the project (--project P) or a folder from formix optimize --out")
    if args.json:
        emit_json([r.to_dict() for r in recommendations])
    else:
        for rec in recommendations:
            print(rec.text())
            print()
    if not recommendations:
        print(f"formix: {nothing}", file=sys.stderr)
    return 0 if recommendations else 1


def _recommended_in_project(args: argparse.Namespace) -> tuple[Any, str]:
    """Picks from a stored run, explained in the project's display units (and exported), and
    why there are none."""
    from engine import optimisation_services as services

    run = services.load_run(args.project, args.run)
    recommendations = _shown(args.project, services.recommend(args.project, run,
                                                               args.recommendations))
    if args.out is not None:
        services.export_recommendations(recommendations, args.out, run=run)
    nothing = _nothing_to_recommend(f"run {run.run_id}", run.spec.name, run.result.message,
                                    len(run.result.pareto), args.recommendations)
    return recommendations, nothing


def _recommended_from_folder(args: argparse.Namespace) -> tuple[Any, str]:
    """Picks from a ``formix optimize --out`` folder, explained with its project's model and
    materials and in the units its project showed (with the ids it saved them under; exported),
    and why there are none."""
    from engine.recommendation.explain import explain_recommendations
    from engine.recommendation.explore import picks_of_run

    saved = _load_saved_run(args.run_dir)
    picks, kind, scores = picks_of_run(saved.result, args.recommendations,
                                       saved.summary.get("mode") == "explore")
    context = _folder_project(args.run_dir, saved, args.project) if picks else {}
    explained = explain_recommendations(saved.explainable, saved.spec, picks,
                                        units=saved.summary.get("target_units"),
                                        kind=kind, scores=scores, **context)
    recommendations = _in_folder_units(args.run_dir, saved.summary,
                                       _with_saved_ids(args.run_dir, explained))
    if args.out is not None:
        _export(recommendations, args.out, saved.spec, saved.summary)
    nothing = _nothing_to_recommend(f"the run in {args.run_dir}", saved.spec.name,
                                    saved.summary.get("message"), len(saved.result.pareto),
                                    args.recommendations)
    return recommendations, nothing


def _folder_project(run_dir: Path, saved: _SavedRun, project: Path | str | None,
                    ) -> dict[str, Any]:
    """What the folder's project gives its explanations (model, derived inputs, material
    names): ``--project``, else the project its ``summary.json`` records when it still exists;
    without one, a note says so (the recipes and predictions need no project)."""
    from engine import optimisation_services as services

    recorded = saved.summary.get("project")
    where = project if project is not None else Path(recorded) if recorded else None
    why = "its summary.json names no project"
    if isinstance(where, Path) and not where.is_file():
        why, where = f"its project {where} is not there", None
    if where is not None:
        try:
            return services.explanation_context(where, saved.spec, saved.summary.get("model"),
                                                saved.summary.get("model_version"))
        except FormixError as error:
            why = str(error)
    print(f"note: {run_dir}: {why}; what drives each prediction and the materials' names "
          "need the project the run used: --project P", file=sys.stderr)
    return {}


def _nothing_to_recommend(run: str, study: str, message: str | None, n_recipes: int,
                          k: int) -> str:
    """Why picking from a run gave nothing: mostly a run that found no feasible recipe, with
    what its search said to relax."""
    if n_recipes and k < 1:
        return "nothing to recommend: ask for at least one recipe (-k 1 or more)"
    reason = message or ("no recipe satisfies every constraint. Relax the study's constraints "
                         "or widen its variable bounds.")
    return (f"nothing to recommend from {run} (study {study!r}): {reason} Then run formix "
            "optimize again.")


def _saved_recommendations(run_dir: Path) -> list[dict[str, Any]]:
    """``recommendations.json`` of a ``formix optimize --out`` folder ([] when absent)."""
    try:
        saved = json.loads((run_dir / "recommendations.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [r for r in saved if isinstance(r, dict)] if isinstance(saved, list) else []


def _with_saved_ids(run_dir: Path, recommendations: Any) -> list[Any]:
    """Picks with the ids the folder's run stored them under (same kind and Pareto row)."""
    import dataclasses

    ids = {(r.get("kind"), r.get("row")): r["id"] for r in _saved_recommendations(run_dir)
           if r.get("id") is not None}
    return [dataclasses.replace(r, id=ids.get((r.kind, r.row), r.id)) for r in recommendations]


def _in_folder_units(run_dir: Path, summary: dict[str, Any], recommendations: Any) -> Any:
    """Recommendations in the units the folder's project showed (``unit_system`` of its
    ``summary.json``, else of its ``recommendations.json``); otherwise as computed (SI), with
    a note saying so."""
    from engine import services
    from engine.display_units import DisplayUnits

    system = summary.get("unit_system") or next(
        (r.get("unit_system") for r in _saved_recommendations(run_dir)), None)
    if system is None and recommendations:
        print(f"note: {run_dir} does not say which units its project shows; figures are in "
              "SI units (MPa, kg/m³, °C; cost and CO₂ per m³ or kg)", file=sys.stderr)
    return services.shown_recommendations(recommendations, DisplayUnits.of(system))


def _finish_run(args: argparse.Namespace, result: Any, summary: dict[str, Any],
                recommendations: Any) -> int:
    """Print a run's JSON summary, or its figures and explained recommendations."""
    if args.json:
        emit_json(summary)
    else:
        _print_run(result, args.out)
        for rec in recommendations:
            print()
            print(rec.text())
    return 0 if len(result.pareto) else 1


def _export(recommendations: Any, path: Path, spec: StudySpec,
            summary: dict[str, Any]) -> None:
    """Export recommendations of a run outside a project, titled and described by its study."""
    from engine.recommendation.report import export_recommendations

    export_recommendations(recommendations, path, title=spec.name,
                           run={**summary, "description": spec.description})


def _trials_list(args: argparse.Namespace) -> int:
    from engine import optimisation_services as services
    from engine.services import display_units, trials_in_units

    frame = trials_in_units(services.trials(args.project), display_units(args.project))
    if args.out is not None:
        from engine.recommendation.report import write_text_atomic

        write_text_atomic(args.out, frame.to_csv(index=False))
    figures = {k: frame.attrs.get(k) for k in ("n_trials", "n_measured", "hit_rate",
                                               "coverage")}
    if args.json:
        emit_json({**figures, "trials": json.loads(frame.to_json(orient="records",
                                                                  date_format="iso"))})
        return 0
    if frame.empty:
        print("no trials recorded yet: formix trials record --project P --recommendation ID "
              "--batch B1 …")
        return 0
    shown = frame[["trial_id", "recommendation_id", "batch_id", "property", "predicted",
                   "lower", "upper", "measured", "unit", "inside"]]
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    rate = figures["hit_rate"]
    rate_text = "—" if rate is None or rate != rate else f"{rate:.0%}"
    coverage = figures["coverage"]
    coverage_text = "" if coverage is None or coverage != coverage else \
        f" (intervals promise {coverage:.0%})"
    print(f"\n{figures['n_trials']} trials, {figures['n_measured']} measured; "
          f"inside the predicted interval: {rate_text}{coverage_text}")
    _print_notes(frame)
    return 0


def _print_notes(frame: Any) -> None:
    """The notes kept with the trials, one line per trial that has one."""
    noted = frame.dropna(subset=["note"]).drop_duplicates("trial_id")
    if len(noted):
        print("\nnotes:")
    for row in noted.itertuples(index=False):
        print(f"  trial {row.trial_id} ({row.batch_id}): {row.note}")


def _trials_record(args: argparse.Namespace) -> int:
    from engine import optimisation_services as services

    check = services.check_trial(args.project, args.recommendation, args.batch)
    ids = services.record_trial(args.project, args.recommendation, args.batch, args.note,
                                force=args.force, not_imported_yet=args.not_imported_yet)
    if args.json:
        emit_json({"recommendation_id": args.recommendation,
                   "trials": [{"trial_id": i, "batch_id": b}
                              for b, i in zip(args.batch, ids, strict=True)],
                   "warnings": list(check.findings()),
                   "not_in_project": list(check.not_in_project)})
        return 0
    recorded = ", ".join(f"{b} (trial {i})" for b, i in zip(args.batch, ids, strict=True))
    print(f"recorded {len(ids)} trial(s) of recommendation {args.recommendation}: {recorded}")
    for line in check.findings():
        print(f"warning: {line}")
    if check.not_in_project:
        print(f"Import the batch and lab results of {', '.join(check.not_in_project)} when "
              "they come: formix trials list compares them then.")
    return 0


def _trials_remove(args: argparse.Namespace) -> int:
    from engine import optimisation_services as services
    from engine.types import shown_location

    removed = services.remove_trial(args.project, args.trial_id)
    if args.json:
        emit_json({**removed, "recorded_at": removed["recorded_at"].isoformat()})
        return 0
    note = f"; note: {removed['note']}" if removed["note"] else ""
    print(f"removed trial {removed['trial_id']} from {shown_location(str(args.project))}: "
          f"batch {removed['batch_id']} as a trial of recommendation "
          f"{removed['recommendation_id']}, recorded "
          f"{removed['recorded_at']:%Y-%m-%d %H:%M} UTC{note}. The batch and its lab results "
          "stay in the project.")
    return 0


def _shown(project: str, recommendations: Any) -> Any:
    """Recommendations in the project's display units (``formix units``)."""
    from engine import services

    return services.shown_recommendations(recommendations, services.display_units(project))


PARETO_STUDY = "pareto_study.toml"
"""The study in ``pareto.csv``'s (stored) units, saved when they differ from ``study.toml``'s."""


@dataclass(frozen=True)
class _SavedRun:
    """A folder written by ``formix optimize --out``, read back.

    Attributes:
        result: the run rebuilt from ``pareto.csv`` and ``summary.json``.
        spec: the study in the units of ``pareto.csv``.
        summary: ``summary.json``.
        explainable: ``result`` with the baseline recipe, or without a baseline when the
            folder holds only its objectives (folders saved before ``baseline.csv``).
    """

    result: OptimisationResult
    spec: StudySpec
    summary: dict[str, Any]
    explainable: OptimisationResult


def _load_saved_run(run_dir: Path) -> _SavedRun:
    """A run rebuilt from ``pareto.csv``, ``summary.json`` and its study."""
    import dataclasses

    import pandas as pd

    from engine.optimisation.study import StudySpec
    from engine.recommendation.runs import result_from_summary

    try:
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        pareto = pd.read_csv(run_dir / "pareto.csv")
    except (OSError, ValueError) as error:
        raise FormixError(f"{run_dir} is not a saved run of `formix optimize --out`: {error}") \
            from error
    converted = run_dir / PARETO_STUDY
    spec = StudySpec.from_toml(converted if converted.exists() else run_dir / "study.toml")
    baseline, whole = None, False
    if (run_dir / "baseline.csv").exists():
        baseline, whole = pd.read_csv(run_dir / "baseline.csv"), True
    elif summary.get("baseline"):
        baseline = pd.DataFrame([summary["baseline"]["objectives"]])
    result = result_from_summary(summary, pareto, baseline, spec)
    explainable = result if whole else dataclasses.replace(result, baseline=None)
    return _SavedRun(result, spec, summary, explainable)


class _CancelOnInterrupt:
    """First Ctrl-C cancels cleanly after the current generation; a second one interrupts."""

    def __init__(self, cancel: Any) -> None:
        self.cancel = cancel
        self.previous: Any = None

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.cancel.cancelled:
            raise KeyboardInterrupt
        self.cancel.cancel()

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _study_into(out: Path, project: str, study: Path | None) -> StudySpec:
    """The study to run, written to ``out/study.toml`` first: a drafted study can then be
    edited even when the run stops (e.g. for missing prices). A draft is written in the units
    the project shows (lb/yd³ and psi for a US plant), its limits at three significant
    figures in those units. A study file is copied as written, comments and all."""
    from engine import optimisation_services as services
    from engine.optimisation.study import StudySpec

    spec = services.resolve_study(project, study)
    if study is None:
        shown = services.display_study(project, spec,
                                       readable=services.default_is_draft(project))
        spec = StudySpec.from_dict(shown.study)
    out.mkdir(parents=True, exist_ok=True)
    _write_study(out, spec, study)
    return spec


def _write_study(out: Path, spec: StudySpec, source: Path | None) -> str:
    """Write ``out/study.toml``: the user's file byte for byte when the study came from one
    (``source``), else ``spec`` as TOML (a draft); returns ``spec`` as TOML."""
    from engine.recommendation.report import write_text_atomic

    generated = spec.to_toml()
    target = out / "study.toml"
    if source is None:
        write_text_atomic(target, generated)
    elif not (target.exists() and target.samefile(source)):
        # The study parsed as TOML, so it is UTF-8: decoding and writing keep every byte.
        write_text_atomic(target, Path(source).read_bytes().decode("utf-8"))
    return generated


def _write(out: Path, spec: StudySpec, result: Any, summary: dict[str, Any],
           pareto_spec: StudySpec | None = None, source: Path | None = None) -> None:
    """Save a run so that ``formix recommend DIR`` can explain picks from it again.

    ``study.toml`` is the study as written: the file ``source`` byte for byte, else ``spec``
    (a draft). When the run's study differs from what the file says (``pareto.csv`` in other,
    stored units, or ``--population`` and the like), the run's study goes to
    :data:`PARETO_STUDY` as well. ``baseline.csv`` holds the evaluated baseline recipe.
    """
    from engine.optimisation.study import StudySpec
    from engine.recommendation.report import write_text_atomic
    from engine.recommendation.runs import stored_summary

    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "pareto.csv", result.pareto.to_csv(index=False))
    written = _write_study(out, spec, source)
    if source is not None:  # what the file itself says, without the run's overrides
        written = StudySpec.from_toml(source).to_toml()
    converted = out / PARETO_STUDY
    in_pareto_units = written if pareto_spec is None else pareto_spec.to_toml()
    if in_pareto_units != written:
        write_text_atomic(converted, in_pareto_units)
    else:
        converted.unlink(missing_ok=True)
    if result.baseline is not None:
        write_text_atomic(out / "baseline.csv", result.baseline.to_csv(index=False))
    write_text_atomic(out / "recommendations.json",
                      json.dumps(summary["recommendations"], indent=2, default=str))
    saved = {**stored_summary(result), **summary}
    write_text_atomic(out / "summary.json", json.dumps(saved, indent=2, default=str))


def _print_run(result: Any, out: Path | None) -> None:
    print(result.message)
    print(f"{result.n_evaluations} evaluations in {result.wall_s:.1f} s, hypervolume "
          f"{result.hypervolume:.4f}, {_violation_text(result)}, seed {result.seed}")
    if out is not None:
        print(f"written to {out}")


def _violation_text(result: Any) -> str:
    """The run's constraint violation in words: of its recipes, or of the closest recipe when
    none is feasible."""
    violation = result.max_constraint_violation
    if len(result.pareto):
        return f"max constraint violation {violation:.1e}"
    return (f"no feasible recipe (the closest one violates a constraint by {violation:.1e}, "
            "relative to its limit)")
