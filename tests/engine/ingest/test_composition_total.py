"""An alloy composition in wt % must total 100 ± 0.5 where it gives every element.

A certificate rounds each element, so 99.7–100.3 is normal; 95 or 105 is a typing error. A
row that leaves the balance element (Fe) blank has it computed, so only its excess is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import services
from engine.errors import Finding, ImportRejected, Severity
from engine.ingest import ImportProfile, normalise, suggest_profile
from engine.schema import DatasetKind
from plugins.tabular.csv_reader import DelimitedTextReader
from tests.engine.plant_files import sha256_of, write_text

HEADER = "Grade,C (wt%),Cr (wt%),Ni (wt%),Mo (wt%),Fe (wt%)\n"


def _errors(tmp_path: Path, rows: str) -> list[Finding]:
    path = write_text(tmp_path / "comp.csv", HEADER + rows)
    table = DelimitedTextReader().read(path).tables[0]
    guessed = suggest_profile(table, DatasetKind.RECIPES).model_dump()
    for column in guessed["columns"]:
        if column["source"] == "Grade":
            column["field"] = "recipe_id"
    result = normalise(table, ImportProfile.model_validate(guessed), path.name)
    return [f for f in result.findings if f.severity is Severity.ERROR]


@pytest.mark.parametrize("fe", ["70.3", "69.7", "70.0", ""])
def test_certificate_rounding_and_a_blank_balance_pass(tmp_path: Path, fe: str) -> None:
    # C + Cr + Ni + Mo = 30.0; Fe given totals 100.3, 99.7 or 100, or is left to compute
    assert _errors(tmp_path, f"A,0.02,18.0,9.48,2.5,{fe}\n") == []


def test_a_total_of_95_with_fe_given_names_row_column_total_and_the_way_out(
        tmp_path: Path) -> None:
    [error] = _errors(tmp_path, "A,0.02,18.0,9.48,2.5,70\nB,0.02,18.0,9.48,2.5,65\n")
    assert (error.file, error.row, error.column) == ("comp.csv", 3, "Fe (wt%)")
    assert "sums to 95 wt%" in error.reason
    assert "100 ± 0.5 wt%" in error.reason
    assert "leave 'Fe (wt%)' blank" in error.reason


def test_a_total_over_100_is_named_where_it_passes_the_limit(tmp_path: Path) -> None:
    [error] = _errors(tmp_path, "A,0.02,18.0,9.48,2.5,75\n")
    assert (error.row, error.column) == (2, "Fe (wt%)")
    assert "sums to 105 wt%" in error.reason
    # Fe blank: the other elements alone pass 100.5 at Mo
    [error] = _errors(tmp_path, "A,0.02,60.0,38.0,2.5,\nB,0.02,18.0,9.48,2.5,70\n")
    assert (error.row, error.column) == (2, "Mo (wt%)")
    assert "sums to 100.5 wt%" in error.reason and "must not exceed 100 + 0.5" in error.reason


def test_minor_elements_alone_are_no_composition_to_complete(tmp_path: Path) -> None:
    # no element column is the balance (Fe left out entirely): low totals are expected
    path = write_text(tmp_path / "minor.csv", "Grade,C (wt%),Cr (wt%)\nA,0.2,12\n")
    table = DelimitedTextReader().read(path).tables[0]
    guessed = suggest_profile(table, DatasetKind.RECIPES).model_dump()
    guessed["columns"][0]["field"] = "recipe_id"
    result = normalise(table, ImportProfile.model_validate(guessed), path.name)
    assert result.ok, result.findings


def test_the_import_is_refused_whole(tmp_path: Path) -> None:
    project = tmp_path / "steel.formix"
    services.create_project(project)
    path = write_text(tmp_path / "recipes.csv", "recipe_id" + HEADER.removeprefix("Grade")
                      + "A,0.02,18.0,9.48,2.5,70\nB,0.02,18.0,9.48,2.5,65\n")
    before = sha256_of(project)
    with pytest.raises(ImportRejected) as rejected:
        services.import_files(project, [path], kind="recipes")
    assert "row 3, column 'Fe (wt%)': composition sums to 95 wt%" in str(rejected.value)
    assert sha256_of(project) == before
