"""``formix optimize STUDY.toml``: run a study, print or save the Pareto set and recommendations.

``formix recommend DIR`` picks recommendations again (another ``-k``) from a saved run
(``formix optimize … --out DIR``) without optimising again.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli._output import TerminalProgress, emit_json
from engine.errors import FormixError

if TYPE_CHECKING:
    from engine.optimisation.predictor import DeriveFn, PropertyPredictor
    from engine.optimisation.study import StudySpec


def register(subparsers: Any) -> None:
    """Add ``formix optimize`` (alias ``optimise``)."""
    parser = subparsers.add_parser(
        "optimize",
        aliases=["optimise"],
        help="optimise a study: Pareto set of recipes and a few recommendations",
        description="Run NSGA-II over a study file with the project's trained models. Every "
        "returned recipe satisfies every constraint of the study. Ctrl-C stops after the "
        "current generation and keeps the best recipes so far.",
    )
    parser.add_argument("study", type=Path, help="study file (TOML)")
    parser.add_argument("--project", type=Path, help="project whose trained models to use")
    parser.add_argument("--seed", type=int, help="random seed (overrides [algorithm] seed)")
    parser.add_argument("--population", type=int, help="overrides [algorithm] population")
    parser.add_argument("--generations", type=int, help="overrides [algorithm] generations")
    parser.add_argument("-k", "--recommendations", type=int, default=3, metavar="K",
                        help="number of recommended recipes (default 3)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="write pareto.csv, recommendations.json, summary.json, study.toml")
    # Testing only: closed-form stand-in models instead of a project's trained ones.
    parser.add_argument("--fake-predictor", choices=["analytic"], help=argparse.SUPPRESS)
    parser.set_defaults(handler=_run)

    again = subparsers.add_parser(
        "recommend",
        help="pick recommended recipes again from a saved run (formix optimize --out DIR)",
    )
    again.add_argument("run_dir", type=Path, metavar="DIR", help="output folder of a run")
    again.add_argument("-k", "--recommendations", type=int, default=3, metavar="K",
                       help="number of recommended recipes (default 3)")
    again.add_argument("--json", action="store_true", help="print JSON on stdout")
    again.set_defaults(handler=_recommend_again)


# ---------------------------------------------------------------------------------------------
# LEAD: wire the project's trained models here. This is the one place the CLI gets a predictor.
# ---------------------------------------------------------------------------------------------
def _load_predictor(args: argparse.Namespace,
                    spec: StudySpec) -> tuple[PropertyPredictor, DeriveFn | None]:
    """The predictor (and derived-feature step) for ``spec``.

    For now only the hidden ``--fake-predictor analytic`` option works; a project's trained
    models are not wired up yet.

    Raises:
        FormixError: no trained models are available.
    """
    if args.fake_predictor == "analytic":
        from engine.optimisation.analytic import analytic_setup

        return analytic_setup(spec)
    where = f" {args.project}" if args.project else ""
    raise FormixError(f"no trained models in project{where}: train models first, then run "
                      "`formix optimize` again")


def _run(args: argparse.Namespace) -> int:
    from engine.optimisation.decision import recommend
    from engine.optimisation.run import optimise
    from engine.optimisation.study import StudySpec
    from engine.progress import CancelToken

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
    recommendations = recommend(result, args.recommendations)
    summary = result.summary()
    summary["recommendations"] = [r.to_dict() for r in recommendations]
    if result.baseline is not None:
        summary["baseline"] = {
            "name": spec.baseline.name if spec.baseline else "baseline",
            "feasible": result.baseline_feasible,
            "objectives": {label: float(result.baseline.iloc[0][label])
                           for label in result.objective_labels},
        }
    if args.out is not None:
        _write(args.out, spec, result, summary)
    if args.json:
        emit_json(summary)
    else:
        _print(result, recommendations, args.out)
    return 0 if len(result.pareto) else 1


def _recommend_again(args: argparse.Namespace) -> int:
    from engine.optimisation.decision import recommend

    result = _load_saved_run(args.run_dir)
    recommendations = recommend(result, args.recommendations)
    if args.json:
        emit_json([r.to_dict() for r in recommendations])
    else:
        _print(result, recommendations, None)
    return 0 if recommendations else 1


def _load_saved_run(run_dir: Path) -> Any:
    """An ``OptimisationResult`` rebuilt from ``pareto.csv``, ``summary.json``, ``study.toml``."""
    import numpy as np
    import pandas as pd

    from engine.optimisation.result import OptimisationResult
    from engine.optimisation.study import StudySpec

    try:
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        pareto = pd.read_csv(run_dir / "pareto.csv")
    except (OSError, ValueError) as error:
        raise FormixError(f"{run_dir} is not a saved run of `formix optimize --out`: {error}") \
            from error
    spec = StudySpec.from_toml(run_dir / "study.toml")
    labels = tuple(o["label"] for o in summary["objectives"])
    baseline = None
    if summary.get("baseline"):
        baseline = pd.DataFrame([summary["baseline"]["objectives"]])
    return OptimisationResult(
        study_name=summary["study"], pareto=pareto, objective_labels=labels,
        senses=tuple(o["sense"] for o in summary["objectives"]),
        variable_names=tuple(v.name for v in spec.variables), input_columns=(),
        targets=(), coverage=float("nan"), baseline=baseline, baseline_feasible=None,
        n_evaluations=summary["n_evaluations"], n_generations=summary["n_generations"],
        wall_s=summary["wall_s"], hypervolume=summary["hypervolume"], hv_ideal=(),
        hv_nadir=(), max_constraint_violation=summary["max_constraint_violation"],
        history=(np.empty((0, len(labels))),), cancelled=summary["cancelled"],
        seed=summary["seed"], message=summary["message"], currency=spec.currency,
    )


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


def _write(out: Path, spec: StudySpec, result: Any, summary: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    result.pareto.to_csv(out / "pareto.csv", index=False)
    (out / "study.toml").write_text(spec.to_toml(), encoding="utf-8")
    (out / "recommendations.json").write_text(
        json.dumps(summary["recommendations"], indent=2, default=str), encoding="utf-8")
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str),
                                      encoding="utf-8")


def _print(result: Any, recommendations: Any, out: Path | None) -> None:
    print(result.message)
    print(f"{result.n_evaluations} evaluations in {result.wall_s:.1f} s, hypervolume "
          f"{result.hypervolume:.4f}, max constraint violation "
          f"{result.max_constraint_violation:.1e}, seed {result.seed}")
    for rec in recommendations:
        print(f"\n#{rec.rank} ({rec.reason}; domain: {rec.domain_label})")
        for name, value in rec.recipe.items():
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            print(f"  {name:<28} {shown}")
        for label, value in rec.objectives.items():
            delta = ""
            if rec.deltas is not None:
                delta = f"  ({rec.deltas[label]:+.4g} vs baseline)"
            print(f"  → {label:<26} {value:.4g}{delta}")
    if out is not None:
        print(f"\nwritten to {out}")
