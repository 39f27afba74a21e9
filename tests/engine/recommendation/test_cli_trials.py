"""``formix trials record`` refuses batches that cannot be trials of the recommendation,
``formix trials remove`` undoes a wrong record, ``formix trials list`` shows the notes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.cli import main
from engine.recommendation.trials import TOLERANCE_RULE
from tests.engine.recommendation.trial_batches import import_trial_batch


@pytest.fixture
def project(tmp_path: Path, run_project: Path, demo_recommendations: Any) -> str:
    """A copy of the demo project holding the shared run's recommendations."""
    copy = tmp_path / "demo.formix"
    shutil.copy(run_project, copy)
    return str(copy)


def _record(project: str, recommendation: int, *more: str) -> int:
    return main(["trials", "record", "--project", project, "--recommendation",
                 str(recommendation), "--batch", *more])


def _listed(project: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["trials", "list", "--project", project, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_mistyped_batch_is_an_error_and_nothing_is_recorded(
        project: str, demo_recommendations: Any, capsys: pytest.CaptureFixture[str]) -> None:
    rec = demo_recommendations[0]
    assert _record(project, rec.id, "B9999X") == 1
    error = capsys.readouterr().err
    assert f"formix: nothing recorded: batch B9999X is not in project {project}" in error
    assert _listed(project, capsys)["n_trials"] == 0


def test_a_batch_that_comes_later_is_recorded_and_said_to_be_missing(
        project: str, demo_recommendations: Any, capsys: pytest.CaptureFixture[str]) -> None:
    rec = demo_recommendations[0]
    assert _record(project, rec.id, "T0100", "--not-imported-yet") == 0
    out = capsys.readouterr().out
    assert f"recorded 1 trial(s) of recommendation {rec.id}: T0100 (trial 1)" in out
    assert "warning: batch T0100 is not in the project yet" in out
    assert "Import the batch and lab results of T0100 when they come" in out


def test_a_batch_of_another_recipe_needs_force_and_is_warned_about(
        project: str, demo_recommendations: Any, capsys: pytest.CaptureFixture[str]) -> None:
    rec = demo_recommendations[0]
    assert _record(project, rec.id, "B00001") == 1
    error = capsys.readouterr().err
    assert "batch B00001 (weighed amounts) differs from recommendation" in error
    assert f"cement (recommended {rec.recipe['cement']:.1f}, batch" in error
    assert "was made" in error and "--force" in error
    assert _listed(project, capsys)["n_trials"] == 0

    assert _record(project, rec.id, "B00001", "--force") == 0
    assert "warning: batch B00001 (weighed amounts) differs" in capsys.readouterr().out
    assert _listed(project, capsys)["n_trials"] == 1


def test_remove_undoes_a_wrong_record_and_the_hit_rate_follows(
        tmp_path: Path, project: str, demo_recommendations: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    rec = demo_recommendations[0]
    (strength,) = rec.properties
    import_trial_batch(project, {k: v for k, v in rec.recipe.items() if k != "age"}, "T0001",
                       tmp_path, strength=strength.mean)
    assert _record(project, rec.id, "T0001", "--note", "night shift, silo 2") == 0
    assert _record(project, rec.id, "B00001", "--force") == 0
    capsys.readouterr()
    assert _listed(project, capsys)["n_trials"] == 2

    assert main(["trials", "remove", "--project", project, "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"removed trial 2 from {project}: batch B00001 as a trial of "
                          f"recommendation {rec.id}, recorded ")
    listed = _listed(project, capsys)
    assert [t["batch_id"] for t in listed["trials"]] == ["T0001"]
    assert listed["hit_rate"] == 1.0
    assert listed["trials"][0]["note"] == "night shift, silo 2"

    assert main(["trials", "remove", "--project", project, "2"]) == 1
    assert f"no trial 2 in project {project}" in capsys.readouterr().err
    assert main(["trials", "remove", "--project", project, "1", "--json"]) == 0
    removed = json.loads(capsys.readouterr().out)
    assert (removed["batch_id"], removed["note"]) == ("T0001", "night shift, silo 2")


def test_trials_list_shows_the_notes(project: str, demo_recommendations: Any,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    rec = demo_recommendations[0]
    assert _record(project, rec.id, "T0100", "--not-imported-yet",
                   "--note", "Konsistenz F3") == 0
    capsys.readouterr()
    assert main(["trials", "list", "--project", project]) == 0
    assert "notes:\n  trial 1 (T0100): Konsistenz F3" in capsys.readouterr().out


def test_record_help_states_the_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["trials", "record", "--help"])
    shown = re.sub(r"\s+", " ", capsys.readouterr().out)
    assert TOLERANCE_RULE in shown
    assert "--force" in shown and "--not-imported-yet" in shown


def test_record_and_units_print_json_for_scripts(
        project: str, demo_recommendations: Any, capsys: pytest.CaptureFixture[str]) -> None:
    rec = demo_recommendations[0]
    assert _record(project, rec.id, "B00001", "--force", "--json") == 0
    recorded = json.loads(capsys.readouterr().out)
    assert recorded["recommendation_id"] == rec.id
    assert [t["batch_id"] for t in recorded["trials"]] == ["B00001"]
    assert recorded["warnings"] and "B00001" in recorded["warnings"][0]
    assert main(["units", project, "US", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"project": project, "system": "US"}
