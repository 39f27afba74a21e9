"""One import run lists the errors in a file's cells and its errors against the project
together, so a user fixes them in one pass (not two rounds of two)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import services
from engine.errors import Finding, ImportRejected, Severity
from engine.ingest import ColumnMapping, ImportProfile
from engine.schema import DatasetKind
from tests.engine.plant_files import sha256_of, write_text

RECIPES = "recipe_id,Cement (kg/m3),Water (kg/m3)\nR1,350,175\nR2,300,180\n"
BATCHES = ImportProfile(kind=DatasetKind.BATCHES, columns=[
    ColumnMapping("Charge", "batch_id"), ColumnMapping("Rezept", "recipe_id"),
    ColumnMapping("Zement", "component:cement", "kg/m³"),
])
# row 3: 'n.b.'; row 4: unknown recipe R9; row 5: repeats CH1; row 6: CH0 is stored already
DEFECTIVE = ("Charge;Rezept;Zement\nCH1;R1;350\nCH2;R1;n.b.\nCH3;R9;300\nCH1;R2;300\n"
             "CH0;R2;300\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "plant.formix"
    services.create_project(path)
    services.import_files(path, [write_text(tmp_path / "r.csv", RECIPES)], kind="recipes")
    services.import_files(path, [write_text(tmp_path / "old.csv", "Charge;Rezept;Zement\n"
                                                                  "CH0;R2;300\n")],
                          profile=BATCHES)
    return path


def _rejected(project: Path, files: list[Path], **options: object) -> list[Finding]:
    with pytest.raises(ImportRejected) as rejected:
        services.import_files(project, files, **options)  # type: ignore[arg-type]
    return [f for f in rejected.value.findings if f.severity is Severity.ERROR]


def test_cell_and_project_errors_come_in_one_run(project: Path, tmp_path: Path) -> None:
    path = write_text(tmp_path / "chargen.csv", DEFECTIVE)
    before = sha256_of(project)
    for dry_run in (True, False):
        errors = _rejected(project, [path], profile=BATCHES, dry_run=dry_run)
        assert sorted((e.row, e.column, e.reason) for e in errors) == [
            (3, "Zement", "text 'n.b.' in a numeric column (amount)"),
            (4, "Rezept", "batch refers to recipe R9, which is neither in the project nor in "
                          "this import"),
            (5, "Charge", "duplicate batch id 'CH1' (first at row 2)"),
            (6, "Charge", "batch CH0 is already in the project"),
        ]
    assert sha256_of(project) == before


def test_a_file_that_cannot_be_read_does_not_make_its_recipes_unknown(
        project: Path, tmp_path: Path) -> None:
    recipes = write_text(tmp_path / "neu.csv", "Name,Cement (kg/m3)\nR7,320\n")
    no_id = ImportProfile(kind=DatasetKind.RECIPES, columns=[
        ColumnMapping("Name", "name"), ColumnMapping("Cement (kg/m3)", "component:cement")])
    batches = write_text(tmp_path / "chargen.csv", "Charge;Rezept;Zement\nCH7;R7;320\n")
    with pytest.raises(ImportRejected) as rejected:
        services.import_sources(project, [
            services.ImportSource(recipes, DatasetKind.RECIPES, no_id),
            services.ImportSource(batches, DatasetKind.BATCHES, BATCHES)])
    errors = [f for f in rejected.value.findings if f.severity is Severity.ERROR]
    assert [(e.file, e.column) for e in errors] == [("neu.csv", "recipe_id")]
    assert "no column is mapped to recipe_id" in errors[0].reason


def test_a_bad_cell_is_not_reported_again_as_a_changed_recipe(project: Path,
                                                              tmp_path: Path) -> None:
    path = write_text(tmp_path / "r2.csv", "recipe_id,version,Cement (kg/m3),Water (kg/m3)\n"
                                           "R1,1,n.b.,175\n")
    errors = _rejected(project, [path], kind="recipes")
    assert [(e.row, e.column) for e in errors] == [(2, "Cement (kg/m3)")]
