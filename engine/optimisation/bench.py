"""``formix bench optimise``: Formix NSGA-II against random search and Optuna's NSGA-II.

All methods get the same evaluation budget (as many recipes as the Formix run evaluated:
population × generations, plus up to one population more in its first generation of past
recipes), the same repair and
the same predictor: the demo project's trained strength model (LightGBM with calibrated
intervals and its applicability domain) on the demo study (lower 90 % strength bound vs cost vs
CO₂ at 28 days, 1 m³); Formix starts, as in the product, from the baseline, the study's seeds
and a diverse subset of the project's recipes. The demo project is built and trained once in a
cache folder when ``--project`` is not given; ``--analytic`` uses the closed-form stand-in
instead. Random search draws Latin-hypercube decision vectors; Optuna's ``NSGAIISampler``
suggests the variables (floats, ints, categoricals) and its suggestions are repaired before
evaluation, with the constraint values passed through ``Trial.set_constraint``. A reference
front comes from a Formix run with ``--reference-factor`` times as many generations. Fronts
are taken over everything each method evaluated; for Formix that is the Pareto set ``optimise``
returns (its archive of every feasible non-dominated recipe evaluated).

Hypervolume: every front (feasible recipes only, minimisation form) is scaled with one common
ideal/nadir (the union of all fronts) and measured against the reference point 1.1 in every
objective; "HV / ref" is the ratio to the reference front's hypervolume.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.cli._output import emit_json
from engine.optimisation.evaluation import StudyEvaluator
from engine.optimisation.repair import RecipeRepairer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``formix bench optimise``."""
    parser.add_argument("--project", help="trained project (default: the demo, built and "
                        "trained in a cache folder when absent)")
    parser.add_argument("--study", help="study file (default: the demo study)")
    parser.add_argument("--analytic", action="store_true",
                        help="closed-form stand-in models and the concrete example study")
    parser.add_argument("--population", type=int, default=100)
    parser.add_argument("--generations", type=int, default=200)
    parser.add_argument("-k", "--recommendations", type=int, default=3, metavar="K",
                        help="explained recommendations to show (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reference-factor", type=int, default=10,
                        help="generations of the reference run, as a multiple (default 10)")
    parser.add_argument("--no-optuna", action="store_true", help="skip Optuna's NSGA-II")
    parser.add_argument("--speed", action="store_true",
                        help="also time one run at the default study size (100 × 200)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print a table (or JSON)."""
    setup = bench_setup(args.project, args.study, args.analytic)
    report = benchmark(
        setup=setup,
        population=args.population,
        generations=args.generations,
        seed=args.seed,
        reference_factor=args.reference_factor,
        optuna=not args.no_optuna,
        recommendations=args.recommendations,
    )
    if args.speed:
        report["speed"] = speed(setup=setup, seed=args.seed)
    if args.json:
        emit_json(report)
    else:
        _print(report)
    return 0


@dataclass
class BenchSetup:
    """What every method shares: the study, the models, derived inputs and prices."""

    spec: Any
    predictor: Any
    derive: Any
    materials: Any
    model_set: Any = None
    project: str | None = None
    history: Any = None

    def study(self, population: int, generations: int, seed: int) -> Any:
        """A copy of the study with these algorithm settings."""
        spec = self.spec.model_copy(deep=True)
        spec.algorithm = spec.algorithm.model_copy(
            update={"population": population, "generations": generations, "seed": seed})
        return spec


def bench_setup(project: str | None = None, study: str | None = None,
                analytic: bool = False) -> BenchSetup:
    """The demo project's model and study (built and trained if absent), or the analytic fake."""
    from engine.optimisation.study import StudySpec

    if analytic:
        from engine.optimisation.analytic import analytic_setup
        from engine.optimisation.examples import example_path

        spec = StudySpec.from_toml(study or example_path("concrete_study.toml"))
        predictor, derive = analytic_setup(spec)
        return BenchSetup(spec, predictor, derive, None)
    from engine import optimisation_services as services
    from engine.model_services import project_deriver
    from engine.optimisation.lightgbm_adapter import LightGBMPredictorAdapter

    location = project or str(trained_demo_project())
    spec = StudySpec.from_toml(study) if study else services.demo_study()
    _version, model_set = services.trained_model(location)
    return BenchSetup(spec, LightGBMPredictorAdapter(model_set.model), project_deriver(location),
                      services.catalogue_materials(location, spec), model_set, location,
                      services.project_recipes(location))


def trained_demo_project(folder: Path | None = None) -> Path:
    """The demo project in ``folder``, built and trained if absent.

    The default cache folder is named after a hash of the engine's code, so a change to how
    the demo is imported, linked or trained builds a new one: a project cached by older code
    once gave figures for a model the current code no longer trains.
    """
    from engine import services
    from engine.demo.project import DEMO_PROJECT_NAME, build_demo_project

    folder = folder or Path(tempfile.gettempdir()) / f"formix-bench-{_engine_code_hash()}"
    path = folder / DEMO_PROJECT_NAME
    if not path.exists():
        build_demo_project(folder)
    if not services.model_versions(path, "properties"):
        services.train_models(path)
    return path


def _engine_code_hash() -> str:
    """12 hex digits of a hash over the engine's files (sources and the demo's data)."""
    import hashlib

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def benchmark(setup: BenchSetup | None = None, population: int = 100, generations: int = 200,
              seed: int = 0, reference_factor: int = 10, optuna: bool = True,
              recommendations: int = 3) -> dict[str, Any]:
    """Run every method and return the figures (see the module docstring)."""
    from engine.optimisation.run import optimise

    setup = setup or bench_setup()
    spec = setup.study(population, generations, seed)
    predictor, derive, materials = setup.predictor, setup.derive, setup.materials

    fronts: dict[str, np.ndarray] = {}
    rows: list[dict[str, Any]] = []

    started = time.perf_counter()
    result = optimise(spec, predictor, materials=materials, derive=derive,
                      history=setup.history)
    budget = result.n_evaluations
    signs = result.signs
    wall = time.perf_counter() - started
    fronts["formix_nsga2"] = result.objective_matrix() * signs
    rows.append(_row("formix_nsga2", budget, wall))

    evaluator = _evaluator(spec, predictor, derive, materials)
    repairer = RecipeRepairer(evaluator.space, evaluator.system)
    started = time.perf_counter()
    fronts["random_search"] = _random_search(evaluator, repairer, budget, population, seed)
    rows.append(_row("random_search", budget, time.perf_counter() - started))

    if optuna:
        started = time.perf_counter()
        fronts["optuna_nsga2"], used = _optuna(evaluator, repairer, budget, population, seed,
                                               spec)
        rows.append(_row("optuna_nsga2", used, time.perf_counter() - started))

    long_spec = spec.model_copy(deep=True)
    long_spec.algorithm = spec.algorithm.model_copy(
        update={"generations": generations * reference_factor})
    started = time.perf_counter()
    reference = optimise(long_spec, predictor, materials=materials, derive=derive,
                         history=setup.history)
    fronts["reference"] = reference.objective_matrix() * signs
    rows.append(_row("reference", reference.n_evaluations, time.perf_counter() - started))

    _hypervolumes(rows, fronts)
    return {
        "study": spec.name,
        "project": setup.project,
        "population": population,
        "generations": generations,
        "budget": budget,
        "seed": seed,
        "objectives": list(result.objective_labels),
        "methods": rows,
        "max_constraint_violation": result.max_constraint_violation,
        "note": "HV on fronts scaled by the union's ideal/nadir, reference point 1.1",
        "recommendations": _explained(setup, spec, result, recommendations),
    }


def _explained(setup: BenchSetup, spec: Any, result: Any, k: int) -> list[dict[str, Any]]:
    from engine.optimisation.decision import recommend
    from engine.recommendation.explain import explain_recommendations

    if k <= 0 or setup.model_set is None:
        return []
    explained = explain_recommendations(result, spec, recommend(result, k),
                                        model=setup.model_set.model, derive=setup.derive,
                                        units=setup.model_set.units)
    return [{**r.to_dict(), "text": r.text()} for r in explained]


def speed(setup: BenchSetup | None = None, population: int = 100, generations: int = 200,
          seed: int = 0) -> dict[str, Any]:
    """Wall time of one ``optimise`` run, split into predictor, repair and the rest (pymoo)."""
    from engine.optimisation import repair as repair_module
    from engine.optimisation.run import optimise

    setup = setup or bench_setup()
    spec = setup.study(population, generations, seed)
    predictor, derive = setup.predictor, setup.derive
    spent = {"predictor": 0.0, "repair": 0.0}

    def timed(function: Any, key: str) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - started
        return wrapper

    original_predict = predictor.predict
    predictor.predict = timed(original_predict, "predictor")  # type: ignore[method-assign]
    original = repair_module.RecipeRepairer.repair
    repair_module.RecipeRepairer.repair = timed(original, "repair")  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        result = optimise(spec, predictor, materials=setup.materials, derive=derive,
                          history=setup.history)
        wall = time.perf_counter() - started
    finally:
        repair_module.RecipeRepairer.repair = original  # type: ignore[method-assign]
        predictor.predict = original_predict  # type: ignore[method-assign]
    return {
        "population": population,
        "generations": generations,
        "evaluations": result.n_evaluations,
        "wall_s": round(wall, 3),
        "predictor_s": round(spent["predictor"], 3),
        "repair_s": round(spent["repair"], 3),
        "other_s": round(wall - spent["predictor"] - spent["repair"], 3),
        "ms_per_generation": round(1000 * wall / max(result.n_generations, 1), 2),
    }


def _row(method: str, evaluations: int, wall_s: float) -> dict[str, Any]:
    return {"method": method, "evaluations": int(evaluations), "wall_s": round(wall_s, 3)}


def _evaluator(spec: Any, predictor: Any, derive: Any, materials: Any = None) -> StudyEvaluator:
    from engine.optimisation.constraints import LinearSystem
    from engine.optimisation.encoding import DesignSpace
    from engine.optimisation.materials import MaterialTable

    space = DesignSpace.from_spec(spec)
    table = MaterialTable.from_spec(spec)
    if materials is not None:
        table = materials.merged_over(table)
    return StudyEvaluator(spec, space, LinearSystem.from_spec(spec, space), predictor, table,
                          derive)


def _front(F: np.ndarray, feasible: np.ndarray | None = None) -> np.ndarray:
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    if feasible is not None:
        F = F[feasible]
    F = np.unique(F, axis=0)
    if len(F) == 0:
        return F
    return F[NonDominatedSorting().do(F, only_non_dominated_front=True)]


def _random_search(evaluator: StudyEvaluator, repairer: RecipeRepairer, budget: int,
                   batch: int, seed: int) -> np.ndarray:
    from pymoo.operators.sampling.lhs import sampling_lhs

    rng = np.random.default_rng(seed)
    space = evaluator.space
    kept_F, kept_ok = [], []
    for start in range(0, budget, batch):
        n = min(batch, budget - start)
        X = sampling_lhs(n, space.n_var, space.xl, space.xu, random_state=rng)
        evaluation = evaluator.evaluate(repairer.repair_decisions(X), count=False)
        kept_F.append(evaluation.F)
        kept_ok.append(evaluation.feasible)
    return _front(np.vstack(kept_F), np.concatenate(kept_ok))


def _optuna(evaluator: StudyEvaluator, repairer: RecipeRepairer, budget: int, population: int,
            seed: int, spec: Any) -> tuple[np.ndarray, int]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = evaluator.space
    sampler = optuna.samplers.NSGAIISampler(population_size=population, seed=seed)
    directions: list[Any] = ["maximize" if s < 0 else "minimize" for s in evaluator.signs]
    study = optuna.create_study(directions=directions, sampler=sampler)
    kinds = {v.name: v for v in spec.variables}
    all_F, all_ok, used = [], [], 0
    while used < budget:
        trials = [study.ask() for _ in range(min(population, budget - used))]
        X = np.empty((len(trials), space.n_var))
        for i, trial in enumerate(trials):
            for j, name in enumerate(space.decision_names):
                variable = kinds[name]
                if variable.type == "categorical":
                    choice = trial.suggest_categorical(name, list(variable.choices or []))
                    X[i, j] = (variable.choices or []).index(choice)
                elif variable.type == "integer":
                    X[i, j] = trial.suggest_int(name, int(space.xl[j] + 0.5),
                                                int(space.xu[j] - 0.5))
                else:
                    X[i, j] = trial.suggest_float(name, space.xl[j], space.xu[j])
        evaluation = evaluator.evaluate(repairer.repair_decisions(X), count=False)
        for i, trial in enumerate(trials):
            for j, g in enumerate(evaluation.G[i]):
                trial.set_constraint(f"g{j}", float(g))
            study.tell(trial, [float(v) for v in evaluation.objectives[i]])
        all_F.append(evaluation.F)
        all_ok.append(evaluation.feasible)
        used += len(trials)
    return _front(np.vstack(all_F), np.concatenate(all_ok)), used


def _hypervolumes(rows: list[dict[str, Any]], fronts: dict[str, np.ndarray]) -> None:
    from engine.optimisation.result import normalised_hypervolume

    nonempty = [F for F in fronts.values() if len(F)]
    if not nonempty:
        return
    union = np.vstack(nonempty)
    ideal, nadir = union.min(axis=0), union.max(axis=0)
    reference = normalised_hypervolume(fronts["reference"], ideal, nadir)
    for row in rows:
        F = fronts[row["method"]]
        hv = normalised_hypervolume(F, ideal, nadir)
        row["n_front"] = len(F)
        row["hypervolume"] = round(hv, 5)
        row["hv_vs_reference"] = round(hv / reference, 4) if reference > 0 else None


def _print(report: dict[str, Any]) -> None:
    print(f"{report['study']}: budget {report['budget']} evaluations "
          f"({report['population']} × {report['generations']}), seed {report['seed']}")
    print(f"{'method':<16}{'evals':>8}{'wall s':>9}{'front':>7}{'HV':>10}{'HV/ref':>9}")
    for row in report["methods"]:
        ratio = row.get("hv_vs_reference")
        print(f"{row['method']:<16}{row['evaluations']:>8}{row['wall_s']:>9.2f}"
              f"{row.get('n_front', 0):>7}{row.get('hypervolume', 0.0):>10.4f}"
              f"{(ratio if ratio is not None else float('nan')):>9.3f}")
    print(report["note"])
    for rec in report.get("recommendations", []):
        print()
        print(rec["text"])
    if "speed" in report:
        s = report["speed"]
        print(f"speed {s['population']} × {s['generations']}: {s['wall_s']:.2f} s "
              f"({s['ms_per_generation']:.1f} ms/generation; predictor {s['predictor_s']:.2f} s, "
              f"repair {s['repair_s']:.2f} s, pymoo and the rest {s['other_s']:.2f} s)")
