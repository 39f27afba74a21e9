"""Material kinds guessed from names in the plant languages, material codes, catalogue merge."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from engine import services
from engine.linking.derived import derived_features, material_densities, material_kinds
from engine.materials import MaterialKind, guess_kind, material_code, merge_catalogue
from engine.storage import ProjectStore

K = MaterialKind

ENGLISH = {
    "Cement (component 1)": K.CEMENT, "OPC": K.CEMENT, "CEM I 42.5": K.CEMENT,
    "Blast Furnace Slag": K.SLAG, "GGBS": K.SLAG, "slag cement": K.SLAG,
    "Fly Ash": K.FLY_ASH, "PFA": K.FLY_ASH, "FA": K.FLY_ASH, "Class F FA": K.FLY_ASH,
    "Silica fume": K.SILICA_FUME, "Microsilica": K.SILICA_FUME, "SF": K.SILICA_FUME,
    "Metakaolin": K.SCM, "Limestone powder": K.SCM, "Water": K.WATER,
    "Superplasticizer": K.ADMIXTURE, "SP": K.ADMIXTURE, "AEA": K.ADMIXTURE,
    "Retarder": K.ADMIXTURE, "Coarse Aggregate": K.COARSE_AGGREGATE,
    "Gravel": K.COARSE_AGGREGATE, "Fine Aggregate": K.FINE_AGGREGATE, "Sand": K.FINE_AGGREGATE,
    "Silica sand": K.FINE_AGGREGATE, "Steel fibre": K.FIBER, "Ni": K.ELEMENT, "Ca": K.ELEMENT,
    "Pigment": K.OTHER,
}
GERMAN = {
    "Zement": K.CEMENT, "CEM III/A 42,5 N": K.CEMENT, "CEM II/B-S 42,5 N": K.CEMENT,
    "Portlandflugaschezement": K.CEMENT, "Hochofenzement": K.CEMENT,
    "Hüttensand": K.SLAG, "Huettensand": K.SLAG, "Huttensand": K.SLAG, "HÜS": K.SLAG,
    "Hüttensandmehl": K.SLAG, "h_ttensand": K.SLAG,  # the code earlier versions made
    "Flugasche": K.FLY_ASH, "Steinkohlenflugasche": K.FLY_ASH, "SFA": K.FLY_ASH,
    "Silikastaub": K.SILICA_FUME, "Mikrosilika": K.SILICA_FUME,
    "Kalksteinmehl": K.SCM, "Wasser": K.WATER, "Zugabewasser": K.WATER,
    "Fließmittel": K.ADMIXTURE, "Fliessmittel": K.ADMIXTURE, "PCE-Fließmittel": K.ADMIXTURE,
    "FM": K.ADMIXTURE, "BV": K.ADMIXTURE, "Betonverflüssiger": K.ADMIXTURE,
    "Verzögerer": K.ADMIXTURE, "LP-Mittel": K.ADMIXTURE, "Kies 2/16": K.COARSE_AGGREGATE,
    "Splitt 8/16": K.COARSE_AGGREGATE, "Grobe Gesteinskörnung": K.COARSE_AGGREGATE,
    "Gesteinskörnung 8/16": K.COARSE_AGGREGATE, "Sand 0/2": K.FINE_AGGREGATE,
    "Quarzsand": K.FINE_AGGREGATE, "Feine Gesteinskörnung": K.FINE_AGGREGATE,
    "Gesteinskörnung 0/2": K.FINE_AGGREGATE, "Stahlfasern": K.FIBER,
}
DUTCH = {
    "cement": K.CEMENT, "hoogovencement": K.CEMENT, "portlandvliegascement": K.CEMENT,
    "hoogovenslak": K.SLAG, "slakkenmeel": K.SLAG, "vliegas": K.FLY_ASH, "water": K.WATER,
    "superplastificeerder": K.ADMIXTURE, "plastificeerder": K.ADMIXTURE,
    "hulpstof": K.ADMIXTURE, "grind": K.COARSE_AGGREGATE, "steenslag": K.COARSE_AGGREGATE,
    "grof toeslagmateriaal": K.COARSE_AGGREGATE, "zand": K.FINE_AGGREGATE,
    "fijn toeslagmateriaal": K.FINE_AGGREGATE, "staalvezels": K.FIBER,
}
FRENCH = {
    "ciment": K.CEMENT, "ciment au laitier": K.CEMENT, "laitier": K.SLAG,
    "cendres volantes": K.FLY_ASH, "fumée de silice": K.SILICA_FUME, "eau": K.WATER,
    "superplastifiant": K.ADMIXTURE, "adjuvant": K.ADMIXTURE, "réducteur d'eau": K.ADMIXTURE,
    "gravillon 6/10": K.COARSE_AGGREGATE, "gravier": K.COARSE_AGGREGATE,
    "sable 0/4": K.FINE_AGGREGATE, "fibres métalliques": K.FIBER,
}
SPANISH_ITALIAN = {
    "cemento": K.CEMENT, "escoria de alto horno": K.SLAG, "cenizas volantes": K.FLY_ASH,
    "humo de sílice": K.SILICA_FUME, "agua": K.WATER, "superplastificante": K.ADMIXTURE,
    "aditivo": K.ADMIXTURE, "grava": K.COARSE_AGGREGATE, "árido grueso": K.COARSE_AGGREGATE,
    "arena": K.FINE_AGGREGATE, "loppa d'altoforno": K.SLAG, "cenere volante": K.FLY_ASH,
    "fumo di silice": K.SILICA_FUME, "acqua": K.WATER, "superfluidificante": K.ADMIXTURE,
    "additivo": K.ADMIXTURE, "ghiaia": K.COARSE_AGGREGATE, "sabbia": K.FINE_AGGREGATE,
}
NOT_MATERIALS = [  # words that contain a material word or abbreviation but name none
    "disable", "Feinheit", "fin de prise", "Accelerated curing", "Grinding aid", "Mittelwert",
    "Druckfestigkeit", "Mischertemperatur", "Slaked lime", "Kieselgur", "test_age_days",
]


@pytest.mark.parametrize(("name", "kind"), [
    *ENGLISH.items(), *GERMAN.items(), *DUTCH.items(), *FRENCH.items(),
    *SPANISH_ITALIAN.items(),
])
def test_the_kind_is_recognised_in_each_plant_language(name: str, kind: MaterialKind) -> None:
    assert guess_kind(name) is kind


@pytest.mark.parametrize("name", NOT_MATERIALS)
def test_words_that_only_contain_a_material_word_are_no_material(name: str) -> None:
    assert guess_kind(name) is K.OTHER


@pytest.mark.parametrize(("name", "kind"), [
    ("Cement fa. ENCI", K.CEMENT),  # "fa." is Dutch for firm, not fly ash
    ("Sand ca. 0/2", K.FINE_AGGREGATE),  # "ca." is circa, not coarse aggregate
    ("Rheinkies ca. 8/16", K.COARSE_AGGREGATE),
])
def test_an_abbreviation_does_not_override_a_material_word(name: str, kind: MaterialKind) -> None:
    assert guess_kind(name) is kind


@pytest.mark.parametrize(("name", "code"), [
    ("Hüttensand", "huettensand"),
    ("Fließmittel", "fliessmittel"),
    ("Grobe Gesteinskörnung", "grobe_gesteinskoernung"),
    ("HÜS", "hues"),
    ("Fumée de silice", "fumee_de_silice"),
    ("Árido grueso", "arido_grueso"),
    ("Fly Ash", "fly_ash"),
    ("Ni", "Ni"),
])
def test_material_codes_spell_umlauts_and_accents_in_ascii(name: str, code: str) -> None:
    assert material_code(name) == code


def test_the_codes_of_german_names_keep_their_kind() -> None:
    """Derived features guess kinds from codes when the catalogue has none."""
    for name, kind in GERMAN.items():
        assert guess_kind(material_code(name)) is kind, name


def test_huettensand_counts_as_binder_in_water_binder_ratio() -> None:
    """The report's mix: 200 cement + 150 Hüttensand + 175 water is w/b 0.50, binder 350."""
    amounts = pd.DataFrame({"zement": [200.0], "huettensand": [150.0], "wasser": [175.0],
                            "sand": [800.0], "kies": [1000.0]})
    kinds = material_kinds(pd.DataFrame(), amounts.columns)
    derived, _units = derived_features(amounts, kinds, material_densities(pd.DataFrame(), kinds))
    assert derived.loc[0, "water_binder_ratio"] == pytest.approx(0.50)
    assert derived.loc[0, "binder_content_kg_m3"] == pytest.approx(350.0)
    assert derived.loc[0, "slag_share"] == pytest.approx(150 / 350)


def _catalogue_rows(*rows: tuple[str, str | None, float | None]) -> pd.DataFrame:
    return pd.DataFrame({
        "material": [r[0] for r in rows], "name": [r[0] for r in rows],
        "kind": [r[1] for r in rows], "unit": "kg/m3", "price_per_unit": None,
        "currency": None, "co2_per_unit": None, "density_kg_m3": [r[2] for r in rows],
        "source": "recipes.csv",
    })


def test_merging_an_unrecognised_and_a_known_material_keeps_both() -> None:
    """B4: a kind without a default density (other) crashed the merge."""
    incoming = _catalogue_rows(("pigment", "other", None), ("sand", "fine_aggregate", 2650.0))
    for existing in (incoming.iloc[:0], _catalogue_rows(("sand", "fine_aggregate", 2600.0))):
        merged = merge_catalogue(existing, incoming).set_index("material")
        assert merged.loc["pigment", "kind"] == "other"
        assert math.isnan(merged.loc["pigment", "density_kg_m3"])
        assert merged.loc["sand", "density_kg_m3"] == pytest.approx(2650.0)


def test_merging_guesses_kinds_and_densities_left_blank() -> None:
    incoming = _catalogue_rows(("huettensand", None, None), ("pigment", None, None))
    merged = merge_catalogue(incoming.iloc[:0], incoming).set_index("material")
    assert merged["kind"].to_dict() == {"huettensand": "slag", "pigment": "other"}
    assert merged.loc["huettensand", "density_kg_m3"] == pytest.approx(2900.0)
    assert math.isnan(merged.loc["pigment", "density_kg_m3"])


PROFILE = """kind = "recipes"
[[columns]]
source = "Recipe"
field = "recipe_id"
[[columns]]
source = "{first} [kg/m³]"
field = "component:{code}"
[[columns]]
source = "Sand [kg/m³]"
field = "component:sand"
"""


@pytest.mark.parametrize(("first", "kind"), [("Pigment", "other"), ("Zement", "cement")])
def test_a_recipe_file_with_an_unrecognised_material_imports_with_a_warning(
        tmp_path: Path, first: str, kind: str) -> None:
    """B4: one unrecognised and one known material crashed the import with a TypeError."""
    project = tmp_path / "plant.formix"
    services.create_project(project)
    recipes = tmp_path / "rezepte.csv"
    recipes.write_text(f"Recipe;{first} [kg/m³];Sand [kg/m³]\nR1;300,0;800,0\n",
                       encoding="utf-8")
    profile = tmp_path / "rezepte.toml"
    code = material_code(first)
    profile.write_text(PROFILE.format(first=first, code=code), encoding="utf-8")

    result = services.import_files(project, [recipes], profile=profile)

    unrecognised = [w.reason for w in result.warnings if "kind not recognised" in w.reason]
    assert unrecognised == ([f"kind not recognised for: {code}; derived features (w/c, "
                             "binder) ignore them until a kind is set"]
                            if kind == "other" else [])
    with ProjectStore.open(project) as store:
        catalogue = store.read("materials").set_index("material")
    assert catalogue["kind"].to_dict() == {code: kind, "sand": "fine_aggregate"}
    assert catalogue.loc["sand", "density_kg_m3"] == pytest.approx(2650.0)
