"""Materials catalogues: what prices and CO₂ factors are per and their currency, read from the
header, a unit column or the profile; kinds and headers in the plant languages; import order;
removing a catalogue import (new-user trials nu19a/nu19b)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine import services
from engine.errors import ImportRejected, Severity
from engine.materials import merge_catalogue
from engine.optimisation.study import StudySpec
from engine.optimisation_services import catalogue_materials
from engine.storage import ProjectStore
from tests.engine.plant_files import sha256_of, write_text

# An Italian precast plant's catalogue (nu19b): codes as in the recipes, kinds in Italian,
# prices in EUR per tonne and CO₂ in kg per tonne only in the headers, no unit column.
MATERIALI = (
    "Codice;Descrizione;Tipo materiale;Prezzo [EUR/t];CO2 [kg CO2e/t];Massa volumica [kg/m³]\n"
    "cemento;CEM I 52,5 R;cemento;135,00;860,0;3100\n"
    "loppa;Loppa d'altoforno;loppa;65,00;75,0;2900\n"
    "cenere_volante;Cenere volante EN 450;cenere volante;38,00;12,0;2300\n"
    "acqua;Acqua di pozzo;acqua;0,60;0,3;1000\n"
    "superfluidificante;Superfluidificante PCE;additivo;1450,00;1900,0;1070\n"
    "aggregato_grosso;Ghiaia 4/20;aggregato grosso;19,00;5,0;2680\n"
    "sabbia;Sabbia 0/4;aggregato fine;17,00;4,0;2620\n"
    "calcare;Filler calcareo;filler;30,00;20,0;2700\n"
)
RICETTE = ("Codice miscela;Cemento [kg/m³];Loppa [kg/m³];Acqua [kg/m³];Sabbia [kg/m³]\n"
           "MX-1;300;100;170;800\n")
# A US ready-mix price list (nu19a): the currency in the price header, the unit per row.
PRICE_LIST = (
    "Material,Material Type,Unit,Price (USD),CO2e (kg per unit),Density (lb/ft3)\n"
    "Cement,cement,ton,165.0,834.0,196.6\n"
    "HRWR,admixture,lb,1.35,0.85,66.8\n"
)
SHORT_TON_KG = 907.18474
LB_KG = 0.45359237


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "plant.formix"
    services.create_project(path)
    return path


def _catalogue(project: Path) -> pd.DataFrame:
    with ProjectStore.open(project) as store:
        return store.read("materials").set_index("material")


def _per_kg(project: Path, *materials: str) -> dict[str, float]:
    """The price per kg the optimiser uses for kg/m³ amounts."""
    spec = StudySpec.from_dict({
        "variables": [{"name": m, "material": True, "unit": "kg/m3", "lower": 0,
                       "upper": 1000}
                      for m in materials],
        "objectives": [{"target": "cost", "sense": "minimize"}]})
    return dict(catalogue_materials(project, spec).price)


def test_an_italian_catalogue_imports_without_a_profile(project: Path, tmp_path: Path) -> None:
    """The crash of nu19b (no unit column: NOT NULL materials.unit) is gone; the dry run and the
    import agree, and EUR/t and kg CO₂e/t come from the headers."""
    path = write_text(tmp_path / "materiali.csv", MATERIALI)
    dry = services.import_files(project, [path], dry_run=True)
    [mapped] = dry.files
    assert mapped.kind == "materials"
    assert dry.warnings == ()
    services.import_files(project, [path])
    catalogue = _catalogue(project)
    assert catalogue.loc["cemento", ["name", "kind", "unit", "currency"]].tolist() == [
        "CEM I 52,5 R", "cement", "t", "EUR"]
    assert catalogue.loc["cemento", ["price_per_unit", "co2_per_unit", "density_kg_m3"]
                         ].tolist() == pytest.approx([135.0, 860.0, 3100.0])
    assert catalogue["kind"].to_dict() == {
        "cemento": "cement", "loppa": "slag", "cenere_volante": "fly_ash", "acqua": "water",
        "superfluidificante": "admixture", "aggregato_grosso": "coarse_aggregate",
        "sabbia": "fine_aggregate", "calcare": "scm"}
    assert _per_kg(project, "cemento")["cemento"] == pytest.approx(0.135)


@pytest.mark.parametrize("order", [("recipes", "materials"), ("materials", "recipes")])
def test_prices_survive_either_import_order(project: Path, tmp_path: Path,
                                            order: tuple[str, str]) -> None:
    """Recipes first used to leave the recipe amount unit (kg/m³) as what the price is per, so
    optimise found no price."""
    files = {"recipes": write_text(tmp_path / "ricette.csv", RICETTE),
             "materials": write_text(tmp_path / "materiali.csv", MATERIALI)}
    for kind in order:
        services.import_files(project, [files[kind]], kind=kind)
    catalogue = _catalogue(project)
    assert catalogue.loc["cemento", ["unit", "currency"]].tolist() == ["t", "EUR"]
    assert _per_kg(project, "cemento", "loppa", "acqua") == pytest.approx(
        {"cemento": 0.135, "loppa": 0.065, "acqua": 0.0006})


def test_a_us_price_list_keeps_its_currency_and_co2_per_unit(project: Path,
                                                             tmp_path: Path) -> None:
    """"Price (USD)" is in USD (was stored without a currency and shown as EUR); "CO2e (kg per
    unit)" is the CO₂ factor per the row's unit (was ignored)."""
    services.import_files(project, [write_text(tmp_path / "price_list.csv", PRICE_LIST)])
    catalogue = _catalogue(project)
    assert catalogue.loc["cement", ["unit", "currency"]].tolist() == ["ton", "USD"]
    assert catalogue.loc["hrwr", ["unit", "currency"]].tolist() == ["lb", "USD"]
    assert catalogue["co2_per_unit"].to_dict() == pytest.approx({"cement": 834.0, "hrwr": 0.85})
    assert _per_kg(project, "cement")["cement"] == pytest.approx(165.0 / SHORT_TON_KG)


def test_a_header_unit_is_converted_to_the_row_unit(project: Path, tmp_path: Path) -> None:
    """Prices per lb and CO₂ in t per t, stored per the row's unit (kg)."""
    text = "Material,Unit,Price (USD/lb),GWP (t CO2e/t)\ncement,kg,0.08,0.85\n"
    services.import_files(project, [write_text(tmp_path / "p.csv", text)], kind="materials")
    row = _catalogue(project).loc["cement"]
    assert (row["unit"], row["currency"]) == ("kg", "USD")
    assert row["price_per_unit"] == pytest.approx(0.08 / LB_KG)
    assert row["co2_per_unit"] == pytest.approx(0.85)  # 850 kg per 1000 kg


@pytest.mark.parametrize("header, unit, currency", [
    ("Preis €/t", "t", "EUR"), ("Precio [EUR/kg]", "kg", "EUR"), ("Cena [zł/t]", "t", "PLN"),
    ("Price ($/short ton)", "ton", "USD"), ("Prezzo [EUR/MT]", "t", "EUR")])
def test_currency_and_unit_in_the_price_header(project: Path, tmp_path: Path, header: str,
                                               unit: str, currency: str) -> None:
    text = f"Material;{header}\ncement;120\n"
    services.import_files(project, [write_text(tmp_path / "p.csv", text)], kind="materials")
    row = _catalogue(project).loc["cement"]
    assert (row["unit"], row["currency"], row["price_per_unit"]) == (unit, currency, 120.0)


@pytest.mark.parametrize("text, reason", [
    ("Material,Price (USD)\ncement,165\n", "nothing says what the price is per"),
    ("Material,Unit,Price\ncement,t,165\n", "no currency for the prices"),
    ("Material,Unit,Price (USD)\ncement,m2,165\n", "'m2' is not a mass or volume"),
    ("Material,Unit,Price (USD)\ncement,m3,165\n", "needs the material's density"),
])
def test_a_price_that_cannot_be_read_is_refused_in_the_dry_run_too(
        project: Path, tmp_path: Path, text: str, reason: str) -> None:
    """No silent per-kg or EUR default: the dry run and the import refuse alike."""
    path = write_text(tmp_path / "prices.csv", text)
    before = sha256_of(project)
    for dry_run in (True, False):
        with pytest.raises(ImportRejected) as rejected:
            services.import_files(project, [path], kind="materials", dry_run=dry_run)
        errors = [f for f in rejected.value.findings if f.severity is Severity.ERROR]
        assert any(reason in f.reason and f.file == "prices.csv" and f.column for f in errors)
    assert sha256_of(project) == before


def test_the_profile_unit_and_defaults_say_what_prices_are_per(project: Path,
                                                               tmp_path: Path) -> None:
    """The nu19b profiles: unit = "EUR/t" on the price column, or [defaults] unit = "t"."""
    path = write_text(tmp_path / "m.csv", "Codice;Prezzo;CO2;Valuta\ncemento;135;860;EUR\n")
    profile = write_text(tmp_path / "m.toml", """kind = "materials"
[defaults]
unit = "t"
[[columns]]
source = "Codice"
field = "material"
[[columns]]
source = "Prezzo"
field = "price_per_unit"
unit = "EUR/t"
[[columns]]
source = "CO2"
field = "co2_per_unit"
[[columns]]
source = "Valuta"
field = "currency"
""")
    services.import_files(project, [path], profile=profile)
    row = _catalogue(project).loc["cemento"]
    assert (row["unit"], row["currency"], row["price_per_unit"], row["co2_per_unit"]) == (
        "t", "EUR", 135.0, 860.0)


@pytest.mark.parametrize("text, kinds", [
    ("Código;Nombre;Tipo de material;Precio [EUR/t];Densidad [kg/m³]\n"
     "c1;CEM I;cemento;120;3100\ne1;Escoria;escoria;60;2900\na1;Grava;árido grueso;18;2700\n"
     "a2;Arena;árido fino;15;2650\n",
     {"c1": "cement", "e1": "slag", "a1": "coarse_aggregate", "a2": "fine_aggregate"}),
    ("Kod;Nazwa;Rodzaj materiału;Cena [PLN/t];Emisja CO2 [kg/t];Gęstość [kg/m³]\n"
     "c1;CEM I;cement;520;850;3100\np1;Popiół;popiół lotny;90;10;2300\n"
     "d1;Domieszka;domieszka;7000;1500;1070\nk1;Żwir;kruszywo grube;60;4;2650\n",
     {"c1": "cement", "p1": "fly_ash", "d1": "admixture", "k1": "coarse_aggregate"}),
])
def test_spanish_and_polish_catalogues(project: Path, tmp_path: Path, text: str,
                                       kinds: dict[str, str]) -> None:
    services.import_files(project, [write_text(tmp_path / "m.csv", text)])
    catalogue = _catalogue(project)
    assert catalogue["kind"].to_dict() == kinds
    assert set(catalogue["unit"]) == {"t"}


def test_an_unknown_kind_names_row_column_and_value(project: Path, tmp_path: Path) -> None:
    text = "Materiale;Tipo;Prezzo [EUR/t]\ncemento;cemento;135\nx;aggregato;20\n"
    with pytest.raises(ImportRejected) as rejected:
        services.import_files(project, [write_text(tmp_path / "m.csv", text)],
                              kind="materials")
    [error] = [f for f in rejected.value.findings if f.severity is Severity.ERROR]
    assert (error.row, error.column) == (3, "Tipo")
    assert "unknown material kind 'aggregato'" in error.reason


def test_a_kept_figure_follows_the_new_unit() -> None:
    """A CO₂ factor per kg kept while a new price list is per t is converted to per t."""
    old = pd.DataFrame({"material": ["cement"], "name": ["cement"], "kind": ["cement"],
                        "unit": ["kg"], "price_per_unit": [0.11], "currency": ["EUR"],
                        "co2_per_unit": [0.85], "density_kg_m3": [3150.0], "source": ["a.csv"]})
    new = old.assign(unit="t", price_per_unit=120.0, co2_per_unit=None, source="b.csv")
    [row] = merge_catalogue(old, new).to_dict("records")
    assert (row["unit"], row["price_per_unit"]) == ("t", 120.0)
    assert row["co2_per_unit"] == pytest.approx(850.0)


def test_removing_a_catalogue_says_its_figures_stay(project: Path, tmp_path: Path) -> None:
    """The store keeps no earlier catalogue values: the removal says the figures stay, and a
    catalogue removal asks for no retraining."""
    services.import_files(project, [write_text(tmp_path / "ricette.csv", RICETTE)])
    services.import_files(project, [write_text(tmp_path / "materiali.csv", MATERIALI)])
    plan = services.remove_import(project, 2)
    text = "\n".join(plan.summary())
    assert "materials kept (other imports use or list them): acqua, cemento, loppa, sabbia" in text
    assert "prices, CO₂ factors and densities stay as the removed catalogue set them" in text
    assert plan.models == ()
    assert _catalogue(project).loc["cemento", "price_per_unit"] == 135.0
