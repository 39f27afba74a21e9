"""Removing an import: what it added goes in one transaction, dependents refuse it, and the
same file can then be imported again with a corrected mapping."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from engine import services
from engine.cli import main
from engine.errors import FormixError
from engine.storage import ImportRemovalRefused, ProjectStore
from engine.storage import import_removal as removal
from tests.engine.plant_files import sha256_of, write_text

# The new user's files (nu18b, B12): "Hüttensand" is not recognised as slag and becomes a
# material of its own; the corrected profile maps it to slag.
RECIPE = ("Recipe;Cement [kg/m³];Hüttensand [kg/m³];Water [kg/m³];Sand [kg/m³];Gravel [kg/m³]\n"
          "R1;200,0;150,0;175,0;800,0;1000,0\n")
PROFILE = """kind = "recipes"
[[columns]]
source = "Recipe"
field = "recipe_id"
[[columns]]
source = "Cement [kg/m³]"
field = "component:cement"
[[columns]]
source = "Hüttensand [kg/m³]"
field = "component:slag"
[[columns]]
source = "Water [kg/m³]"
field = "component:water"
[[columns]]
source = "Sand [kg/m³]"
field = "component:sand"
[[columns]]
source = "Gravel [kg/m³]"
field = "component:gravel"
"""
BATCHES = "Batch;Recipe;Start\nB1;R1;10.01.2024 08:00\nB2;R1;11.01.2024 08:00\n"
LAB = "Batch;Age [d];Compressive strength [N/mm²]\nB1;28;40,0\nB2;28;42,0\nB9;28;39,0\n"


@pytest.fixture
def plant(tmp_path: Path) -> dict[str, Path]:
    """A project with the wrong recipe import (1), its batches (2) and lab results (3)."""
    files = {
        "project": tmp_path / "hs.formix",
        "recipe": write_text(tmp_path / "huettensand_recipe.csv", RECIPE),
        "batch": write_text(tmp_path / "huettensand_batch.csv", BATCHES),
        "lab": write_text(tmp_path / "huettensand_lab.csv", LAB),
        "profile": write_text(tmp_path / "hs_fix.toml", PROFILE),
    }
    services.create_project(files["project"])
    for name, kind in (("recipe", "recipes"), ("batch", "batches"), ("lab", "lab_results")):
        services.import_files(files["project"], [files[name]], kind=kind)
    return files


def _materials(project: Path) -> list[str]:
    with ProjectStore.open(project) as store:
        return store.read("materials")["material"].tolist()


def test_imports_are_listed_with_what_they_hold(plant: dict[str, Path]) -> None:
    entries = services.list_imports(plant["project"])
    assert [(e.import_id, e.file_name, e.kind, e.n_rows) for e in entries] == [
        (1, "huettensand_recipe.csv", "recipes", 1),
        (2, "huettensand_batch.csv", "batches", 2),
        (3, "huettensand_lab.csv", "lab_results", 3)]
    assert entries[0].counts["recipes"] == 1 and entries[0].counts["materials"] == 5
    assert entries[1].counts["batches"] == 2 and entries[2].counts["lab_results"] == 3


def test_dependents_refuse_the_removal_and_nothing_changes(plant: dict[str, Path]) -> None:
    before = sha256_of(plant["project"])
    with pytest.raises(ImportRemovalRefused) as refused:
        services.remove_import(plant["project"], 1)
    message = str(refused.value)
    assert "import 2 (huettensand_batch.csv): 2 batches name recipes it added" in message
    assert "import 3 (huettensand_lab.csv)" in message  # what --with-dependents would remove
    assert sha256_of(plant["project"]) == before
    with pytest.raises(ImportRemovalRefused, match="2 lab results name batches it added"):
        services.remove_import(plant["project"], 2)
    assert services.project_summary(plant["project"]).counts["batches"] == 2


def test_with_dependents_the_wrong_import_can_be_redone_as_if_it_never_happened(
        plant: dict[str, Path], tmp_path: Path) -> None:
    project = plant["project"]
    assert "huettensand" in _materials(project)
    plan = services.remove_import(project, 1, with_dependents=True)
    assert [e.import_id for e in plan.imports] == [1, 2, 3]
    assert plan.rows["recipes"] == 1 and plan.rows["batches"] == 2
    assert plan.rows["lab_results"] == 3 and plan.rows["recipe_components"] == 5
    assert "huettensand" in plan.materials_removed
    assert services.project_summary(project).counts == {
        "materials": 0, "recipes": 0, "batches": 0, "process_series": 0, "lab_results": 0,
        "imports": 0, "model_versions": 0}

    # The same files import again: the recipe with the corrected profile.
    services.import_files(project, [plant["recipe"]], profile=plant["profile"])
    services.import_files(project, [plant["batch"]], kind="batches")
    services.import_files(project, [plant["lab"]], kind="lab_results")
    assert sorted(_materials(project)) == ["cement", "gravel", "sand", "slag", "water"]
    services.export_table(project, tmp_path / "table.csv")
    written = pd.read_csv(tmp_path / "table.csv")
    assert not [c for c in written.columns if "ttensand" in c]  # no stray all-zero column
    assert written["slag [kg/m³]"].tolist() == [150.0, 150.0]
    assert written["recipe_version"].tolist() == [1, 1]  # not a "version 2"


def test_materials_still_used_elsewhere_stay(plant: dict[str, Path], tmp_path: Path) -> None:
    project = plant["project"]
    other = write_text(tmp_path / "r2.csv", "Recipe;Cement [kg/m³];Water [kg/m³]\nR2;300;180\n")
    services.import_files(project, [other], kind="recipes")
    plan = services.remove_import(project, 1, with_dependents=True)
    assert plan.materials_kept == ("cement", "water")
    assert set(plan.materials_removed) == {"gravel", "huettensand", "sand"}
    assert _materials(project) == ["cement", "water"]
    [left] = services.list_imports(project)  # credited to the import that uses them now
    assert (left.file_name, left.counts["materials"]) == ("r2.csv", 2)
    services.remove_import(project, left.import_id)
    assert _materials(project) == []


def test_a_removal_that_fails_halfway_removes_nothing(plant: dict[str, Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    project = plant["project"]
    before = services.project_summary(project).counts

    def broken(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(removal, "_first_user", broken)  # runs after the rows are deleted
    other = plant["recipe"].with_name("r2.csv")
    write_text(other, "Recipe;Cement [kg/m³]\nR2;300\n")
    services.import_files(project, [other], kind="recipes")
    with pytest.raises(RuntimeError):
        services.remove_import(project, 1, with_dependents=True)
    after = services.project_summary(project).counts
    assert after == {**before, "recipes": before["recipes"] + 1, "imports": 4}
    assert "huettensand" in _materials(project)


def test_trials_on_its_batches_always_refuse(plant: dict[str, Path]) -> None:
    project = plant["project"]
    with ProjectStore.open(project) as store:
        run_id = store.save_optimisation_run({
            "study_name": "s", "study_toml": "", "model_name": "m", "model_version": 1,
            "mode": "optimise", "seed": 0, "summary_json": "{}", "pareto_json": "{}"})
        [rec_id] = store.save_recommendations(run_id, [{
            "rank": 1, "kind": "recommendation", "recipe_json": "{}",
            "predicted_json": "{}", "explanation_json": "{}"}])
        [trial_id] = store.add_trials(rec_id, ["B2"])
    with pytest.raises(ImportRemovalRefused, match=f"1 trial.*{trial_id} \\(batch B2\\)"):
        services.remove_import(project, 1, with_dependents=True)
    assert services.project_summary(project).counts["batches"] == 2
    services.remove_trial(project, trial_id)
    services.remove_import(project, 1, with_dependents=True)
    assert services.project_summary(project).counts["batches"] == 0


def test_models_trained_since_are_named(plant: dict[str, Path]) -> None:
    with ProjectStore.open(plant["project"]) as store:
        store.save_model_version("default", {"manifest.json": b"{}"}, {}, "0" * 64)
    plan = services.plan_import_removal(plant["project"], 3)
    assert plan.models == ("default v1",)
    assert any("train again" in line for line in plan.summary())
    services.remove_import(plant["project"], 3)
    assert services.project_summary(plant["project"]).counts["model_versions"] == 1  # kept


def test_historian_samples_naming_its_batches_depend_on_it(plant: dict[str, Path],
                                                            tmp_path: Path) -> None:
    project = plant["project"]
    log = write_text(tmp_path / "log.csv", "batch_id,tag,time,value,unit\n"
                     "B1,mixer_load,2024-01-10T08:00:00Z,50,%\n"
                     "B1,mixer_load,2024-01-10T08:00:10Z,52,%\n")
    services.import_files(project, [log], kind="process_series")
    expected = "import 4 (log.csv): its historian samples name 1 batch it added"
    with pytest.raises(ImportRemovalRefused, match=re.escape(expected)):
        services.remove_import(project, 2)
    plan = services.remove_import(project, 4)
    assert plan.rows["process_series"] == 2
    with ProjectStore.open(project) as store:
        assert store.read("process_series").empty
        assert store.series_between(pd.Timestamp("2024-01-01", tz="UTC"),
                                    pd.Timestamp("2024-02-01", tz="UTC")).empty


def test_a_newer_recipe_version_removed_relinks_version_less_batches(
        plant: dict[str, Path], tmp_path: Path) -> None:
    changed = write_text(tmp_path / "copy.csv", RECIPE.replace("200,0", "210,0"))
    services.import_files(plant["project"], [changed], kind="recipes")  # R1 version 2
    plan = services.plan_import_removal(plant["project"], 4)
    assert not plan.blocked and plan.relinked == {"R1": 1}
    assert "batches that name no version of recipe R1 link to its version 1 afterwards" in (
        plan.summary())


def test_an_unknown_import_id_is_a_clear_error(plant: dict[str, Path]) -> None:
    with pytest.raises(FormixError, match="no import 7 in this project \\(imports: 1, 2, 3"):
        services.remove_import(plant["project"], 7)


def test_cli_lists_and_removes_imports(plant: dict[str, Path],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    project = str(plant["project"])
    assert main(["imports", "list", project, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [i["file_name"] for i in listed["imports"]] == [
        "huettensand_recipe.csv", "huettensand_batch.csv", "huettensand_lab.csv"]
    assert main(["imports", "remove", project, "1"]) == 1
    assert "import 2 (huettensand_batch.csv): 2 batches" in capsys.readouterr().err
    assert main(["imports", "remove", project, "1", "--with-dependents", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would remove" in out and "dry run: nothing was removed" in out
    assert services.project_summary(project).counts["imports"] == 3
    assert main(["imports", "remove", project, "1", "--with-dependents", "--json"]) == 0
    removed = json.loads(capsys.readouterr().out)
    assert removed["ok"] and [i["import_id"] for i in removed["imports"]] == [1, 2, 3]
    assert main(["imports", "list", project]) == 0
    assert "no imports yet" in capsys.readouterr().out
    assert main(["import", project, str(plant["recipe"]), "--profile",
                 str(plant["profile"])]) == 0


def test_a_removed_import_s_id_is_never_given_again(plant: dict[str, Path],
                                                    tmp_path: Path) -> None:
    project = plant["project"]
    newest = max(e.import_id for e in services.list_imports(project))
    services.remove_import(project, newest)
    again = write_text(tmp_path / "r3.csv", "Recipe;Cement [kg/m³];Water [kg/m³]\nR3;310;170\n")
    services.import_files(project, [again], kind="recipes")
    ids = [e.import_id for e in services.list_imports(project)]
    assert newest not in ids and max(ids) == newest + 1  # an audit trail keeps its meaning


def test_removing_a_second_catalogue_keeps_what_the_first_one_listed(tmp_path: Path) -> None:
    project = tmp_path / "plant.formix"
    services.create_project(project)
    header = "Material;Kind;Unit;Price [EUR/t];CO2 [kg CO2e/t]\n"
    first = write_text(tmp_path / "catalogue_2024.csv", header + "cement;cement;t;120;850\n")
    second = write_text(tmp_path / "catalogue_2025.csv", header + "cement;cement;t;135;860\n")
    services.import_files(project, [first], kind="materials")
    services.import_files(project, [second], kind="materials")
    newest = max(e.import_id for e in services.list_imports(project))
    plan = services.remove_import(project, newest)
    assert plan.materials_removed == () and plan.materials_kept == ("cement",)
    assert _materials(project) == ["cement"]  # the catalogue is not emptied
    [left] = services.list_imports(project)
    assert (left.file_name, left.counts["materials"]) == ("catalogue_2024.csv", 1)
