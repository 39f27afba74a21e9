"""Recording a trial checks the batches (in the project, made to the recipe, after the run
that proposed it); a wrong record can be removed again."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine import optimisation_services
from engine.errors import FormixError
from engine.recommendation.trials import BatchCheck, TrialCheck, amount_differences
from tests.engine.recommendation.trial_batches import import_trial_batch


@pytest.fixture
def project(tmp_path: Path, run_project: Path, demo_recommendations: Any) -> Path:
    """A copy of the demo project holding the shared run's recommendations."""
    copy = tmp_path / "demo.formix"
    shutil.copy(run_project, copy)
    return copy


def _amounts(recommendation: Any) -> dict[str, float]:
    return {k: float(v) for k, v in recommendation.recipe.items() if k != "age"}


def test_a_batch_made_to_the_recommendation_is_recorded_and_compared(
        tmp_path: Path, project: Path, demo_recommendations: Any) -> None:
    rec = demo_recommendations[0]
    weighed = {m: a * 1.03 for m, a in _amounts(rec).items()}  # usual weighing scatter
    import_trial_batch(project, weighed, "T0001", tmp_path, strength=44.0)
    assert optimisation_services.check_trial(project, rec.id, ["T0001"]).findings() == []
    (trial_id,) = optimisation_services.record_trial(project, rec.id, ["T0001"])
    frame = optimisation_services.trials(project)
    assert frame["trial_id"].tolist() == [trial_id]
    assert frame["measured"].tolist() == [44.0]


def test_an_unknown_batch_is_refused_and_nothing_is_recorded(
        tmp_path: Path, project: Path, demo_recommendations: Any) -> None:
    rec = demo_recommendations[0]
    import_trial_batch(project, _amounts(rec), "T0001", tmp_path, strength=44.0)
    with pytest.raises(FormixError) as refused:
        optimisation_services.record_trial(project, rec.id, ["T0001", "T0O02"])
    assert "nothing recorded: batch T0O02 is not in project" in str(refused.value)
    assert str(project) in str(refused.value)
    assert "--not-imported-yet" in str(refused.value)
    assert optimisation_services.trials(project).empty  # T0001 was not recorded either


def test_a_batch_imported_later_is_recorded_when_said_so(
        project: Path, demo_recommendations: Any) -> None:
    rec = demo_recommendations[0]
    check = optimisation_services.check_trial(project, rec.id, ["T0099"])
    assert check.not_in_project == ["T0099"]
    assert check.findings() == ["batch T0099 is not in the project yet, so its amounts and "
                                "date are not checked."]
    optimisation_services.record_trial(project, rec.id, ["T0099"], not_imported_yet=True)
    assert optimisation_services.trials(project)["batch_id"].unique().tolist() == ["T0099"]


def test_a_batch_of_another_recipe_is_refused_naming_each_component(
        project: Path, demo_recommendations: Any) -> None:
    rec = demo_recommendations[0]
    check = optimisation_services.check_trial(project, rec.id, ["B00001"])
    (batch,) = check.mismatched
    assert batch.source == "weighed" and batch.differences
    cement = next(d for d in batch.differences if d.material == "cement")
    assert cement.recommended == pytest.approx(rec.recipe["cement"])
    with pytest.raises(FormixError) as refused:
        optimisation_services.record_trial(project, rec.id, ["B00001"])
    message = str(refused.value)
    assert message.startswith("nothing recorded: batch B00001 (weighed amounts) differs from "
                              f"recommendation {rec.id} by more than 5 % and 1 kg/m")
    assert (f"cement (recommended {cement.recommended:.1f}, batch {cement.batch:.1f} kg/m"
            in message)
    assert f"before optimisation run {check.run_id} proposed recommendation" in message
    assert "--force" in message
    assert optimisation_services.trials(project).empty
    optimisation_services.record_trial(project, rec.id, ["B00001"], force=True)
    assert optimisation_services.trials(project)["batch_id"].unique().tolist() == ["B00001"]


def test_a_batch_made_before_the_run_is_refused(
        tmp_path: Path, project: Path, demo_recommendations: Any) -> None:
    rec = demo_recommendations[0]
    import_trial_batch(project, _amounts(rec), "T2020", tmp_path, strength=40.0,
                       made_at=pd.Timestamp("2020-03-02 06:00", tz="UTC"))
    check = optimisation_services.check_trial(project, rec.id, ["T2020"])
    (batch,) = check.mismatched
    assert batch.differences == ()
    assert batch.made_at == pd.Timestamp("2020-03-02 06:00", tz="UTC")
    with pytest.raises(FormixError, match="batch T2020 was made 2020-03-02 06:00 UTC, before "
                                          "optimisation run"):
        optimisation_services.record_trial(project, rec.id, ["T2020"])


def test_a_batch_dated_the_day_of_the_run_is_not_refused_as_earlier(
        tmp_path: Path, project: Path, demo_recommendations: Any) -> None:
    """A batch file with dates only: the batch made that day reads as midnight, before the
    run's time of day, and is still a trial of it."""
    rec = demo_recommendations[0]
    proposed_at = optimisation_services.check_trial(project, rec.id, ["B00001"]).proposed_at
    import_trial_batch(project, _amounts(rec), "T-TODAY", tmp_path, strength=40.0,
                       made_at=proposed_at.floor("D"))
    check = optimisation_services.check_trial(project, rec.id, ["T-TODAY"])
    assert not check.mismatched
    optimisation_services.record_trial(project, rec.id, ["T-TODAY"])


def test_removing_a_wrong_trial_restores_the_hit_rate(
        tmp_path: Path, project: Path, demo_recommendations: Any) -> None:
    rec = demo_recommendations[0]
    (strength,) = rec.properties
    import_trial_batch(project, _amounts(rec), "T0001", tmp_path, strength=strength.mean)
    optimisation_services.record_trial(project, rec.id, ["T0001"])
    (wrong,) = optimisation_services.record_trial(project, rec.id, ["B00001"], note="typo",
                                                  force=True)
    assert optimisation_services.trials(project).attrs["n_trials"] == 2

    removed = optimisation_services.remove_trial(project, wrong)
    assert {k: removed[k] for k in ("trial_id", "recommendation_id", "batch_id", "note")} == {
        "trial_id": wrong, "recommendation_id": rec.id, "batch_id": "B00001", "note": "typo"}
    frame = optimisation_services.trials(project)
    assert frame["batch_id"].tolist() == ["T0001"]
    assert frame.attrs["hit_rate"] == 1.0
    with pytest.raises(FormixError, match=f"no trial {wrong} in project .*demo.formix"):
        optimisation_services.remove_trial(project, wrong)
    assert "B00001" in optimisation_services.batch_ids(project)  # the batch itself stays


@pytest.mark.parametrize(("recommended", "batch", "differs"), [
    (300.0, 314.0, False),  # 4.7 %: weighing scatter
    (300.0, 316.0, True),  # 5.3 %
    (4.0, 4.9, False),  # an admixture dose: within 1 kg/m³
    (4.0, 5.1, True),
    (0.0, 0.8, False),  # none recommended, a trace weighed
    (0.0, 1.5, True),
])
def test_an_amount_differs_beyond_5_percent_and_1_kg(recommended: float, batch: float,
                                                      differs: bool) -> None:
    found = amount_differences({"cement": recommended}, {"cement": batch}, {"cement": "kg/m³"})
    assert bool(found) is differs


@pytest.mark.parametrize(("recommended", "batch", "differs"), [
    (0.20, 0.205, False),  # carbon within 0.01 wt %
    (0.20, 0.25, True),  # a different steel, though within 1 of the unit
    (0.03, 0.0, True),  # the niobium left out
    (1.50, 1.57, False),  # manganese within 5 %
])
def test_an_alloy_amount_differs_beyond_5_percent_and_a_hundredth_wt_pct(
        recommended: float, batch: float, differs: bool) -> None:
    found = amount_differences({"C": recommended}, {"C": batch}, {"C": "wt%"})
    assert bool(found) is differs


def test_a_recommended_material_the_batch_lacks_counts_as_none() -> None:
    (missing,) = amount_differences({"cement": 300.0, "fly_ash": 90.0}, {"cement": 300.0},
                                    {"cement": "kg/m³"}, "kg/m³")
    assert (missing.material, missing.recommended, missing.batch) == ("fly_ash", 90.0, 0.0)
    assert str(missing) == "fly_ash (recommended 90.0, batch 0.0 kg/m³)"


def test_an_alloy_batch_is_refused_naming_the_alloy_tolerance() -> None:
    differences = amount_differences({"C": 0.20}, {"C": 0.25}, {"C": "wt%"})
    check = TrialCheck(7, 2, pd.Timestamp("2026-01-05", tz="UTC"),
                       (BatchCheck("H-101", source="weighed", differences=differences),))
    (finding,) = check.findings()
    assert finding == ("batch H-101 (weighed amounts) differs from recommendation 7 by more than "
                       "5 % and 0.01 wt% in C (recommended 0.200, batch 0.250 wt%).")
