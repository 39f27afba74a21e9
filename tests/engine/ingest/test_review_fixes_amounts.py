"""Review fixes on imported amounts: code pages of small Polish and French files, mass amounts in
recipes, fluid ounces of admixtures, follow-on errors and where a dose's density comes from."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine import services
from engine.errors import ImportRejected
from engine.schema import DatasetKind
from engine.storage import ProjectStore
from plugins.tabular.csv_reader import DelimitedTextReader

LB_YD3 = 0.45359237 / 0.9144**3  # kg/m³ in 1 lb/yd³
# 34 US fl oz per yd³ × 29.57 mL × 1.07 kg/L = 1.076 kg per 0.7646 m³
HRWR_34_FL_OZ_KG_M3 = 34 * 0.0295735295625 * 1.07 / 0.9144**3
US_RECIPE = ("Recipe,Cement (lb/yd3),Water (lb/yd3),Sand (lb/yd3),HRWR (oz/yd3)\n"
             "R1,500,280,1300,34\n")


def _project(tmp_path: Path) -> Path:
    location = tmp_path / "plant.formix"
    services.create_project(location)
    return location


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _stored(location: Path, table: str) -> pd.DataFrame:
    with ProjectStore.open(location) as store:
        return store.read(table)


def _rejected(location: Path, path: Path, kind: DatasetKind) -> list[tuple[int | None, str, str]]:
    with pytest.raises(ImportRejected) as caught:
        services.import_files(location, [path], kind=kind)
    return [(f.row, str(f.column), f.reason) for f in caught.value.findings
            if f.severity.name == "ERROR"]


@pytest.mark.parametrize(("text", "encoding"), [
    ("Receptura;Cement [kg/m3];Woda [kg/m3];Piasek 0/2 [kg/m3];Żwir 2/16 [kg/m3]\r\n"
     "R1;300;180;800;1050\r\nR2;320;175;780;1060\r\n", "cp1250"),
    ("Recette;Ciment [kg/m3];Eau [kg/m3];Mise en œuvre\r\nR1;300;180;pompe\r\n", "cp1252"),
    ("Rezeptur;Zement [kg/m³];Wasser [kg/m³];Frischbeton [°C];Größtkorn [mm];Körnung\r\n"
     "R1;300;180;20;16;Sieblinie A/B\r\n", "cp1252"),
])
def test_small_polish_french_and_german_files_keep_their_headers(
        tmp_path: Path, text: str, encoding: str) -> None:
    table = DelimitedTextReader().read(_write(tmp_path, "r.csv", text, encoding)).tables[0]
    assert list(table.frame.columns) == text.split("\r\n")[0].split(";")


def test_a_cp1250_recipe_imports_its_coarse_aggregate(tmp_path: Path) -> None:
    location = _project(tmp_path)
    text = ("Receptura;Cement [kg/m3];Woda [kg/m3];Piasek 0/2 [kg/m3];Żwir 2/16 [kg/m3]\r\n"
            "R1;300;180;800;1050\r\nR2;320;175;780;1060\r\n")
    services.import_files(location, [_write(tmp_path, "r.csv", text, "cp1250")],
                          kind=DatasetKind.RECIPES)
    parts = _stored(location, "recipe_components")
    assert sorted(parts.loc[parts["material"] == "zwir_2_16", "amount"]) == [1050, 1060]


@pytest.mark.parametrize("unit", ["kg", "lb", "L"])
def test_recipe_amounts_per_batch_are_refused_at_their_column(tmp_path: Path, unit: str) -> None:
    location = _project(tmp_path)
    text = (f"Recipe,Cement (kg/m3),Water (kg/m3),Sand (kg/m3),HRWR ({unit})\n"
            "R1,300,180,800,2\n")
    errors = _rejected(location, _write(tmp_path, "r.csv", text), DatasetKind.RECIPES)
    assert [column for _row, column, _reason in errors] == [f"HRWR ({unit})"]
    assert "give recipe amounts per m³ (kg/m³, lb/yd³" in errors[0][2]


def test_a_dose_with_cement_in_kg_does_not_claim_the_row_has_no_cement(tmp_path: Path) -> None:
    location = _project(tmp_path)
    text = "Recipe,Cement (kg),Water (kg/m3),HRWR (mL/kg)\nR1,300,180,5\n"
    errors = _rejected(location, _write(tmp_path, "r.csv", text), DatasetKind.RECIPES)
    assert [column for _row, column, _reason in errors] == ["Cement (kg)", "HRWR (mL/kg)"]
    assert "per m³" in errors[0][2]
    assert "no cement" not in errors[1][2] and "another unit than kg/m³" in errors[1][2]


def test_alloy_recipes_in_wt_percent_still_import(tmp_path: Path) -> None:
    location = _project(tmp_path)
    services.import_files(location, [_write(tmp_path, "a.csv", "Alloy,Ni (wt%),Cr (wt%),"
                                            "Fe (wt%)\nA1,10,18,72\n")], kind=DatasetKind.RECIPES)
    assert len(_stored(location, "recipe_components")) == 3


def test_oz_per_yd3_of_an_admixture_is_fluid_ounces(tmp_path: Path) -> None:
    location = _project(tmp_path)
    result = services.import_files(location, [_write(tmp_path, "r.csv", US_RECIPE)],
                                   kind=DatasetKind.RECIPES)
    parts = _stored(location, "recipe_components").set_index("material")
    assert parts.loc["hrwr", "amount"] == pytest.approx(HRWR_34_FL_OZ_KG_M3, rel=1e-6)
    assert parts.loc["cement", "amount"] == pytest.approx(500 * LB_YD3)
    said = [w.reason for w in result.warnings if w.column == "HRWR (oz/yd3)"]
    assert len(said) == 1 and "read as US fluid ounces" in said[0]


def test_oz_per_batch_of_an_admixture_is_fluid_ounces(tmp_path: Path) -> None:
    location = _project(tmp_path)
    text = ("Batch,Recipe,Volume (yd3),Cement (lb),Water (lb),HRWR (oz)\n"
            "B1,R1,1,500,280,34\n")
    services.import_files(location, [_write(tmp_path, "r.csv", US_RECIPE),
                                     _write(tmp_path, "b.csv", text)])
    amounts = _stored(location, "batch_amounts").set_index("material")
    assert amounts.loc["hrwr", "amount"] == pytest.approx(HRWR_34_FL_OZ_KG_M3, rel=1e-6)


def test_a_batch_volume_of_0_gives_one_error_and_no_infinite_amounts(tmp_path: Path) -> None:
    location = _project(tmp_path)
    recipe = "Recipe,Cement (kg/m3),Water (kg/m3),Sand (kg/m3)\nR1,300,180,800\n"
    services.import_files(location, [_write(tmp_path, "r.csv", recipe)],
                          kind=DatasetKind.RECIPES)
    text = ("Batch,Recipe,Volume (m3),Cement (kg),Water (kg),Sand (kg)\n"
            "B9,R1,0,300,180,800\nB10,R1,1,300,180,800\n")
    errors = _rejected(location, _write(tmp_path, "b.csv", text), DatasetKind.BATCHES)
    assert errors == [(2, "Volume (m3)", "batch volume 0 m³ must be more than 0")]


def test_a_text_cement_cell_gives_no_second_no_cement_error(tmp_path: Path) -> None:
    location = _project(tmp_path)
    text = ("Recipe,Cement (kg/m3),Water (kg/m3),HRWR (mL/kg)\n"
            "R1,abc,180,5\nR2,300,180,5\n")
    errors = _rejected(location, _write(tmp_path, "r.csv", text), DatasetKind.RECIPES)
    assert [(row, column) for row, column, _reason in errors] == [(2, "Cement (kg/m3)")]


def test_a_density_formix_filled_in_is_not_called_the_catalogues(tmp_path: Path) -> None:
    location = _project(tmp_path)
    services.import_files(location, [_write(tmp_path, "r.csv", US_RECIPE)],
                          kind=DatasetKind.RECIPES)
    text = ("Recipe,Cement (lb/yd3),Water (lb/yd3),Sand (lb/yd3),HRWR (fl oz/yd3),"
            "AEA (fl oz/yd3)\nR2,520,280,1300,30,2\n")
    result = services.import_files(location, [_write(tmp_path, "r2.csv", text)],
                                   kind=DatasetKind.RECIPES)
    said = {w.column: w.reason for w in result.warnings if "is a dose" in w.reason}
    assert set(said) == {"HRWR (fl oz/yd3)", "AEA (fl oz/yd3)"}
    for reason in said.values():
        assert "catalogue's density" not in reason and "superplasticiser" not in reason
        assert "set the material's own density in the materials catalogue" in reason
        assert "fluid ounces" not in reason  # fl oz was written: nothing to say


def test_a_density_the_catalogue_gives_is_named_as_the_catalogues(tmp_path: Path) -> None:
    location = _project(tmp_path)
    services.import_files(location, [_write(tmp_path, "m.csv", "Material,Material Type,"
                                            "Density (kg/m3)\nHRWR,admixture,1030\n")],
                          kind=DatasetKind.MATERIALS)
    result = services.import_files(location, [_write(tmp_path, "r.csv", US_RECIPE)],
                                   kind=DatasetKind.RECIPES)
    said = [w.reason for w in result.warnings if w.column == "HRWR (oz/yd3)"]
    assert len(said) == 1 and "the catalogue's density 1.03 kg/L" in said[0]
