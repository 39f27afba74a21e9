"""Admixture doses per binder mass (oz/cwt, mL/kg, % of binder) or per concrete volume (L/m³)
are stored in kg/m³ of concrete, like every other concrete amount, at import and in predict."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine import services
from engine.errors import FormixError, ImportRejected
from engine.linking import LinkOptions, build_modelling_table
from engine.prediction_table import model_input_frame
from engine.recommendation.trials import check_batch
from engine.schema import DatasetKind
from engine.storage import ProjectStore

LB_YD3 = 0.45359237 / 0.9144**3  # kg/m³ in 1 lb/yd³
FL_OZ_L = 0.0295735295625
# M4028 of a US plant: cement 497.2, slag 178.7, fly ash 229.2 lb/yd³ (905.1 of binder),
# HRWR 16.02 oz/cwt of a 66.8 lb/ft³ (1070 kg/m³) admixture; its tickets weigh 100 lb per
# 10 yd³. By hand: 16.02 fl oz × 9.051 cwt = 145.0 fl oz = 4.288 L × 1.070 kg/L = 4.588 kg
# = 10.115 lb per yd³ = 6.001 kg/m³.
HRWR_LB_YD3 = 16.02 * 9.051 * FL_OZ_L * 1.070 / 0.45359237
MIXES = (
    "Mix ID,Cement (lb/yd3),Slag Cement (lb/yd3),Class F Fly Ash (lb/yd3),Water (lb/yd3),"
    "HRWR (oz/cwt),Concrete Sand (lb/yd3)\n"
    "M4028,497.2,178.7,229.2,350.6,16.02,1095.6\n"
)
CATALOGUE = (
    "Material,Material Type,Density (lb/ft3)\n"
    "Cement,cement,196.6\nSlag Cement,slag,180.0\nClass F Fly Ash,fly_ash,143.5\n"
    "Water,water,62.4\nHRWR,admixture,66.8\nConcrete Sand,fine_aggregate,165.4\n"
)
TICKETS = (
    "Ticket No,Mix ID,Batch Date,Batch Size (yd3),Cement (lb),Slag Cement (lb),"
    "Class F Fly Ash (lb),Water (lb),HRWR (lb),Concrete Sand (lb)\n"
    "240131,M4028,03/17/2024,10.0,4972,1787,2292,3506,101.2,10956\n"
)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def _project(tmp_path: Path) -> Path:
    location = tmp_path / "plant.formix"
    services.create_project(location)
    return location


def _stored(location: Path, table: str = "recipe_components") -> pd.DataFrame:
    with ProjectStore.open(location) as store:
        return store.read(table)


def test_oz_per_cwt_recipe_is_stored_in_kg_per_m3_with_the_catalogue_density(
        tmp_path: Path) -> None:
    location = _project(tmp_path)
    services.import_files(location, [_write(tmp_path, "prices.csv", CATALOGUE)],
                          kind=DatasetKind.MATERIALS)
    result = services.import_files(location, [_write(tmp_path, "mixes.csv", MIXES)],
                                   kind=DatasetKind.RECIPES)
    hrwr = _stored(location).set_index("material").loc["hrwr"]
    assert hrwr["unit"] == "kg/m³"
    assert hrwr["amount"] / LB_YD3 == pytest.approx(10.115, abs=0.001)
    assert hrwr["amount"] / LB_YD3 == pytest.approx(HRWR_LB_YD3, rel=1e-4)
    said = [w for w in result.warnings if w.column == "HRWR (oz/cwt)"]
    assert len(said) == 1 and "catalogue's density 1.07 kg/L" in said[0].reason


def test_recipe_and_batch_in_one_import_agree_and_link_without_unit_mismatch(
        tmp_path: Path) -> None:
    location = _project(tmp_path)
    services.import_files(location, [_write(tmp_path, "prices.csv", CATALOGUE)],
                          kind=DatasetKind.MATERIALS)
    services.import_files(location, [_write(tmp_path, "mixes.csv", MIXES)],
                          kind=DatasetKind.RECIPES)
    services.import_files(location, [_write(tmp_path, "tickets.csv", TICKETS)],
                          kind=DatasetKind.BATCHES)
    weighed = _stored(location, "batch_amounts").set_index("material").loc["hrwr", "amount"]
    recipe = _stored(location).set_index("material").loc["hrwr", "amount"]
    assert weighed / LB_YD3 == pytest.approx(10.12, abs=0.005)  # 101.2 lb / 10 yd³
    assert recipe == pytest.approx(weighed, rel=0.01)
    with ProjectStore.open(location) as store:
        _table, report = build_modelling_table(store.frames(), LinkOptions())
    assert report.issue("amount_unit_mismatch") is None
    assert report.issue("amounts_as_doses") is None


def test_without_a_catalogue_density_the_default_is_used_and_stated(tmp_path: Path) -> None:
    location = _project(tmp_path)
    result = services.import_files(location, [_write(tmp_path, "mixes.csv", MIXES)],
                                   kind=DatasetKind.RECIPES)
    assert _stored(location).set_index("material").loc["hrwr", "amount"] / LB_YD3 == \
        pytest.approx(10.115, abs=0.001)
    said = next(w for w in result.warnings if w.column == "HRWR (oz/cwt)")
    assert "default density" in said.reason and "1.07 kg/L" in said.reason


def test_percent_of_binder_and_litres_per_m3(tmp_path: Path) -> None:
    location = _project(tmp_path)
    mixes = ("Mix ID,Cement (kg/m3),Fly Ash (kg/m3),Water (kg/m3),PCE (% of binder),"
             "Retarder (L/m3),Air entrainer (mL/100 kg)\n"
             "A,300,100,160,1.2,2.0,50\n")
    services.import_files(location, [_write(tmp_path, "eu.csv", mixes)],
                          kind=DatasetKind.RECIPES)
    stored = _stored(location).set_index("material")
    assert (stored["unit"] == "kg/m³").all()
    assert stored.loc["pce", "amount"] == pytest.approx(0.012 * 400)  # no density needed
    assert stored.loc["retarder", "amount"] == pytest.approx(2.0 * 1.07)
    assert stored.loc["air_entrainer", "amount"] == pytest.approx(0.5 * 400 * 1.07e-3)  # 200 mL


def test_a_dose_without_cementitious_content_names_file_row_and_column(tmp_path: Path) -> None:
    location = _project(tmp_path)
    mixes = ("Mix ID,Cement (lb/yd3),Water (lb/yd3),HRWR (oz/cwt)\n"
             "M1,500,280,10\nM2,,280,12\nM3,,280,0\n")
    with pytest.raises(ImportRejected) as caught:
        services.import_files(location, [_write(tmp_path, "mixes.csv", mixes)],
                              kind=DatasetKind.RECIPES)
    errors = [f for f in caught.value.findings if f.severity.value == "error"]
    assert [(f.file, f.row, f.column) for f in errors] == [("mixes.csv", 3, "HRWR (oz/cwt)")]
    assert "cementitious" in errors[0].reason
    assert _stored(location).empty


def test_a_trial_made_to_the_recommendation_in_oz_per_cwt_matches(tmp_path: Path) -> None:
    """A batch without weighed amounts is checked with its recipe's: 15.2 oz/cwt on 674 lb of
    binder is 7.15 lb/yd³, 0.4 % off the recommended 7.12."""
    location = _project(tmp_path)
    mix = ("Mix ID,Cement (lb/yd3),Slag Cement (lb/yd3),Class F Fly Ash (pcy),"
           "Water (lb/yd3),HRWR (oz/cwt)\nT1,243,229,202,294,15.2\n")
    services.import_files(location, [_write(tmp_path, "trial_mix.csv", mix)],
                          kind=DatasetKind.RECIPES)
    services.import_files(location, [_write(
        tmp_path, "ticket.csv", "Ticket No,Mix ID,Batch Date\n249002,T1,11/24/2026\n")],
        kind=DatasetKind.BATCHES)
    recommended = {"cement": 243 * LB_YD3, "slag_cement": 229 * LB_YD3,
                   "class_f_fly_ash": 202 * LB_YD3, "water": 294 * LB_YD3,
                   "hrwr": 7.12 * LB_YD3}
    with ProjectStore.open(location) as store:
        held, amounts = store.trial_batches(["249002"])
    check = check_batch("249002", recommended, pd.Timestamp("2026-11-23", tz="UTC"),
                        held.iloc[0].to_dict(), amounts)
    assert check.source == "recipe T1"
    assert check.differences == ()
    assert amounts.set_index("material").loc["hrwr", "amount"] / LB_YD3 == pytest.approx(
        7.15, abs=0.01)


def test_predict_reads_a_dose_per_binder_mass() -> None:
    catalogue = pd.DataFrame({"material": ["cement", "fly_ash", "hrwr"],
                              "kind": ["cement", "fly_ash", "admixture"],
                              "density_kg_m3": [3150.0, 2300.0, 1070.0]})
    frame = pd.DataFrame({"Cement (lb/yd3)": [497.2], "Fly Ash (lb/yd3)": [407.9],
                          "HRWR (oz/cwt)": [16.02]})
    units = {"cement": "kg/m³", "fly_ash": "kg/m³", "hrwr": "kg/m³"}
    inputs = model_input_frame(frame, list(units), units, "mix.csv", materials=catalogue)
    assert inputs.loc[0, "hrwr"] / LB_YD3 == pytest.approx(10.115, abs=0.001)
    blank = frame.assign(**{"Cement (lb/yd3)": [None], "Fly Ash (lb/yd3)": [None]})
    with pytest.raises(FormixError, match=r"mix.csv, row 2, column 'HRWR \(oz/cwt\)'"):
        model_input_frame(blank, list(units), units, "mix.csv", materials=catalogue)


def test_doses_stored_by_an_earlier_formix_need_attention(tmp_path: Path) -> None:
    """Projects holding mL/kg amounts are not converted on read: the link report says so."""
    frames = {
        "batches": pd.DataFrame({"batch_id": ["B1"], "recipe_id": ["M1"],
                                 "recipe_version": [1], "start_time": [pd.NaT]}),
        "recipes": pd.DataFrame({"recipe_id": ["M1"], "version": [1]}),
        "recipe_components": pd.DataFrame({
            "recipe_id": ["M1"] * 3, "version": [1] * 3,
            "material": ["cement", "water", "hrwr"], "amount": [300.0, 180.0, 10.4],
            "unit": ["kg/m³", "kg/m³", "mL/kg"]}),
    }
    _table, report = build_modelling_table(frames, LinkOptions())
    issue = report.issue("amounts_as_doses")
    assert issue is not None and issue.count == 1
    assert issue.examples == ("hrwr: 1 recipe amount(s) in mL/kg",)
    assert "import the files again" in issue.message
