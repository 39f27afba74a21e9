"""``formix predict`` reads recipe files like imports (headers, units) and answers in the
project's display units."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine import services
from engine.errors import FormixError

LB_PER_YD3_IN_KG_PER_M3 = 0.45359237 / 0.9144**3
PSI_IN_MPA = 0.45359237 * 9.80665 / 0.0254**2 / 1e6

STORED = pd.DataFrame({
    "cement": [350.0, 280.0], "blast_furnace_slag": [0.0, 95.0], "fly_ash": [0.0, 60.0],
    "water": [175.0, 180.0], "superplasticizer": [5.0, 7.0],
    "coarse_aggregate": [1000.0, 950.0], "fine_aggregate": [800.0, 780.0],
    "test_age_days": [28.0, 56.0],
})
US_HEADERS = {
    "cement": "Cement (lb/yd3)", "blast_furnace_slag": "Blast Furnace Slag (lb/yd³)",
    "fly_ash": "Fly Ash (lb/yd3)", "water": "Water, lb/yd3",
    "superplasticizer": "Superplasticizer (lb/yd3)", "coarse_aggregate": "Coarse Aggregate (pcy)",
    "fine_aggregate": "Fine Aggregate (lb/yd3)", "test_age_days": "Age (days)",
}


@pytest.fixture(scope="module")
def project(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("predict") / "demo.formix"
    shutil.copy(demo_project, path)
    services.train_models(path, cv_folds=3)
    return path


def _us_file() -> pd.DataFrame:
    frame = STORED.copy()
    amounts = [c for c in frame.columns if c != "test_age_days"]
    frame[amounts] = frame[amounts] / LB_PER_YD3_IN_KG_PER_M3
    return frame.rename(columns=US_HEADERS)


def test_a_file_in_us_units_predicts_what_the_stored_amounts_predict(project: Path) -> None:
    stored = services.predict(project, STORED)
    from_us = services.predict(project, _us_file())
    np.testing.assert_allclose(from_us["compressive_strength [MPa]"],
                               stored["compressive_strength [MPa]"], rtol=1e-9)


def test_a_us_project_answers_in_psi(project: Path, tmp_path: Path) -> None:
    from engine.cli import main

    us_project = tmp_path / "us.formix"
    shutil.copy(project, us_project)
    metric = services.predict(us_project, STORED)
    services.set_display_units(us_project, "US")
    source = tmp_path / "new mixes.csv"
    _us_file().to_csv(source, index=False)
    out = tmp_path / "predicted.csv"
    assert main(["predict", str(us_project), "--in", str(source), "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns[:8]) == list(US_HEADERS.values())  # the user's columns, as given
    for column in ("compressive_strength", "compressive_strength lower",
                   "compressive_strength upper"):
        np.testing.assert_allclose(table[f"{column} [psi]"],
                                   metric[f"{column} [MPa]"] / PSI_IN_MPA, rtol=1e-9)
    assert table["compressive_strength top contributions"].str.contains("psi").all()


@pytest.mark.parametrize(("change", "expected"), [
    (lambda f: f.assign(**{"Water, lb/yd3": ["175", "n/a"]}),
     r"new\.csv, row 3, column 'Water, lb/yd3': 'n/a' is not a number"),
    (lambda f: f.rename(columns={"Cement (lb/yd3)": "Cement (MPa)"}),
     r"new\.csv, column 'Cement \(MPa\)': MPa cannot be read as 'cement'"),
    (lambda f: f.assign(cement=300.0),
     r"columns 'Cement \(lb/yd3\)' and 'cement' both give the model input 'cement'"),
    (lambda f: f.drop(columns=["Fly Ash (lb/yd3)"]),
     r"new\.csv: no column for the model input\(s\) 'fly_ash'.*Columns read: Cement"),
])
def test_unreadable_files_are_refused_naming_file_row_and_column(
        project: Path, change: object, expected: str) -> None:
    with pytest.raises(FormixError, match=expected):
        services.predict(project, change(_us_file()), source="new.csv")  # type: ignore[operator]


# The plant's own export: German headers, ';' and decimal commas, no test age, read with the
# import profile that imported its recipes ("HS" is no name the header matching knows).
GERMAN_EXPORT = (
    "Rezeptnr.;Zement [kg/m³];HS [kg/m³];Flugasche [kg/m³];Wasser [kg/m³];FM [kg/m³];"
    "Kies [kg/m³];Sand [kg/m³]\n"
    "R-1;350,0;0,0;0,0;175,0;5,0;1000,0;800,0\n"
    "R-2;280,0;95,0;60,0;180,0;7,0;950,0;780,0\n"
)
PROFILE = """kind = "recipes"

[reader_options]
delimiter = ";"
decimal = ","
encoding = "cp1252"

[[columns]]
source = "Rezeptnr."
field = "recipe_id"
""" + "".join(f"""
[[columns]]
source = "{source} [kg/m³]"
field = "component:{material}"
unit = "kg/m³"
""" for source, material in (("Zement", "cement"), ("HS", "blast_furnace_slag"),
                             ("Flugasche", "fly_ash"), ("Wasser", "water"),
                             ("FM", "superplasticizer"), ("Kies", "coarse_aggregate"),
                             ("Sand", "fine_aggregate")))


def _predict_cli(project: Path, folder: Path, *options: str) -> pd.DataFrame:
    from engine.cli import main

    source = folder / "rezepte_versuch.csv"
    source.write_text(GERMAN_EXPORT, encoding="cp1252")
    (folder / "rezepte.toml").write_text(PROFILE, encoding="utf-8")
    out = folder / "predicted.csv"
    assert main(["predict", str(project), "--in", str(source), "--out", str(out),
                 "--profile", str(folder / "rezepte.toml"), *options]) == 0
    return pd.read_csv(out)


def test_the_plant_export_read_with_its_import_profile_predicts_the_stored_recipes(
        project: Path, tmp_path: Path) -> None:
    at_28 = STORED.assign(test_age_days=28.0)
    table = _predict_cli(project, tmp_path, "--age", "28")
    assert list(table.columns[:9]) == [*GERMAN_EXPORT.splitlines()[0].split(";"), "Age (days)"]
    assert (table["Age (days)"] == 28).all()
    np.testing.assert_allclose(table["compressive_strength [MPa]"],
                               services.predict(project, at_28)["compressive_strength [MPa]"],
                               rtol=1e-9)


def test_without_the_profile_an_unknown_header_is_named_with_an_example_in_the_model_units(
        project: Path) -> None:
    export = STORED.rename(columns={"cement": "Cement (kg/m3)", "blast_furnace_slag": "HS",
                                    "test_age_days": "Age (days)"})
    with pytest.raises(FormixError) as error:
        services.predict(project, export, source="rezepte.csv")
    message = str(error.value)
    assert message.startswith(
        "rezepte.csv: no column for the model input(s) 'blast_furnace_slag'; add columns named "
        "like the imported files, e.g. 'blast_furnace_slag (kg/m³)'. Columns read: Cement")
    assert "slag_share" not in message  # computed from the amounts: not the user's to give


def test_derived_inputs_are_computed_from_the_amounts_not_taken_from_the_file(
        project: Path) -> None:
    stated = STORED.assign(water_binder_ratio=[0.9, 0.1], slag_share=[0.5, 0.0])
    np.testing.assert_allclose(services.predict(project, stated)["compressive_strength [MPa]"],
                               services.predict(project, STORED)["compressive_strength [MPa]"],
                               rtol=1e-12)


def test_a_file_without_ages_names_the_ages_the_model_knows(project: Path) -> None:
    from engine.prediction_table import training_values

    ages = training_values(services.load_model_set(project), "test_age_days")
    assert len(ages) > 1 and 28 in ages
    with pytest.raises(FormixError, match=(
            r"mixes\.csv: no test age column, and the model knows the ages "
            rf"{', '.join(f'{a:g}' for a in ages)} days: add a column such as 'Age \(days\)' "
            r"or give the age to predict at \(formix predict --age DAYS\)")):
        services.predict(project, STORED.drop(columns="test_age_days"), source="mixes.csv")
    with pytest.raises(FormixError, match="has a test age column and an age to predict at"):
        services.predict(project, STORED, age=28.0)


def test_predict_help_says_how_the_test_age_is_chosen(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    from engine.cli import main

    with pytest.raises(SystemExit):
        main(["predict", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--profile TOML" in text and "--age DAYS" in text
    assert "else the model's training age when it knows only one" in text


def test_an_admixture_in_oz_per_cubic_yard_is_read_in_fluid_ounces() -> None:
    """US plants dose admixtures in fluid ounces; the import reads them so, and so does
    predict: 34 fl oz/yd³ × 29.57 mL / 0.7646 m³ × 1.07 kg/L = 1.407 kg/m³."""
    from engine.prediction_table import model_input_frame

    frame = pd.DataFrame({"Cement (lb/yd3)": [600.0], "Superplasticizer (oz/yd3)": [34.0]})
    shown = model_input_frame(frame, ["cement", "superplasticizer"],
                              {"cement": "kg/m³", "superplasticizer": "kg/m³"}, "mix.csv")
    litres_per_m3 = 34 * 0.0295735295625 / 0.764554857984
    assert shown["superplasticizer"].iloc[0] == pytest.approx(litres_per_m3 * 1.07, rel=1e-4)
