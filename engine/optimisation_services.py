"""Project-level optimisation services: optimise a study with the project's models, explain and
store recommendations, propose next experiments, and close the loop with trials.

Re-exported by ``engine.services``. A run uses the project's latest trained model set (or a
chosen version), the project's derived features (w/b, binder, SCM shares …) and its materials
catalogue (prices, CO₂ factors; a study's ``[materials.*]`` entries override it). Runs and
their recommendations are stored in the project, so a recommendation can later be recorded as
tried by a batch whose lab results then show how good the prediction was.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from engine.errors import FormixError
from engine.progress import CancelToken, ProgressCallback, no_progress, scaled

if TYPE_CHECKING:
    import pandas as pd

    from engine.optimisation.materials import MaterialTable
    from engine.optimisation.result import OptimisationResult
    from engine.optimisation.study import StudySpec
    from engine.recommendation.explain import ExplainedRecommendation
    from engine.recommendation.trials import TrialCheck
    from engine.storage import ProjectStore

DEFAULT_MODEL_NAME = "properties"

__all__ = [
    "OptimisationRun",
    "ShownStudy",
    "batch_ids",
    "catalogue_materials",
    "check_trial",
    "default_is_draft",
    "default_study",
    "demo_study",
    "display_study",
    "explain_recipe",
    "export_recommendations",
    "load_run",
    "load_study",
    "material_factors",
    "optimisation_runs",
    "optimise",
    "project_recipes",
    "recommend",
    "record_trial",
    "remove_trial",
    "resolve_study",
    "save_study",
    "saved_recommendations",
    "study_in_units",
    "trained_model",
    "trials",
]


NO_MODEL = 0
"""The model version of a run whose study reads no model output (model versions start at 1)."""


@dataclass(frozen=True)
class OptimisationRun:
    """One optimisation of a study with a project's models.

    Attributes:
        location: the project.
        spec: the study as run (overrides applied), in the model's stored units.
        result: the optimisation result (Pareto set, figures, baseline).
        model_name, model_version: the model set used (version :data:`NO_MODEL` when the study
            reads no model output).
        explore: exploration run (next experiments) rather than recommendations.
        materials: the prices and CO₂ factors used.
        run_id: its id in the project (None when not saved).
        model_set: the loaded model set (for explanations); not stored.
        written: the study as given, in the units it was written in (overrides applied), to
            save it as the user wrote it; not stored (None for a stored run).
    """

    location: str
    spec: StudySpec
    result: OptimisationResult
    model_name: str
    model_version: int
    explore: bool
    materials: MaterialTable
    run_id: int | None = None
    model_set: Any = field(default=None, repr=False, compare=False)
    written: StudySpec | None = field(default=None, repr=False, compare=False)

    def summary(self) -> dict[str, Any]:
        """JSON-ready run figures (no recipes)."""
        return {**self.result.summary(), "run_id": self.run_id, "model": self.model_name,
                "model_version": self.model_version,
                "mode": "explore" if self.explore else "optimise",
                "currency": self.materials.currency}


def demo_study() -> StudySpec:
    """The demo project's study (strength lower bound vs cost vs CO₂ at 28 days)."""
    from engine.demo.generator import demo_study_path
    from engine.optimisation.study import StudySpec

    return StudySpec.from_toml(demo_study_path())


def optimise(
    location: str | Path,
    study: StudySpec | Mapping[str, Any] | str | Path | None = None,
    *,
    seed: int | None = 0,
    model_name: str = DEFAULT_MODEL_NAME,
    model_version: int | None = None,
    population: int | None = None,
    generations: int | None = None,
    explore: bool | None = None,
    save: bool = True,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    on_generation: Callable[[int, pd.DataFrame], None] | None = None,
) -> OptimisationRun:
    """Optimise a study with the project's trained models (a study that reads no model output,
    such as a raw meal on cost, CO₂ and modulus limits, needs none).

    Args:
        location: the project.
        study: a study spec, a dict mirroring the TOML, or a TOML file; None means the demo
            study, for the demo project. It may be written in any units (lb/yd³, psi, °F,
            USD/yd³ …): the run converts it to the model's stored units first, so the run's
            ``spec``, the stored run and its recommendations are in stored units.
        seed: random seed (None: the study's ``[algorithm] seed``, else drawn).
        model_name, model_version: the model set (latest version by default).
        population, generations: override ``[algorithm]``.
        explore: True proposes next experiments and lets recipes leave the applicability
            domain's edge (``[domain] explore``); False forces the study's domain limit on;
            None keeps the study's setting.
        save: store the run in the project (needed to record trials later).
        progress, cancel: progress callback and cancel token (see ``engine.progress``).
        on_generation: called after each generation (in the thread running the optimisation)
            with its number and the feasible non-dominated objective values as a frame (one
            column per objective label), e.g. for a live front plot.

    Raises:
        StudySpecError: the study is invalid (every problem with its TOML key path).
        FormixError: no trained model ("train a model first"; without a study, the
            project's default study is used: the demo's, or a draft from the data), a study
            the models cannot serve, or missing prices/CO₂ factors.
    """
    from engine.model_services import project_deriver
    from engine.optimisation.lightgbm_adapter import LightGBMPredictorAdapter
    from engine.optimisation.predictor import NoModels
    from engine.optimisation.run import optimise as run_optimisation
    from engine.optimisation.study_units import study_in_units as in_stored_units

    location = str(location)
    spec = resolve_study(location, study)
    overrides = {k: v for k, v in (("population", population), ("generations", generations))
                 if v is not None}
    if overrides:
        spec.algorithm = spec.algorithm.model_copy(update=overrides)
    if explore is not None:
        spec.domain = spec.domain.model_copy(update={"explore": bool(explore)})
    exploring = spec.domain.effective_mode == "explore"
    written = spec
    if spec.uses_models:
        version, model_set = trained_model(location, model_name, model_version)
        spec = in_stored_units(spec, model_set.units)
        predictor, derive = LightGBMPredictorAdapter(model_set.model), project_deriver(location)
        history = project_recipes(location)
    elif exploring:
        raise FormixError("nothing to explore: the study reads no model output, so no trial "
                          "can make a model more certain")
    else:  # cost, CO₂ and structural limits only
        version, model_set, predictor, derive, history = NO_MODEL, None, NoModels(), None, None
    materials = catalogue_materials(location, spec)
    result = run_optimisation(
        spec, predictor, materials=materials, derive=derive, progress=progress, cancel=cancel,
        seed=seed, history=history, on_generation=_front_frames(spec, on_generation),
    )
    run = OptimisationRun(location, spec, result, model_name, version, exploring, materials,
                          model_set=model_set, written=written)
    if save:
        from engine.recommendation.runs import run_row
        from engine.storage import ProjectStore

        with ProjectStore.open(location) as store:
            run_id = store.save_optimisation_run(run_row(
                result, spec, model_name, version, "explore" if exploring else "optimise"))
        run = replace(run, run_id=run_id)
    return run


def study_in_units(study: StudySpec | Mapping[str, Any], units: Mapping[str, str], *,
                   assumed: Mapping[str, str] | None = None, digits: int = 12,
                   ) -> dict[str, Any]:
    """A study re-expressed in other units, as a dict mirroring the TOML: bounds, values,
    constraints and material factors of each variable whose unit differs from ``units[name]``,
    and limits of output constraints that name a unit (see
    :mod:`engine.optimisation.study_units`). ``optimise`` does this with the model's stored
    units; to show a stored study in display units, pass those as ``units`` and the stored ones
    as ``assumed`` (the unit of entries that name none).

    Raises:
        StudySpecError: unreadable study, unknown or incompatible units (with key paths).
    """
    from pydantic import ValidationError

    from engine.optimisation.study import StudySpec
    from engine.optimisation.study_units import study_in_units as convert

    if isinstance(study, StudySpec):
        spec = study
    else:
        try:
            spec = StudySpec.model_validate(dict(study))  # a draft may be unfinished
        except ValidationError:
            spec = StudySpec.from_dict(study)  # raises with key paths
    converted = convert(spec, units, assumed=assumed, digits=digits)
    return converted.model_dump(mode="json", exclude_none=True)


class ShownStudy(NamedTuple):
    """A study in the project's display units (see :func:`display_study`)."""

    study: dict[str, Any]
    stored_units: dict[str, str]  # unit each model input and output is stored in
    shown_units: dict[str, str]  # … and shown in (limits typed without a unit are in this)


def display_study(location: str | Path, study: StudySpec | Mapping[str, Any],
                  system: str | None = None, *, readable: bool = False) -> ShownStudy:
    """A study as the project shows it: re-expressed in its display units (lb/yd³, psi, °F
    for a US plant; ``system`` "SI" or "US" overrides the project's choice), with the units of
    its model's inputs and outputs. Before any model is trained, or when the study cannot be
    shown in those units (e.g. a °C setting in a ratio), it is returned as written, with no
    shown units. ``readable`` (for a draft, see :func:`default_is_draft`): the limits drawn
    from the data at three significant figures in the units shown, rounded outwards (see
    :func:`engine.optimisation.draft.readable_limits`).

    Raises:
        StudySpecError: unreadable study, unknown or incompatible units (with key paths).
    """
    from engine.display_units import DisplayUnits
    from engine.optimisation.draft import readable_limits
    from engine.optimisation.study import StudySpecError
    from engine.services import display_units

    try:
        _version, model_set = trained_model(location)
    except FormixError:
        return ShownStudy(study_in_units(study, {}), {}, {})
    units = DisplayUnits.of(system) if system else display_units(location)
    stored = {str(name): str(unit) for name, unit in model_set.units.items() if unit}
    typical = _typical_limits(study_in_units(study, stored))
    shown = {name: units.unit(unit, typical.get(name)) for name, unit in stored.items()}
    # Figures shown in other units keep 15 digits: converted back with 12 they are exact again.
    digits = 12 if shown == stored else 15
    try:
        result = ShownStudy(study_in_units(study, shown, assumed=stored, digits=digits), stored,
                            shown)
    except StudySpecError:  # e.g. a °C setting in a ratio: shown as written, runs as written
        result = ShownStudy(study_in_units(study, {}), stored, {})
    return result._replace(study=readable_limits(result.study)) if readable else result


def _typical_limits(study: Mapping[str, Any]) -> dict[str, float]:
    """The largest limit on each property, in stored units: alloy strengths then show in ksi
    rather than psi, as elsewhere."""
    typical: dict[str, float] = {}
    for limit in study.get("constraints") or []:
        target = limit.get("target")
        if limit.get("kind", "target") != "target" or not target:
            continue
        for value in (limit.get("min"), limit.get("max")):
            if isinstance(value, int | float):
                typical[target] = max(typical.get(target, 0.0), abs(float(value)))
    return typical


def default_study(location: str | Path, *, progress: ProgressCallback = no_progress,
                  cancel: CancelToken | None = None) -> dict[str, Any] | None:
    """The project's default study as a dict mirroring the TOML: the demo's own, else a draft
    drawn from the data of the latest trained model (see :mod:`engine.optimisation.draft`);
    None before any model is trained. ``progress`` and ``cancel`` follow the rebuild of the
    modelling table a draft is drawn from.

    Raises:
        StudySpecError: the draft is inconsistent (a bug: drafts are checked here).
    """
    from engine import services
    from engine.model_services import project_deriver
    from engine.optimisation.draft import draft_study
    from engine.optimisation.study import StudySpec

    if not default_is_draft(location):
        return demo_study().model_dump(mode="json", exclude_none=True)
    try:
        _version, model_set = trained_model(location)
    except FormixError:
        return None
    options = services.link_options(location)
    table, _report = services.modelling_table(location, options, progress=scaled(
        progress, 0.0, 0.5), cancel=cancel)
    # The baseline is the recipe's own amounts, not those its batch weighed.
    recipes = table if not options.prefer_weighed_amounts else services.modelling_table(
        location, replace(options, prefer_weighed_amounts=False),
        progress=scaled(progress, 0.5, 1.0), cancel=cancel)[0]
    draft = draft_study(table, list(model_set.inputs), list(model_set.targets),
                        _read_catalogue(location), project_deriver(location), recipes.frame)
    spec = StudySpec.from_dict(draft)
    spec.check()
    return spec.model_dump(mode="json", exclude_none=True)


def default_is_draft(location: str | Path) -> bool:
    """Whether the project's default study is a draft drawn from its data (every project but
    the demo, whose default is the demo's own study)."""
    from engine.demo.project import is_demo_project

    return not (is_demo_project(location) or Path(str(location)).name == "demo.formix")


def load_study(path: str | Path) -> dict[str, Any]:
    """A checked study file as a dict mirroring the TOML.

    Raises:
        StudySpecError: unreadable or invalid (every problem with its TOML key path).
    """
    from engine.optimisation.study import StudySpec

    return StudySpec.from_toml(path).model_dump(mode="json", exclude_none=True)


def save_study(study: StudySpec | Mapping[str, Any], path: str | Path) -> Path:
    """Check a study and write it as TOML (atomically); returns the path.

    Raises:
        StudySpecError: the study is invalid.
        FormixError: the file cannot be written.
    """
    from engine.optimisation.study import StudySpec
    from engine.recommendation.report import write_text_atomic

    spec = study if isinstance(study, StudySpec) else StudySpec.from_dict(study)
    spec.check()
    path = Path(path)
    write_text_atomic(path, spec.to_toml())
    return path


def load_run(location: str | Path, run_id: int | None = None) -> OptimisationRun:
    """A stored run (the latest when ``run_id`` is None), with its model set loaded.

    Raises:
        FormixError: no such run, or its model version is gone.
    """
    from engine.recommendation.runs import result_from_row
    from engine.storage import ProjectStore

    location = str(location)
    with ProjectStore.open(location) as store:
        row = store.optimisation_run(run_id)
    result, spec = result_from_row(row)
    version, model_set = int(row["model_version"]), None
    if spec.uses_models:
        version, model_set = trained_model(location, row["model_name"], version)
    return OptimisationRun(location, spec, result, row["model_name"], version,
                           row["mode"] == "explore", catalogue_materials(location, spec),
                           run_id=int(row["id"]), model_set=model_set)


def optimisation_runs(location: str | Path) -> pd.DataFrame:
    """The project's stored runs: run_id, study, model, mode, seed, created_at."""
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        return store.optimisation_runs()


def recommend(
    location: str | Path,
    run: OptimisationRun | int | None = None,
    k: int = 3,
    *,
    save: bool = True,
) -> tuple[ExplainedRecommendation, ...]:
    """Pick ``k`` recipes from a run and explain them; store them so trials can refer to them.

    Args:
        location: the project.
        run: a run from :func:`optimise`, a stored run id, or None for the latest stored run.
        k: how many recipes (an exploration run returns a batch of ``k`` trial recipes that
            would reduce the models' uncertainty most where it matters).
        save: store the recommendations (they get an ``id``); needs a stored run. A recipe
            of the run stored before (same kind, same Pareto row) keeps its first id: picking
            again stores only new picks.

    Returns:
        The explained recommendations, ranked (empty when the run found no feasible recipe).
    """
    from engine.recommendation.explain import explain_recommendations
    from engine.recommendation.explore import picks_of_run
    from engine.storage import ProjectStore

    if not isinstance(run, OptimisationRun):
        run = load_run(location, run)
    model, units = _models_of(run)
    picks, kind, scores = picks_of_run(run.result, k, run.explore)
    explained = explain_recommendations(
        run.result, run.spec, picks, model=model, units=units, kind=kind, scores=scores,
        **_catalogue_context(run.location),
    )
    if not save or run.run_id is None or not explained:
        return explained
    age_column = getattr(model, "age_column", None)
    with ProjectStore.open(location) as store:
        ids = _stored_ids(store, run.run_id, explained, age_column)
    return tuple(replace(r, id=i) for r, i in zip(explained, ids, strict=True))


def _stored_ids(store: ProjectStore, run_id: int,
                explained: Sequence[ExplainedRecommendation],
                age_column: str | None) -> list[int]:
    """The ids of a run's picks: a recipe stored before keeps its id, a new one is stored."""
    from engine.recommendation.runs import recommendation_row

    known = _stored_picks(store.recommendations(run_id))
    keys = [_pick_key(rec.kind, rec.row) for rec in explained]
    new = [recommendation_row(rec, age_column)
           for rec, key in zip(explained, keys, strict=True) if key not in known]
    saved = iter(store.save_recommendations(run_id, new) if new else ())  # one transaction
    return [known[key] if key in known else next(saved) for key in keys]


def _stored_picks(rows: pd.DataFrame) -> dict[tuple[str, int], int]:
    """(kind, Pareto row) → the first id stored for it, from a run's stored recommendations."""
    import json

    known: dict[tuple[str, int], int] = {}
    for row in rows.itertuples(index=False):
        key = _pick_key(row.kind, json.loads(row.explanation_json).get("row"))
        if key is not None:
            known.setdefault(key, int(row.id))
    return known


def _pick_key(kind: str, row: int | None) -> tuple[str, int] | None:
    """What identifies a recipe of a run (None when its Pareto row is unknown)."""
    return None if row is None else (str(kind), int(row))


def explain_recipe(location: str | Path, run: OptimisationRun | int | None,
                   row: int) -> ExplainedRecommendation:
    """Explain any recipe of a run's Pareto set (e.g. a clicked point), like a recommendation.

    Raises:
        FormixError: no such row.
    """
    from engine.optimisation.decision import recommendation_for_row
    from engine.recommendation.explain import explain_recommendations

    if not isinstance(run, OptimisationRun):
        run = load_run(location, run)
    if not 0 <= row < len(run.result.pareto):
        raise FormixError(f"the run has {len(run.result.pareto)} Pareto recipes; no row {row}")
    model, units = _models_of(run)
    pick = recommendation_for_row(run.result, row, ("selected",), rank=1)
    (explained,) = explain_recommendations(run.result, run.spec, [pick], model=model,
                                           units=units, kind="selection",
                                           **_catalogue_context(run.location))
    return explained


def explanation_context(location: str | Path, spec: StudySpec, model_name: str | None,
                        model_version: int | None) -> dict[str, Any]:
    """What explaining a saved run's recipes takes from its project: the model it ran with
    (when the study reads one), the catalogue's derived-input step and the materials' names.

    Raises:
        FormixError: the project no longer holds that model version.
    """
    context = _catalogue_context(location)
    if spec.uses_models:
        _version, model_set = trained_model(location, model_name or DEFAULT_MODEL_NAME,
                                            model_version)
        context["model"] = model_set.model
    return context


def _catalogue_context(location: str | Path) -> dict[str, Any]:
    """What explanations take from the project's catalogue: its derived-input step (recomputed
    on the hybrid recipes the drivers evaluate) and the materials' names."""
    from engine.linking import deriver
    from engine.recommendation.explain import material_names

    catalogue = _read_catalogue(location)
    return {"derive": deriver(catalogue), "names": material_names(catalogue)}


def _models_of(run: OptimisationRun) -> tuple[Any | None, Mapping[str, str]]:
    """The run's fitted model and its units; none for a study that reads no model output."""
    if not run.spec.uses_models:
        return None, {}
    model_set = run.model_set
    if model_set is None:
        _version, model_set = trained_model(run.location, run.model_name, run.model_version)
    return model_set.model, model_set.units


def saved_recommendations(location: str | Path) -> list[dict[str, Any]]:
    """Every stored recommendation's ``to_dict()`` with its ``id`` and ``run_id``, newest first."""
    import json

    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        rows = store.recommendations()
    out = []
    for row in rows.iloc[::-1].itertuples(index=False):
        data = json.loads(row.explanation_json)
        data.update({"id": int(row.id), "run_id": int(row.run_id)})
        out.append(data)
    return out


def batch_ids(location: str | Path) -> list[str]:
    """The project's batch ids, in import order (for choosing the batches of a trial)."""
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        return store.read("batches")["batch_id"].astype(str).tolist()


def export_recommendations(recommendations: Sequence[ExplainedRecommendation],
                           path: str | Path, *, title: str = "Recommended recipes",
                           run: OptimisationRun | None = None) -> Path:
    """Write recommendations as ``.csv``, ``.xlsx``, ``.json`` or a self-contained ``.html``
    report.

    The file is written atomically (a temporary file, then a rename).
    """
    from engine.recommendation.report import export_recommendations as export

    figures = None
    if run is not None:
        figures = {**run.summary(), "description": run.spec.description}
        title = title if title != "Recommended recipes" else run.spec.name
    return export(recommendations, path, title=title, run=figures)


def check_trial(location: str | Path, recommendation_id: int,
                batch_ids: Sequence[str] | str) -> TrialCheck:
    """Compare the batches named for a trial with the recommendation, recording nothing.

    Each batch is checked for being in the project, for amounts close to the recommended
    ones (weighed amounts, else its recipe's; see
    :data:`engine.recommendation.trials.TOLERANCE_RULE`) and for being made after the
    optimisation run that proposed the recipe.

    Raises:
        FormixError: no such recommendation, or no batch.
    """
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        return _check_trial(store, location, recommendation_id, _batch_list(batch_ids))


def record_trial(location: str | Path, recommendation_id: int, batch_ids: Sequence[str] | str,
                 note: str | None = None, *, force: bool = False,
                 not_imported_yet: bool = False) -> list[int]:
    """Record that the plant tried a stored recommendation in these batches.

    The batches' lab results (imported as usual, before or after) are the measurements that
    :func:`trials` compares with the prediction. Nothing is recorded when a batch is not in
    the project (unless ``not_imported_yet``: its batch file comes later), or when a batch's
    amounts differ markedly from the recommended ones or it was made before the run that
    proposed them (unless ``force``); :func:`check_trial` tells which beforehand.

    Returns:
        The new trial ids.

    Raises:
        FormixError: no such recommendation, no batch, a batch already recorded for it, or
            a batch refused as above (the message names each batch and what does not fit).
    """
    from engine.storage import ProjectStore
    from engine.types import shown_location

    batches = _batch_list(batch_ids)
    with ProjectStore.open(location) as store:
        check = _check_trial(store, location, recommendation_id, batches)
        refusal = check.refusal(shown_location(str(location)), force=force,
                                not_imported_yet=not_imported_yet)
        if refusal is not None:
            raise FormixError(refusal)
        return store.add_trials(int(recommendation_id), batches, note)


def remove_trial(location: str | Path, trial_id: int) -> dict[str, Any]:
    """Delete one recorded trial (a wrong batch, say); the batch and its lab results stay.

    Returns:
        What the trial held: ``trial_id``, ``recommendation_id``, ``batch_id``,
        ``recorded_at`` (UTC) and ``note``.

    Raises:
        FormixError: the project holds no such trial.
    """
    import pandas as pd

    from engine.storage import ProjectStore
    from engine.types import shown_location

    with ProjectStore.open(location) as store:
        removed = store.remove_trial(int(trial_id))
    if removed is None:
        raise FormixError(f"no trial {trial_id} in project {shown_location(str(location))}: "
                          "formix trials list shows the trial ids")
    removed["recorded_at"] = pd.Timestamp(removed.pop("recorded_at_us"), unit="us", tz="UTC")
    return removed


def _batch_list(batch_ids: Sequence[str] | str) -> list[str]:
    """The named batches as text; at least one."""
    batches = [batch_ids] if isinstance(batch_ids, str) else [str(b) for b in batch_ids]
    if not batches:
        raise FormixError("name at least one batch that tried the recommendation")
    return batches


def _check_trial(store: ProjectStore, location: str | Path, recommendation_id: int,
                 batches: list[str]) -> TrialCheck:
    """:func:`check_trial` on an open store."""
    import json

    import pandas as pd

    from engine.recommendation.trials import TrialCheck, check_batch
    from engine.types import shown_location

    found = store.recommendation(int(recommendation_id))
    if found is None:
        raise FormixError(f"no recommendation {recommendation_id} in project "
                          f"{shown_location(str(location))}: use an id that formix optimize "
                          "or formix recommend printed (also in their HTML report)")
    held, amounts = store.trial_batches(batches)
    materials = set(store.read("materials")["material"]) | set(amounts["material"])
    recipe = json.loads(found["recipe_json"])
    recommended = {m: float(v) for m, v in recipe.items() if m in materials and v is not None}
    proposed_at = pd.Timestamp(found["run_created_at_us"], unit="us", tz="UTC")
    rows = {str(r["batch_id"]): r for r in held.to_dict("records")}
    checks = tuple(check_batch(b, recommended, proposed_at, rows.get(b),
                               amounts[amounts["batch_id"] == b]) for b in batches)
    return TrialCheck(int(recommendation_id), int(found["run_id"]), proposed_at, checks)


def trials(location: str | Path) -> pd.DataFrame:
    """Predicted against measured for every recorded trial and predicted property.

    Columns: see :data:`engine.recommendation.trials.TRIAL_COLUMNS` (``inside``: the
    measurement fell in the predicted interval; NA until lab results exist). ``attrs`` holds
    ``hit_rate`` over all measured trials, ``n_trials``, ``n_measured`` and ``coverage``.
    """
    from engine.recommendation.trials import trial_frame
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        rows = store.trial_rows()
        labs = store.read("lab_results")
    return trial_frame(rows, labs)


def project_recipes(location: str | Path) -> list[dict[str, Any]]:
    """The project's recipes (latest version of each) as records: amounts by material code and
    settings by name. The optimiser starts from a diverse subset of them."""
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        components = store.read("recipe_components")
        settings = store.read("recipe_settings")
    records: dict[str, dict[str, Any]] = {}
    if len(components):
        latest = components[components["version"] == components.groupby("recipe_id")[
            "version"].transform("max")]
        wide = latest.pivot_table(index="recipe_id", columns="material", values="amount",
                                  aggfunc="first").fillna(0.0)
        for recipe_id, row in wide.iterrows():
            records[str(recipe_id)] = {str(k): float(v) for k, v in row.items()}
    for row in settings.itertuples(index=False):
        record = records.setdefault(str(row.recipe_id), {})
        record[str(row.setting)] = row.value_text if isinstance(row.value_text, str) \
            else row.value_num
    return list(records.values())


def catalogue_materials(location: str | Path, spec: StudySpec) -> MaterialTable:
    """Prices and CO₂ factors per unit of each study material, from the project's catalogue.

    Catalogue prices per mass unit (kg, t, lb) are converted to the study's amount unit (per kg
    for kg/m³ amounts, per lb for lb/yd³; per 1 wt % of 1 kg for wt % amounts). The study's
    ``[materials.*]`` entries take precedence; its currency is used when it prices anything
    itself.
    """
    return _catalogue_table(_read_catalogue(location), spec)


def material_factors(location: str | Path, study: StudySpec | Mapping[str, Any],
                     ) -> dict[str, Any]:
    """The price and CO₂ factor ``optimise`` would use for each material of a study, and where
    each comes from (for forms that show them while the study is edited).

    The study's ``[materials.<name>]`` entry wins over the project's materials catalogue, as in
    :func:`catalogue_materials`. A study dict being edited may be incomplete: variables and
    ``[materials]`` entries that cannot be read yet are left out instead of raising.

    Returns:
        ``{"currency": str, "materials": {variable: {"price", "co2": float | None,
        "price_from", "co2_from": "study" | "catalogue" | None, "catalogue_price",
        "catalogue_co2": float | None (converted to the variable's unit), "per": amount unit
        the factors are per ("kg", "wt %"), "catalogue_name", "catalogue_source": str}}}``,
        materials in the study's order.
    """
    from pydantic import ValidationError

    from engine.optimisation.materials import amount_per
    from engine.optimisation.study import MaterialFactors, StudySpec, Variable

    data = study.model_dump() if isinstance(study, StudySpec) else dict(study)
    variables = []
    for item in data.get("variables") or []:
        try:
            variable = Variable.model_validate(item)
        except (ValidationError, TypeError):
            continue
        if variable.material and variable.name:
            variables.append(variable)
    own: dict[str, MaterialFactors] = {}
    for name, item in dict(data.get("materials") or {}).items():
        try:
            own[str(name)] = MaterialFactors.model_validate(item)
        except (ValidationError, TypeError):
            continue
    currency = data.get("currency")
    bare = StudySpec.model_validate({
        "variables": [v.model_dump() for v in variables], "objectives": [],
        **({"currency": str(currency)} if isinstance(currency, str) and currency else {})})
    catalogue = _read_catalogue(location)
    from_catalogue = _catalogue_table(catalogue, bare)
    bare.materials = own
    used = _catalogue_table(catalogue, bare)
    rows = {str(row.material): row for row in catalogue.itertuples(index=False)}
    materials: dict[str, dict[str, Any]] = {}
    for variable in variables:
        entry = own.get(variable.name)
        row = rows.get(variable.name)
        found: dict[str, Any] = {"per": amount_per(variable.unit),
                                 "catalogue_name": _text(getattr(row, "name", None)),
                                 "catalogue_source": _text(getattr(row, "source", None))}
        for key, table, mine in (("price", used.price, entry and entry.price),
                                 ("co2", used.co2, entry and entry.co2)):
            value = table.get(variable.name)
            found[key] = value
            found[f"{key}_from"] = "study" if mine is not None else \
                "catalogue" if value is not None else None
            found[f"catalogue_{key}"] = (from_catalogue.price if key == "price"
                                         else from_catalogue.co2).get(variable.name)
        materials[variable.name] = found
    return {"currency": used.currency, "materials": materials}


def _read_catalogue(location: str | Path) -> pd.DataFrame:
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        return store.read("materials")


def _catalogue_table(catalogue: pd.DataFrame, spec: StudySpec) -> MaterialTable:
    from engine.optimisation.materials import MaterialTable, per_amount_factor

    price: dict[str, float] = {}
    co2: dict[str, float] = {}
    currencies = set()
    materials = {v.name: v for v in spec.variables if v.material}
    for entry in catalogue.itertuples(index=False):
        variable = materials.get(str(entry.material))
        if variable is None:
            continue
        factor = per_amount_factor(entry.unit, variable.unit)
        if factor is None:
            continue
        if _finite(entry.price_per_unit):
            price[variable.name] = float(entry.price_per_unit) * factor
            if isinstance(entry.currency, str) and entry.currency:
                currencies.add(entry.currency)
        if _finite(entry.co2_per_unit):
            co2[variable.name] = float(entry.co2_per_unit) * factor
    own = MaterialTable.from_spec(spec)
    currency = spec.currency if own.price or len(currencies) != 1 else currencies.pop()
    return MaterialTable(price={**price, **own.price}, co2={**co2, **own.co2},
                         currency=currency)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------------------------- helpers


def _front_frames(spec: StudySpec, callback: Callable[[int, pd.DataFrame], None] | None,
                  ) -> Callable[[int, Any], None] | None:
    if callback is None:
        return None
    import pandas as pd

    from engine.optimisation.study import objective_label

    labels = [objective_label(o) for o in spec.objectives]

    def relay(generation: int, front: Any) -> None:
        callback(generation, pd.DataFrame(front, columns=labels))

    return relay


def resolve_study(location: str | Path,
                  study: StudySpec | Mapping[str, Any] | str | Path | None) -> StudySpec:
    """The study a run of ``location`` uses: a copy of ``study``, the study read from its TOML
    file, or (None) the project's default study (see :func:`default_study`).

    Raises:
        StudySpecError: the study is invalid.
        FormixError: no study given and no trained model to draft one from.
    """
    from engine.optimisation.study import StudySpec

    if isinstance(study, StudySpec):
        return study.model_copy(deep=True)
    if isinstance(study, Mapping):
        return StudySpec.from_dict(study)
    if study is not None:
        return StudySpec.from_toml(study)
    default = default_study(location)
    if default is None:
        raise FormixError(f"{location}: no trained model to draft a study from: train a model "
                          "first, or give a study file (TOML)")
    return StudySpec.from_dict(default)


def trained_model(location: str | Path, name: str = DEFAULT_MODEL_NAME,
                  version: int | None = None) -> tuple[int, Any]:
    """The version and model set of a trained model (the latest version by default).

    Raises:
        FormixError: no such model ("train a model first").
    """
    from engine.models.persistence import load_model_files
    from engine.storage import ProjectStore

    with ProjectStore.open(location) as store:
        try:
            found, files = store.load_model_files(name, version)
        except FormixError as error:
            which = f"version {version} of " if version is not None else ""
            raise FormixError(f"{location}: no trained model {which}{name!r}: train a model "
                              "first (formix train, or Models → Train in the desktop)") from error
    return found, load_model_files(files)


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
