"""Project optimisation services: models, catalogue prices, stored runs, migration 0003."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine import optimisation_services
from engine.errors import FormixError
from engine.progress import Cancelled, CancelToken
from engine.storage import ProjectStore
from tests.engine.recommendation import helpers

# the shared trained demo project and run (see tests/engine/recommendation/helpers.py)
trained_demo = helpers.trained_demo
run_project = helpers.run_project
demo_run = helpers.demo_run
demo_recommendations = helpers.demo_recommendations


def test_optimising_without_a_trained_model_says_train_first(demo_project: Path,
                                                             tmp_path: Path) -> None:
    project = tmp_path / "demo.formix"
    shutil.copy(demo_project, project)
    with pytest.raises(FormixError, match="train a model first"):
        optimisation_services.optimise(project, population=10, generations=2)


def test_a_study_without_model_outputs_runs_in_a_project_without_models(
        demo_project: Path, tmp_path: Path) -> None:
    from engine.optimisation.examples import example_path

    project = tmp_path / "demo.formix"
    shutil.copy(demo_project, project)  # no model trained
    study = example_path("raw_meal_study.toml")
    run = optimisation_services.optimise(project, study, population=30, generations=20)
    assert run.run_id is not None and len(run.result.pareto) > 1
    assert run.model_version == optimisation_services.NO_MODEL
    picks = optimisation_services.recommend(project, run.run_id, k=2)  # reloaded from the store
    assert [p.id for p in picks] and all(p.id is not None for p in picks)
    assert all(p.properties == () and p.attributions == () for p in picks)
    assert any(b.label == "silica ratio" for p in picks for b in p.binding)
    with pytest.raises(FormixError, match="nothing to explore"):
        optimisation_services.optimise(project, study, explore=True, generations=2)


def test_other_projects_get_a_draft_study_from_their_data(trained_demo: Path,
                                                        tmp_path: Path) -> None:
    """A plant project without a study of its own: the draft varies every ingredient within
    the data, keeps w/b, binder content and SCM shares within the data's range, fixes the age
    at 28 days, fills 1 m³ and runs as it is."""
    from engine import services
    from engine.optimisation.study import StudySpec

    project = tmp_path / "plant.formix"
    shutil.copy(trained_demo, project)
    with ProjectStore.open(project) as store:
        store.set_setting("demo_project", None)
    reported: list[float] = []
    draft = optimisation_services.default_study(
        project, progress=lambda fraction, _message: reported.append(fraction))
    assert draft is not None
    assert reported and reported[-1] == pytest.approx(1.0)  # the table rebuild reports
    stop = CancelToken()
    stop.cancel()
    with pytest.raises(Cancelled):
        optimisation_services.default_study(project, cancel=stop)
    spec = StudySpec.from_dict(draft)
    table, _report = services.modelling_table(project)
    frame = table.frame
    variables = {v.name: v for v in spec.variables}
    amounts = [name for name, v in variables.items() if v.material]
    assert set(amounts) == {"cement", "blast_furnace_slag", "fly_ash", "water",
                            "superplasticizer", "coarse_aggregate", "fine_aggregate"}
    for name in amounts:
        v = variables[name]
        assert frame[name].min() <= v.lower < v.upper <= frame[name].max(), name
    assert variables["test_age_days"].type == "fixed" and variables["test_age_days"].value == 28
    (mixture,) = spec.mixture
    assert mixture.basis == "volume" and mixture.total == 1.0 and 0 <= mixture.air < 0.1
    assert [o.kind for o in spec.objectives] == ["target", "cost", "co2"]
    binder = ["cement", "blast_furnace_slag", "fly_ash"]
    ratios = {r.name: r for r in spec.ratio}
    assert set(ratios) == {"w/b", "SCM share of binder",  # named as the catalogue names them
                           "Ground granulated blast-furnace slag (GGBS) share of binder",
                           "Fly ash (class F / PFA) share of binder"}
    assert all(sorted(r.denominator) == sorted(binder) for r in ratios.values())
    w_b = frame["water"] / frame[binder].sum(axis=1)
    assert w_b.min() <= ratios["w/b"].min < ratios["w/b"].max <= w_b.max()
    (content,) = spec.linear
    assert set(content.coefficients) == set(binder)
    assert frame[binder].sum(axis=1).min() <= content.min < content.max
    (floor,) = spec.constraints
    at_28 = frame.loc[frame["test_age_days"] == 28, "compressive_strength"]
    assert floor.statistic == "lower" and at_28.quantile(0.2) < floor.min < at_28.quantile(0.3)
    assert spec.baseline is not None and set(spec.baseline.values) <= set(variables)

    run = optimisation_services.optimise(project, population=20, generations=5, save=False)
    pareto = run.result.pareto
    assert len(pareto) and run.result.max_constraint_violation <= 1e-9
    assert (pareto["compressive_strength_lower"] >= floor.min - 1e-9).all()
    for name in amounts:
        v = variables[name]
        assert pareto[name].between(v.lower - 1e-9, v.upper + 1e-9).all(), name
    run_w_b = pareto["water"] / pareto[binder].sum(axis=1)
    assert run_w_b.between(ratios["w/b"].min - 1e-9,
                           ratios["w/b"].max + 1e-9).all()
    # specific gravities (unit-free) of kg/m³ amounts: density = 1000 × SG
    volume = sum(pareto[c] / (1000.0 * mixture.specific_gravities[c])
                 for c in mixture.components)
    assert (volume + mixture.air).sub(1.0).abs().max() < 1e-9
    doses = {count.components[0]: count.min_amount for count in spec.count}
    assert {"fly_ash", "blast_furnace_slag", "superplasticizer"} <= set(doses)  # no token doses
    for name, dose in doses.items():
        used = pareto[name]
        assert ((used == 0) | (used >= dose - 1e-9)).all(), name


def test_a_project_without_a_model_has_no_study(demo_project: Path, tmp_path: Path) -> None:
    project = tmp_path / "plant.formix"
    shutil.copy(demo_project, project)
    with ProjectStore.open(project) as store:
        store.set_setting("demo_project", None)
    assert optimisation_services.default_study(project) is None
    with pytest.raises(FormixError, match="train a model first"):
        optimisation_services.optimise(project, population=10, generations=2)


def test_demo_run_uses_the_catalogue_and_is_stored(run_project: Path, demo_run: Any) -> None:
    assert demo_run.run_id is not None and demo_run.model_version == 1
    assert demo_run.materials.currency == "USD"
    assert demo_run.materials.price["cement"] == pytest.approx(0.111)
    assert demo_run.materials.co2["blast_furnace_slag"] == pytest.approx(0.067)
    pareto = demo_run.result.pareto
    amounts = pareto[list(demo_run.materials.price)]
    expected = amounts.to_numpy() @ pd.Series(demo_run.materials.price)[amounts.columns].to_numpy()
    assert pareto["cost"].to_numpy() == pytest.approx(expected)
    runs = optimisation_services.optimisation_runs(run_project)
    assert demo_run.run_id in runs["run_id"].tolist()
    summary = demo_run.summary()
    for key in ("n_evaluations", "wall_s", "hypervolume", "max_constraint_violation"):
        assert key in summary
    assert summary["max_constraint_violation"] <= 1e-9


def test_a_stored_run_is_reloaded_and_recommended_again(run_project: Path, demo_run: Any,
                                                        demo_recommendations: Any) -> None:
    loaded = optimisation_services.load_run(run_project, demo_run.run_id)
    pd.testing.assert_frame_equal(loaded.result.pareto, demo_run.result.pareto,
                                  check_dtype=False, atol=1e-9)
    again = optimisation_services.recommend(run_project, loaded, 3, save=False)
    for new, old in zip(again, demo_recommendations, strict=True):
        assert new.recipe == pytest.approx(old.recipe)
    assert all(r.id is None for r in again)


def test_study_prices_override_the_catalogue_and_units_convert(trained_demo: Path,
                                                               tmp_path: Path) -> None:
    project = tmp_path / "demo.formix"
    shutil.copy(trained_demo, project)
    with sqlite3.connect(project) as connection:  # a catalogue priced per tonne
        connection.execute("UPDATE materials SET unit='t', price_per_unit=111.0 "
                           "WHERE material='cement'")
    spec = optimisation_services.demo_study()
    table = optimisation_services.catalogue_materials(project, spec)
    assert table.price["cement"] == pytest.approx(0.111)
    spec.materials = {"water": spec.materials.get("water") or _factors(0.01, 0.0)}
    table = optimisation_services.catalogue_materials(project, spec)
    assert table.price["water"] == pytest.approx(0.01)
    assert table.co2["water"] == pytest.approx(0.0)
    assert table.price["fly_ash"] == pytest.approx(0.045)


def _factors(price: float, co2: float) -> Any:
    from engine.optimisation.study import MaterialFactors

    return MaterialFactors(price=price, co2=co2)


def test_migration_0003_upgrades_a_0002_project(tmp_path: Path) -> None:
    from alembic import command

    from engine.storage.project_store import _make_engine, _migrations_config, database_url

    path = tmp_path / "old.formix"
    engine = _make_engine(database_url(path))
    with engine.begin() as connection:
        command.upgrade(_migrations_config(connection), "0002")
        connection.exec_driver_sql(
            "INSERT INTO materials (material, name, kind, unit) VALUES "
            "('cement', 'Cement', 'cement', 'kg')")
    engine.dispose()
    with ProjectStore.open(path) as store:
        assert store.revision() == "0003"
        assert store.read("materials")["material"].tolist() == ["cement"]
        run_id = store.save_optimisation_run({
            "study_name": "s", "study_toml": "", "model_name": "m", "model_version": 1,
            "mode": "optimise", "seed": 0, "summary_json": "{}", "pareto_json": "{}"})
        [rec_id] = store.save_recommendations(run_id, [{
            "rank": 1, "kind": "recommendation", "recipe_json": "{}",
            "predicted_json": "{\"targets\": {}}", "explanation_json": "{}"}])
        assert store.add_trials(rec_id, ["B1"]) == [1]
        assert store.trial_rows()["batch_id"].tolist() == ["B1"]
    assert list(tmp_path.glob("old.formix.before-0003.bak"))


def test_studies_as_dicts_for_the_desktop(trained_demo: Path, tmp_path: Path) -> None:
    study = optimisation_services.default_study(trained_demo)
    assert study is not None and study["currency"] == "USD"
    study["algorithm"]["population"] = 12
    path = optimisation_services.save_study(study, tmp_path / "edited.toml")
    assert optimisation_services.load_study(path)["algorithm"]["population"] == 12
    assert list(tmp_path.iterdir()) == [path]
    study["variables"][0]["lower"] = 900.0  # above its upper bound
    from engine.optimisation.study import StudySpecError

    with pytest.raises(StudySpecError, match="variables"):
        optimisation_services.save_study(study, tmp_path / "bad.toml")
    project = tmp_path / "demo.formix"
    shutil.copy(trained_demo, project)
    fronts: list[tuple[int, pd.DataFrame]] = []
    run = optimisation_services.optimise(
        project, optimisation_services.load_study(path), generations=3, save=False,
        on_generation=lambda generation, front: fronts.append((generation, front)))
    population = run.spec.algorithm.population  # the first generation: twice as many, past recipes
    assert run.run_id is None and run.result.n_evaluations == population * (3 + 1)
    assert [g for g, _ in fronts] == [1, 2, 3]
    assert list(fronts[-1][1].columns) == list(run.result.objective_labels)


def test_saved_recommendations_batches_and_explaining_any_pareto_row(
        run_project: Path, demo_run: Any, demo_recommendations: Any) -> None:
    saved = optimisation_services.saved_recommendations(run_project)
    ids = [r["id"] for r in saved]
    assert set(r.id for r in demo_recommendations) <= set(ids) and ids == sorted(ids)[::-1]
    assert all(r["run_id"] == demo_run.run_id for r in saved if r["id"] in ids[:3])
    assert all(r["row"] is not None for r in saved)
    batches = optimisation_services.batch_ids(run_project)
    assert len(batches) == 428 and batches[0] == "B00001"
    last = len(demo_run.result.pareto) - 1
    explained = optimisation_services.explain_recipe(run_project, demo_run, last)
    assert explained.row == last and explained.kind == "selection"
    assert explained.attributions and explained.recipe["test_age_days"] == 28.0
    with pytest.raises(FormixError, match="no row"):
        optimisation_services.explain_recipe(run_project, demo_run, last + 1)
