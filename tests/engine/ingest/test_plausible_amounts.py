"""Amounts a plant engineer would catch by eye: a wrong unit in a header, a batch amount typed
in tonnes, a blank cement cell, a mix that cannot weigh what its amounts add up to."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import services
from engine.errors import Finding, ImportRejected, Severity
from engine.storage import ProjectStore
from tests.engine.plant_files import sha256_of, write_text

RECIPES = ("Codice miscela;Cemento [kg/m³];Acqua [kg/m³];Sabbia [kg/m³];Ghiaia [kg/m³]\n"
           "MX-1;383,0;180,0;800,0;1000,0\n"
           "MX-2;300,0;170,0;850,0;1000,0\n")


def _project(tmp_path: Path, recipes: str = RECIPES) -> Path:
    project = tmp_path / "plant.formix"
    services.create_project(project)
    services.import_files(project, [write_text(tmp_path / "ricette.csv", recipes)],
                          kind="recipes")
    return project


def _batches(tmp_path: Path, cement_mx1: str) -> Path:
    return write_text(tmp_path / "impasti.csv", (
        "N. impasto;Codice miscela;Volume impasto [m³];Cemento [kg];Acqua [kg];Sabbia [kg]\n"
        f"B1;MX-1;1,0;{cement_mx1};181,0;802,0\n"
        "B2;MX-2;2,5;760,0;425,0;2125,0\n"))


def _rejected(project: Path, files: list[Path], **options: object) -> list[Finding]:
    before = sha256_of(project)
    with pytest.raises(ImportRejected) as error:
        services.import_files(project, files, **options)
    assert sha256_of(project) == before  # nothing written
    return [f for f in error.value.findings if f.severity is Severity.ERROR]


@pytest.mark.parametrize("unit", ["kg/m²", "MPa", "°C", "mm"])
def test_a_component_header_whose_unit_is_no_amount_is_refused(tmp_path: Path,
                                                               unit: str) -> None:
    project = tmp_path / "plant.formix"
    services.create_project(project)
    path = write_text(tmp_path / "ricette.csv", RECIPES.replace("Acqua [kg/m³]",
                                                                f"Acqua [{unit}]"))
    errors = _rejected(project, [path], kind="recipes")
    assert [(e.file, e.row, e.column) for e in errors] == [
        ("ricette.csv", 1, f"Acqua [{unit}]")]
    assert f"unit '{unit}' is not an amount" in errors[0].reason


@pytest.mark.parametrize("unit", ["lb/yd³", "wt%", "L/m³"])
def test_amount_units_are_accepted(tmp_path: Path, unit: str) -> None:
    project = tmp_path / "plant.formix"
    services.create_project(project)
    text = "Mix;Cement [" + unit + "];Water [kg/m³];Sand [kg/m³]\nM1;15,0;180,0;800,0\n"
    path = write_text(tmp_path / "recipes.csv", text)
    result = services.import_files(project, [path], kind="recipes", dry_run=True)
    assert result.files[0].counts["recipe_components"] == 3


def test_a_batch_amount_typed_in_tonnes_is_refused_naming_row_column_and_values(
        tmp_path: Path) -> None:
    project = _project(tmp_path)
    errors = _rejected(project, [_batches(tmp_path, "0,383")], kind="batches")
    assert [(e.file, e.row, e.column) for e in errors] == [("impasti.csv", 2, "Cemento [kg]")]
    reason = errors[0].reason
    assert "0.383 kg/m³" in reason and "383 kg/m³ of its recipe MX-1" in reason
    assert "about 1000×" in reason and "unit slip" in reason
    assert "more than 5× or less than 1/5" in reason  # the rule is stated


def test_moderate_deviations_from_the_recipe_are_imported(tmp_path: Path) -> None:
    project = _project(tmp_path)
    # 2.5× the recipe's cement: unusual, not a unit slip
    services.import_files(project, [_batches(tmp_path, "950,0")], kind="batches")
    with ProjectStore.open(project) as store:
        amounts = store.read("batch_amounts").set_index(["batch_id", "material"])["amount"]
    assert amounts[("B1", "cemento")] == pytest.approx(950.0)
    assert amounts[("B2", "cemento")] == pytest.approx(304.0)


def test_an_amount_three_to_five_times_the_recipe_s_is_imported_with_a_warning(
        tmp_path: Path) -> None:
    project = _project(tmp_path)
    # 4× the recipe's cement: a batch made to another mix more likely than a unit slip
    result = services.import_files(project, [_batches(tmp_path, "1520,0")], kind="batches")
    (odd,) = [w for w in result.warnings if "another mix" in w.reason]
    assert (odd.row, odd.column) == (2, "Cemento [kg]")


def test_a_batch_and_its_recipe_in_one_import_are_compared(tmp_path: Path) -> None:
    project = tmp_path / "plant.formix"
    services.create_project(project)
    recipes = write_text(tmp_path / "ricette.csv", RECIPES)
    errors = _rejected(project, [_batches(tmp_path, "3830,0"), recipes])
    assert [(e.row, e.column) for e in errors] == [(2, "Cemento [kg]")]
    assert "10×" in errors[0].reason


def test_a_blank_cement_cell_is_warned_about(tmp_path: Path) -> None:
    rows = "".join(f"MX-{i};{300 + i},0;180,0;800,0;1000,0\n" for i in range(3, 13))
    project = tmp_path / "plant.formix"
    services.create_project(project)
    path = write_text(tmp_path / "ricette.csv", RECIPES + rows + "MX-13;;180,0;800,0;1000,0\n")
    result = services.import_files(project, [path], kind="recipes")
    blank = [w for w in result.warnings if "blank amount" in w.reason]
    assert [(w.row, w.column) for w in blank] == [(14, "Cemento [kg/m³]")]
    assert "read as not given" in blank[0].reason and "0" in blank[0].reason
    with ProjectStore.open(project) as store:
        parts = store.read("recipe_components")
    assert "cemento" not in set(parts.loc[parts["recipe_id"] == "MX-13", "material"])


def test_a_concrete_mix_far_from_a_cubic_metres_weight_is_warned_about(
        tmp_path: Path) -> None:
    light = RECIPES + "MX-3;300,0;150,0;300,0;100,0\n"  # 850 kg/m³: the gravel is missing?
    project = tmp_path / "plant.formix"
    services.create_project(project)
    result = services.import_files(project, [write_text(tmp_path / "r.csv", light)],
                                   kind="recipes")
    totals = [w for w in result.warnings if "1 m³ of concrete weighs" in w.reason]
    assert [(w.row, w.reason.split(":")[0]) for w in totals] == [(4, "recipe MX-3")]
    assert "total 850 kg/m³" in totals[0].reason and "1000–3500 kg" in totals[0].reason
