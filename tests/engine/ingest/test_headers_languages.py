"""Spanish, Italian and Polish plant headers, mechanical-test abbreviations and hardness scales
are read like the English names a user means."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine import services
from engine.ingest.headers import property_code, split_header
from engine.ingest.reader import SourceTable
from engine.ingest.suggest import suggest_profile
from engine.materials import MaterialKind, guess_kind, material_code
from engine.schema import DatasetKind
from engine.storage import ProjectStore
from tests.engine.plant_files import write_text

Fields = dict[str, tuple[str, str | None]]


def _mapping(columns: dict[str, list[object]]) -> tuple[DatasetKind, Fields]:
    """The guessed kind and, per header, the field and unit it is mapped to."""
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    profile = suggest_profile(SourceTable("t", frame, np.arange(2, len(frame) + 2), decimal=","))
    return profile.kind, {c.source: (c.field, c.unit) for c in profile.columns}


@pytest.mark.parametrize(
    ("batch", "age", "strength"),
    [
        ("Nº de amasada", "Edad (días)", "Resistencia a compresión [MPa]"),
        ("Lote", "Edad [d]", "Resistencia a la compresión (N/mm²)"),
        ("N. impasto", "Età [giorni]", "Resistenza a compressione (MPa)"),
        ("Lotto", "Stagionatura (gg)", "Resistenza alla compressione [N/mm²]"),
        ("Nr zarobu", "Wiek [dni]", "Wytrzymałość na ściskanie [MPa]"),
        ("Partia", "Wiek (dni)", "Wytrzymałość na ściskanie [N/mm²]"),
        ("N° de gâchée", "Âge (j)", "Résistance à la compression (MPa)"),
        ("Charge", "âge", "Druckfestigkeit [N/mm²]"),
    ],
)
def test_lab_results_in_spanish_italian_polish_and_french(batch: str, age: str,
                                                         strength: str) -> None:
    kind, fields = _mapping({batch: ["B-1", "B-2"], age: ["28", "7"],
                             strength: ["41,5", "30,2"]})
    assert kind is DatasetKind.LAB_RESULTS
    assert fields[batch][0] == "batch_id"
    assert fields[age][0] == "test_age"
    assert fields[age][1] in ("d", "day")  # days, written or assumed
    assert fields[strength][0] == "property:compressive_strength"
    assert fields[strength][1] in ("MPa", "N/mm²")


RECIPES = {
    "es": ("Nº receta;Cemento [kg/m³];Agua [kg/m³];Escoria [kg/m³];Ceniza volante [kg/m³];"
           "Superplastificante [kg/m³];Árido grueso [kg/m³];Arena [kg/m³]\n"
           "R-1;300;180;100;50;4,5;1000;800\nR-2;250;175;120;80;5,0;980;820\n"),
    "it": ("Codice ricetta;Cemento [kg/m³];Acqua [kg/m³];Loppa [kg/m³];Cenere volante [kg/m³];"
           "Superfluidificante [kg/m³];Aggregato grosso [kg/m³];Sabbia [kg/m³]\n"
           "R-1;300;180;100;50;4,5;1000;800\nR-2;250;175;120;80;5,0;980;820\n"),
    "pl": ("Nr receptury;Cement [kg/m³];Woda [kg/m³];Żużel [kg/m³];Popiół lotny [kg/m³];"
           "Superplastyfikator [kg/m³];Kruszywo grube [kg/m³];Piasek [kg/m³]\n"
           "R-1;300;180;100;50;4,5;1000;800\nR-2;250;175;120;80;5,0;980;820\n"),
}
KINDS = ["cement", "water", "slag", "fly_ash", "admixture", "coarse_aggregate",
         "fine_aggregate"]


@pytest.mark.parametrize("language", sorted(RECIPES))
def test_a_recipe_file_imports_with_its_material_kinds(language: str, tmp_path: Path) -> None:
    project = tmp_path / "p.formix"
    services.create_project(project)
    result = services.import_files(project, [write_text(tmp_path / "r.csv", RECIPES[language])])
    assert [f.kind for f in result.files] == ["recipes"]
    with ProjectStore.open(project) as store:
        recipes = store.read("recipes")
        materials = store.read("materials")
    assert sorted(recipes["recipe_id"]) == ["R-1", "R-2"]
    names = RECIPES[language].splitlines()[0].split(";")[1:]
    kinds = materials.set_index("material")["kind"]
    assert [kinds[material_code(split_header(n).name)] for n in names] == KINDS
    assert all(code.isascii() for code in materials["material"])


@pytest.mark.parametrize(
    ("batch", "recipe", "start"),
    [
        ("Nº de lote", "Nº receta", "Inicio de mezclado"),
        ("Número de amasada", "Código de receta", "Fecha de producción"),
        ("N. lotto", "Ricetta", "Inizio miscelazione"),
        ("Numero impasto", "N. ricetta", "Data di produzione"),
        ("Nr partii", "Receptura", "Początek mieszania"),
        ("Numer zarobu", "Nr receptury", "Data produkcji"),
    ],
)
def test_batch_files(batch: str, recipe: str, start: str) -> None:
    kind, fields = _mapping({
        batch: ["B-1", "B-2"], recipe: ["R-1", "R-2"],
        start: ["02.01.2023 06:00", "02.01.2023 07:53"], "Cemento [kg/m³]": ["300", "250"],
    })
    assert kind is DatasetKind.BATCHES
    assert (fields[batch][0], fields[recipe][0], fields[start][0]) == (
        "batch_id", "recipe_id", "start_time")


@pytest.mark.parametrize("stamp", ["Fecha y hora", "Marca de tiempo", "Data e ora", "Data",
                                   "Znacznik czasu", "Data i godzina"])
def test_historian_timestamps(stamp: str) -> None:
    kind, fields = _mapping({stamp: ["02.01.2023 06:00", "02.01.2023 06:01"],
                             "Temperatura [°C]": ["21,5", "21,7"]})
    assert kind is DatasetKind.PROCESS_SERIES
    assert fields[stamp][0] == "time"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Cemento", MaterialKind.CEMENT), ("Agua", MaterialKind.WATER),
        ("Escoria de alto horno", MaterialKind.SLAG), ("Cenizas volantes", MaterialKind.FLY_ASH),
        ("Humo de sílice", MaterialKind.SILICA_FUME),
        ("Agregado fino", MaterialKind.FINE_AGGREGATE), ("Grava", MaterialKind.COARSE_AGGREGATE),
        ("Acqua", MaterialKind.WATER), ("Loppa d'altoforno", MaterialKind.SLAG),
        ("Ceneri volanti", MaterialKind.FLY_ASH), ("Ghiaia", MaterialKind.COARSE_AGGREGATE),
        ("Inerte fine", MaterialKind.FINE_AGGREGATE),
        ("Woda", MaterialKind.WATER), ("Granulowany żużel wielkopiecowy", MaterialKind.SLAG),
        ("Popioły lotne", MaterialKind.FLY_ASH), ("Pył krzemionkowy", MaterialKind.SILICA_FUME),
        ("Plastyfikator", MaterialKind.ADMIXTURE), ("Kruszywo drobne", MaterialKind.FINE_AGGREGATE),
        ("Żwir", MaterialKind.COARSE_AGGREGATE), ("Kruszywo 8/16", MaterialKind.COARSE_AGGREGATE),
        ("Kruszywo 0/2", MaterialKind.FINE_AGGREGATE), ("Mączka wapienna", MaterialKind.SCM),
        ("Włókna stalowe", MaterialKind.FIBER),
    ],
)
def test_material_kinds_in_spanish_italian_and_polish(name: str, kind: MaterialKind) -> None:
    assert guess_kind(name) is kind


@pytest.mark.parametrize(
    ("header", "field", "unit"),
    [
        ("YS (ksi)", "property:yield_strength", "ksi"),
        ("Rp0.2 (MPa)", "property:yield_strength", "MPa"),
        ("Rp 0,2 [N/mm²]", "property:yield_strength", "N/mm²"),
        ("Re (MPa)", "property:yield_strength", "MPa"),
        ("ReH [MPa]", "property:yield_strength", "MPa"),
        ("UTS (ksi)", "property:tensile_strength", "ksi"),
        ("TS (ksi)", "property:tensile_strength", "ksi"),
        ("Rm [MPa]", "property:tensile_strength", "MPa"),
        ("El. (%)", "property:elongation", "%"),
        ("Elong. (%)", "property:elongation", "%"),
        ("A (%)", "property:elongation", "%"),
        ("A5 [%]", "property:elongation", "%"),
        ("A%", "property:elongation", "%"),
        ("RA (%)", "property:reduction_of_area", "%"),
        ("Límite elástico (MPa)", "property:yield_strength", "MPa"),
        ("Streckgrenze [MPa]", "property:yield_strength", "MPa"),
        ("Wydłużenie [%]", "property:elongation", "%"),
        ("Hardness (HRC)", "property:hardness_hrc", None),
        ("HB", "property:hardness_hb", None),
        ("HV10", "property:hardness_hv10", None),
        ("Härte [HV 10]", "property:hardness_hv10", None),
    ],
)
def test_mechanical_test_columns_map_to_the_standard_properties(header: str, field: str,
                                                                unit: str | None) -> None:
    kind, fields = _mapping({"Heat No.": ["H1", "H2"], header: ["52,0", "48,5"]})
    assert kind is DatasetKind.LAB_RESULTS
    assert fields[header] == (field, unit)


def test_abbreviations_that_mean_something_else_are_left_alone() -> None:
    kind, fields = _mapping({"Grade": ["G1", "G2"], "C (wt%)": ["0,2", "0,4"],
                             "Re (wt%)": ["3,0", "2,5"], "Ni (wt%)": ["60", "61"]})
    assert kind is DatasetKind.RECIPES
    assert fields["Re (wt%)"] == ("component:Re", "wt%")  # rhenium, not yield strength
    assert split_header("TS").name == "TS"  # a timestamp column, not tensile strength
    assert split_header("A").name == "A"  # elongation only as a %
    assert split_header("KV (J)").unit == "J"  # impact energy, not days


def test_property_codes_stay_ascii_and_shared() -> None:
    codes = {property_code(n) for n in ("Resistencia a compresión", "Resistenza a compressione",
                                        "Wytrzymałość na ściskanie", "Druckfestigkeit")}
    assert codes == {"compressive_strength"}
    assert property_code("YS") == "yield_strength"  # a long file's property column
    assert property_code("Rp0.2") == "yield_strength"
    assert property_code("UTS") == "tensile_strength"
    assert property_code("HRC") == "hardness_hrc"


STEEL_RECIPES = ("Grade,C (wt%),Ni (wt%),Co (wt%),Mo (wt%),Fe (wt%)\n"
                 "GR-001,0.02,18.0,9.0,5.0,67.98\nGR-002,0.03,12.0,8.0,4.0,75.97\n")
STEEL_HEATS = ("Heat No.,Grade,Melt Date,Aging Temp (°F)\n"
               "H1,GR-001,01/05/2023,925\nH2,GR-002,01/16/2023,950\nH3,GR-001,02/01/2023,900\n")
STEEL_LAB = ("Heat No.,Test Date,Yield Strength (ksi),Tensile Strength (ksi),Elongation (%)\n"
             "H1,01/08/2023,290.1,300.2,9.0\nH1,01/08/2023,291.0,301.0,8.5\n"
             "H2,01/20/2023,240.5,255.0,11.0\nH3,02/04/2023,285.0,296.0,\n")


def test_a_steel_shops_three_sheets_link_without_a_profile(tmp_path: Path) -> None:
    project = tmp_path / "steel.formix"
    services.create_project(project)
    files = [write_text(tmp_path / name, text) for name, text in (
        ("recipes.csv", STEEL_RECIPES), ("heats.csv", STEEL_HEATS), ("lab.csv", STEEL_LAB))]
    result = services.import_files(project, files)
    assert sorted(f.kind for f in result.files) == ["batches", "lab_results", "recipes"]
    with ProjectStore.open(project) as store:
        batches = store.read("batches").set_index("batch_id")
    assert batches["recipe_id"].to_dict() == {"H1": "GR-001", "H2": "GR-002", "H3": "GR-001"}
    assert str(pd.Timestamp(batches.loc["H2", "start_time"]).date()) == "2023-01-16"
    table, report = services.modelling_table(project)
    assert report.counts["lab_results_linked"] == report.counts["lab_results"] == 11
    rows = table.frame.set_index("batch_id")
    assert rows.loc["H2", "recipe_id"] == "GR-002"
    assert set(table.target_columns) == {"yield_strength", "tensile_strength", "elongation"}


@pytest.mark.parametrize(
    "columns",
    [
        # a concrete recipe sheet: the grade is a strength class, the mix id names the recipe
        {"Mix ID": ["M1", "M2"], "Grade": ["C30/37", "C30/37"], "Cement (kg/m3)": ["300", "320"]},
        # without a mix id the grade is still no recipe id (several mixes share a class)
        {"Grade": ["C30/37", "C30/37"], "Cement (kg/m3)": ["300", "320"],
         "Water (kg/m3)": ["180", "175"]},
        # heats with their own analyses and results: a grade groups heats of varying chemistry
        {"Heat": ["H1", "H2"], "Grade": ["G1", "G1"], "C (wt%)": ["0,20", "0,22"],
         "YS (MPa)": ["500", "510"]},
    ],
)
def test_a_grade_stays_a_family_elsewhere(columns: dict[str, list[object]]) -> None:
    _, fields = _mapping(columns)
    assert fields["Grade"][0] == "family"


@pytest.mark.parametrize("grade", ["Steel grade", "Alloy", "Güte", "Werkstoff-Nr.",
                                   "Gatunek stali"])
def test_other_names_of_a_steel_grade_name_the_recipe(grade: str) -> None:
    kind, fields = _mapping({grade: ["G1", "G2"], "C (wt%)": ["0,2", "0,4"],
                             "Cr (wt%)": ["12", "17"]})
    assert (kind, fields[grade][0]) == (DatasetKind.RECIPES, "recipe_id")


def test_a_german_materials_catalogue() -> None:
    kind, fields = _mapping({
        "Material": ["zement", "sand"], "Art": ["cement", "fine_aggregate"],
        "Einheit": ["kg", "kg"], "Preis [EUR/kg]": ["0,125", "0,012"],
        "Währung": ["EUR", "EUR"], "Rohdichte [kg/m³]": ["3100", "2650"],
    })
    assert kind is DatasetKind.MATERIALS
    assert [fields[h][0] for h in ("Art", "Einheit", "Preis [EUR/kg]", "Währung",
                                   "Rohdichte [kg/m³]")] == [
        "material_kind", "unit", "price_per_unit", "currency", "density"]
