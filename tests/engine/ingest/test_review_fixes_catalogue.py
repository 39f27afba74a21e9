"""Review fixes for materials catalogues: US kind words (SCM, cementitious), a bare unit in
the profile, prices per volume, per tonne in words, per 1000 kg, prefixed dollars and a
currency column that contradicts the price header."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine import services
from engine.errors import ImportRejected, Severity
from engine.storage import ProjectStore
from tests.engine.plant_files import sha256_of, write_text


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "plant.formix"
    services.create_project(path)
    return path


def _import(project: Path, tmp_path: Path, text: str, profile: str | None = None
            ) -> pd.DataFrame:
    """Import a catalogue and return what the project holds, by material."""
    path = write_text(tmp_path / "cat.csv", text)
    kwargs = {} if profile is None else {"profile": write_text(tmp_path / "p.toml", profile)}
    services.import_files(project, [path], **kwargs)
    with ProjectStore.open(project) as store:
        return store.read("materials").set_index("material")


def _errors(project: Path, tmp_path: Path, text: str) -> list[str]:
    """The errors a refused catalogue import gives; nothing is written."""
    path = write_text(tmp_path / "cat.csv", text)
    before = sha256_of(project)
    with pytest.raises(ImportRejected) as rejected:
        services.import_files(project, [path], kind="materials")
    assert sha256_of(project) == before
    return [f"row {f.row}, {f.column}: {f.reason}" for f in rejected.value.findings
            if f.severity is Severity.ERROR]


def test_a_us_price_list_keeps_its_supplementary_materials(project: Path,
                                                          tmp_path: Path) -> None:
    """"Supplementary cementitious material" is no cement, "Cementitious" says no kind (the
    name does) and "Mineral admixture" is no admixture: w/b and SCM shares stay right."""
    catalogue = _import(project, tmp_path, (
        "Material,Type,Price (USD/ton)\n"
        "Class F Fly Ash,Supplementary cementitious material,40\n"
        "Slag,Cementitious,60\nSilica fume,Mineral admixture,500\n"
        "Metakaolin,SCM,300\nPortland,Binder,150\nHRWR,Admixture,3000\n"))
    assert catalogue["kind"].to_dict() == {
        "class_f_fly_ash": "fly_ash", "slag": "slag", "silica_fume": "silica_fume",
        "metakaolin": "scm", "portland": "cement", "hrwr": "admixture"}


def test_a_generic_kind_of_an_unknown_name_is_refused(project: Path, tmp_path: Path) -> None:
    """"Cementitious" was stored as cement; neither it nor the name says a kind."""
    errors = _errors(project, tmp_path, "Material,Type,Price (USD/ton)\nXB-7,Cementitious,10\n")
    assert errors == [errors[0]] and errors[0].startswith(
        "row 2, Type: unknown material kind 'Cementitious'")


@pytest.mark.parametrize("price_unit, co2_unit", [("t", "kg"), ("tonne", "kg")])
def test_a_bare_mass_as_the_profile_unit_says_what_figures_are_per(
        project: Path, tmp_path: Path, price_unit: str, co2_unit: str) -> None:
    profile = f"""kind = "materials"
[[columns]]
source = "Material"
field = "material"
[[columns]]
source = "Price (EUR)"
field = "price_per_unit"
unit = "{price_unit}"
[[columns]]
source = "CO2"
field = "co2_per_unit"
unit = "{co2_unit}"
"""
    row = _import(project, tmp_path, "Material,Price (EUR),CO2\nCement,100,0.8\n",
                  profile).loc["cement"]
    assert (row["unit"], row["currency"]) == ("t", "EUR")
    assert [row["price_per_unit"], row["co2_per_unit"]] == pytest.approx([100.0, 800.0])


def test_prices_per_volume_are_converted_with_the_density(project: Path,
                                                          tmp_path: Path) -> None:
    """An admixture in L (unit column) and sand per m³ (header): per kg and per t."""
    catalogue = _import(project, tmp_path, (
        "Material,Type,Unit,Price (USD),Density (kg/m3)\n"
        "HRWR,admixture,L,2.14,1070\nCement,cement,t,150,3150\n"))
    assert catalogue.loc["hrwr", ["unit", "currency"]].tolist() == ["kg", "USD"]
    assert catalogue.loc["hrwr", "price_per_unit"] == pytest.approx(2.0)
    assert catalogue.loc["cement", "price_per_unit"] == pytest.approx(150.0)
    sand = _import(project, tmp_path, (
        "Material,Price (EUR/m3),CO2 (kg CO2e/m3),Density\nSand 0/4,26.5,5.3,2650\n"
    )).loc["sand_0_4"]
    assert sand["unit"] == "t"
    assert [sand["price_per_unit"], sand["co2_per_unit"]] == pytest.approx([10.0, 2.0])


def test_a_price_per_volume_without_a_density_is_refused_once(project: Path,
                                                              tmp_path: Path) -> None:
    errors = _errors(project, tmp_path, "Material,Unit,Price (USD)\nHRWR,L,2.5\n")
    assert errors == ["row 2, Price (USD): a price per L needs the material's density to be "
                      "stored per kg: add a density column"]


def test_a_refused_unit_cell_gives_no_follow_on_error(project: Path, tmp_path: Path) -> None:
    errors = _errors(project, tmp_path, "Material,Unit,Price (USD)\ncement,m2,165\n")
    assert len(errors) == 1 and "'m2' is not a mass or volume" in errors[0]


@pytest.mark.parametrize("header, unit, currency, price", [
    ("Price per tonne (GBP)", "t", "GBP", 100.0), ("Price per ton (USD)", "ton", "USD", 100.0),
    ("Preis pro Tonne (EUR)", "t", "EUR", 100.0), ("Price (EUR/1000 kg)", "t", "EUR", 100.0),
    ("Price (A$/t)", "t", "AUD", 100.0), ("Price (C$/t)", "t", "CAD", 100.0),
    ("Price (NZ$/t)", "t", "NZD", 100.0), ("Price (R$/t)", "t", "BRL", 100.0),
])
def test_common_price_headers(project: Path, tmp_path: Path, header: str, unit: str,
                              currency: str, price: float) -> None:
    row = _import(project, tmp_path, f"Material;{header}\ncement;100\n").loc["cement"]
    assert (row["unit"], row["currency"]) == (unit, currency)
    assert row["price_per_unit"] == pytest.approx(price)


def test_a_currency_column_contradicting_the_header_is_refused(project: Path,
                                                               tmp_path: Path) -> None:
    errors = _errors(project, tmp_path,
                     "Material,Currency,Price (EUR/t)\nCement,USD,100\nSand,EUR,10\n")
    assert errors == ["row 2, Currency: currency 'USD' differs from EUR in the price header "
                      "'Price (EUR/t)': correct one of them"]
