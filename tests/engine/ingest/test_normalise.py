"""normalise(): each dataset kind into canonical frames, units, times and findings."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.errors import Severity
from engine.ingest import (
    ColumnMapping,
    ImportProfile,
    NormalisedImport,
    normalise,
    suggest_profile,
)
from engine.ingest._frames import columns_of
from engine.ingest.reader import SourceTable
from engine.schema import DatasetKind
from plugins.tabular.csv_reader import DelimitedTextReader


def _csv(tmp_path: Path, text: str, name: str = "f.csv") -> SourceTable:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return DelimitedTextReader().read(path).tables[0]


def _run(table: SourceTable, kind: str | None = None, **changes: object) -> NormalisedImport:
    profile = suggest_profile(table, DatasetKind(kind) if kind else None)
    if changes:
        profile = ImportProfile.model_validate({**profile.model_dump(), **changes})
    return normalise(table, profile, "f.csv")


def _canonical(result: NormalisedImport) -> None:
    for name, frame in result.frames.items():
        assert tuple(frame.columns) == columns_of(name), name


def test_recipes(tmp_path: Path) -> None:
    table = _csv(tmp_path, "Recipe,Name,Cement (kg/m3),Water (lb/yd3),Curing,Curing temp (°F)\n"
                           "R1,Bridge,350,300,steam,140\nR2,Deck,300,,air,68\n")
    result = _run(table, "recipes")
    assert result.ok, result.findings
    _canonical(result)
    recipes = result.frames["recipes"]
    assert recipes["recipe_id"].tolist() == ["R1", "R2"]
    assert recipes["version"].tolist() == [1, 1]
    assert recipes["name"].tolist() == ["Bridge", "Deck"]
    assert recipes["source_row"].tolist() == [2, 3]
    parts = result.frames["recipe_components"]
    water = parts[parts["material"] == "water"]
    assert water["amount"].tolist() == pytest.approx([300 * 0.593276], rel=1e-6)
    assert set(parts["unit"]) == {"kg/m³"}
    settings = result.frames["recipe_settings"].set_index(["recipe_id", "setting"])
    assert settings.loc[("R1", "curing"), "value_text"] == "steam"
    assert settings.loc[("R1", "curing_temp"), "value_num"] == pytest.approx(60.0)
    assert settings.loc[("R1", "curing_temp"), "unit"] == "°C"


def test_batches_with_times_amounts_and_settings(tmp_path: Path) -> None:
    table = _csv(tmp_path,
                 "Batch,Recipe,Plant,Start,End,Cement (kg/m3),Mixing time (s)\n"
                 "B1,R1,North,2024-05-01 08:00,2024-05-01 08:03,351,90\n"
                 "B2,R1,North,2024-05-01 09:00,2024-05-01 09:04,349,\n")
    result = _run(table, "batches", timezone="Europe/Berlin")
    assert result.ok, result.findings
    _canonical(result)
    batches = result.frames["batches"]
    assert batches["start_time"].iloc[0] == pd.Timestamp("2024-05-01 06:00", tz="UTC")
    assert str(batches["start_time"].dtype) == "datetime64[ns, UTC]"
    assert batches["recipe_version"].isna().all()
    assert batches["plant"].tolist() == ["North", "North"]
    assert result.frames["batch_amounts"]["amount"].tolist() == [351.0, 349.0]
    series = result.frames["process_series"]
    assert series["tag"].astype(str).tolist() == ["mixing_time"]
    assert series["value"].tolist() == pytest.approx([90 / 3600])
    assert series["batch_id"].tolist() == ["B1"]


def test_batch_settings_are_named_as_recipe_settings_are(tmp_path: Path) -> None:
    table = _csv(tmp_path, "Heat,Grade,Melt Date,Aging Temp (°F)\nH1,G1,2024-05-01,925\n")
    profile = ImportProfile.model_validate({"kind": "batches", "columns": [
        {"source": "Heat", "field": "batch_id"}, {"source": "Grade", "field": "recipe_id"},
        {"source": "Melt Date", "field": "start_time"},
        {"source": "Aging Temp (°F)", "field": "setting:Aging Temp"}]})
    result = normalise(table, profile, "f.csv")
    assert result.ok, result.findings
    series = result.frames["process_series"]
    assert series["tag"].astype(str).tolist() == ["aging_temp"]
    assert series["value"].tolist() == pytest.approx([(925 - 32) / 1.8])
    assert series["unit"].astype(str).tolist() == ["°C"]


def test_long_process_series(tmp_path: Path) -> None:
    table = _csv(tmp_path, "tag,time,value,unit\n"
                           "TI-1,2024-05-01T08:00:00Z,212,degF\n"
                           "PI-2,2024-05-01T08:00:00Z,14.5037738,psi\n"
                           "TI-1,2024-05-01T08:01:00Z,32,°F\n")
    result = _run(table)
    assert result.kind is DatasetKind.PROCESS_SERIES and result.ok, result.findings
    _canonical(result)
    series = result.frames["process_series"]
    assert isinstance(series["tag"].dtype, pd.CategoricalDtype)
    assert series["value"].tolist() == pytest.approx([100.0, 0.1, 0.0])
    assert series["unit"].astype(str).tolist() == ["°C", "MPa", "°C"]
    assert series["source_row"].tolist() == [2, 3, 4]


def test_out_of_order_logs_are_rejected_unless_sorting_is_asked(tmp_path: Path) -> None:
    text = ("tag,time,value\nT,2024-05-01 08:02,3\nT,2024-05-01 08:01,2\n"
            "U,2024-05-01 08:00,9\n")
    table = _csv(tmp_path, text)
    strict = _run(table)
    assert [(f.row, f.column) for f in strict.errors] == [(3, "time")]
    lenient = _run(table, sort_times=True)
    assert lenient.ok
    assert any(f.severity is Severity.WARNING and "sorted" in f.reason
               for f in lenient.findings)
    series = lenient.frames["process_series"]
    t = series[series["tag"] == "T"]
    assert t["value"].tolist() == [2.0, 3.0] and t["source_row"].tolist() == [3, 2]


def test_wide_process_series_and_the_midnight_quirk(tmp_path: Path) -> None:
    text = ("date,Usage_kWh,Load_Type\n01/01/2018 23:30,3.1,Light\n01/01/2018 23:45,3.2,Light\n"
            "01/01/2018 00:00,3.3,Light\n02/01/2018 00:15,3.4,Light\n")
    table = _csv(tmp_path, text)
    plain = _run(table, midnight_is_end_of_day=False)
    assert [(f.row, f.column) for f in plain.errors] == [(4, "date")]
    fixed = _run(table, midnight_is_end_of_day=True)
    assert fixed.ok, fixed.findings
    times = fixed.frames["process_series"]["time"]
    assert times.is_monotonic_increasing
    assert times.iloc[2] == pd.Timestamp("2018-01-02 00:00", tz="UTC")


def test_lab_results_long_with_replicates(tmp_path: Path) -> None:
    text = ("sample_id,property,test_age,value,unit\nB1,Compressive strength,28,5800,psi\n"
            "B1,Compressive strength,28,5900,psi\nB1,Compressive strength,7,4000,psi\n"
            "B2,Slump,,4,in\n")
    result = _run(_csv(tmp_path, text), "lab_results")
    assert result.ok, result.findings
    _canonical(result)
    lab = result.frames["lab_results"]
    assert lab["batch_id"].tolist() == ["B1", "B1", "B1", "B2"]
    assert lab["property"].tolist() == ["compressive_strength"] * 3 + ["slump"]
    assert lab["replicate"].tolist() == [1, 2, 1, 1]
    assert lab["value"].tolist() == pytest.approx([5800 * 0.00689476, 5900 * 0.00689476,
                                                   4000 * 0.00689476, 101.6], rel=1e-6)
    assert lab["test_age_days"].iloc[:3].tolist() == [28.0, 28.0, 7.0]
    assert np.isnan(lab["test_age_days"].iloc[3])


def test_lab_results_wide(tmp_path: Path) -> None:
    text = "Batch,Age (day),Strength (MPa),Slump (mm)\nB1,28,41.2,\nB2,7,30.0,120\n"
    result = _run(_csv(tmp_path, text), "lab_results")
    assert result.ok, result.findings
    lab = result.frames["lab_results"]
    assert sorted(zip(lab["batch_id"], lab["property"], lab["test_age_days"], strict=True)) == [
        ("B1", "strength", 28.0), ("B2", "slump", 7.0), ("B2", "strength", 7.0)]


def test_samples_make_recipes_batches_and_results(tmp_path: Path) -> None:
    text = ("Cement (kg/m3),Slag (kg/m3),Water (kg/m3),Age (day),Strength (MPa)\n"
            "540,0,162,28,79.99\n540,0,162,7,50.0\n332.5,142.5,228,28,40.3\n"
            "540,0,162,28,80.5\n")
    result = _run(_csv(tmp_path, text), "samples")
    assert result.ok, result.findings
    _canonical(result)
    recipes = result.frames["recipes"]
    assert len(recipes) == 2 and recipes["source_row"].tolist() == [2, 4]
    key = "cement=540kg/m³;water=162kg/m³"
    assert recipes["recipe_id"].iloc[0] == "mix-" + hashlib.sha1(key.encode()).hexdigest()[:10]
    batches = result.frames["batches"]
    assert batches["batch_id"].tolist() == recipes["recipe_id"].tolist()
    lab = result.frames["lab_results"]
    first = lab[lab["batch_id"] == recipes["recipe_id"].iloc[0]]
    assert list(zip(first["test_age_days"], first["replicate"], strict=True)) == [
        (28.0, 1), (7.0, 1), (28.0, 2)]
    parts = result.frames["recipe_components"]
    assert len(parts) == 6  # zeros are kept as amounts, not in the recipe id


def test_samples_with_a_recipe_id_must_be_consistent(tmp_path: Path) -> None:
    text = "Mix,Cement (kg/m3),Water (kg/m3),Strength (MPa)\nA,350,175,40\nA,360,175,41\n"
    result = _run(_csv(tmp_path, text), "samples")
    assert [(f.row, f.column) for f in result.errors] == [(3, "Mix")]
    assert "another composition" in result.errors[0].reason


def test_materials_catalogue(tmp_path: Path) -> None:
    text = ("Material,Kind,Price (per t),Currency,CO2 factor,Density (g/cm3)\n"
            "CEM I 42.5,cement,110,EUR,0.84,3.15\nFly ash,,30,EUR,0.01,2.3\n")
    result = _run(_csv(tmp_path, text), "materials")
    assert result.ok, result.findings
    _canonical(result)
    frame = result.frames["materials"]
    assert frame["material"].tolist() == ["cem_i_42_5", "fly_ash"]
    # a blank kind keeps the catalogue's, else is guessed from the name when stored
    assert frame["kind"].tolist() == ["cement", None]
    assert frame["density_kg_m3"].tolist() == pytest.approx([3150.0, 2300.0])
    assert frame["source"].tolist() == ["f.csv", "f.csv"]


def test_materials_catalogue_keeps_where_its_figures_come_from(tmp_path: Path) -> None:
    text = ("Material,Price [EUR/kg],CO2 factor,Source\n"
            "CEM I,0.11,0.85,\"USGS 2016 Minerals Yearbook; EPD 2021\"\nFly ash,0.04,0.01,\n")
    result = _run(_csv(tmp_path, text), "materials")
    assert result.ok, result.findings
    frame = result.frames["materials"]
    # the citation is stored; a row without one keeps the file it came from
    assert frame["source"].tolist() == ["USGS 2016 Minerals Yearbook; EPD 2021", "f.csv"]


def test_decimal_commas(tmp_path: Path) -> None:
    text = "Rezept;Zement (kg/m3);Wasser (kg/m3)\nR1;1.350,5;175,25\nR2;300;180\n"
    table = _csv(tmp_path, text)
    profile = ImportProfile(kind=DatasetKind.RECIPES, columns=[
        ColumnMapping("Rezept", "recipe_id"), ColumnMapping("Zement (kg/m3)", "component:cement"),
        ColumnMapping("Wasser (kg/m3)", "component:water")])
    result = normalise(table, profile, "f.csv")
    assert result.ok, result.findings
    assert result.frames["recipe_components"]["amount"].tolist() == [1350.5, 300, 175.25, 180]


def test_unmapped_columns_are_warned_about(tmp_path: Path) -> None:
    table = _csv(tmp_path, "Recipe,Cement (kg/m3),Operator\nR1,350,ann\n")
    profile = ImportProfile(kind=DatasetKind.RECIPES, columns=[
        ColumnMapping("Recipe", "recipe_id"), ColumnMapping("Cement (kg/m3)", "component:cement")])
    result = normalise(table, profile, "f.csv")
    assert result.ok
    assert [(f.column, f.severity) for f in result.findings] == [("Operator", Severity.WARNING)]


def test_findings_are_capped(tmp_path: Path) -> None:
    rows = "\n".join(f"R{i},x{i}" for i in range(5000))
    table = _csv(tmp_path, "Recipe,Cement (kg/m3)\n" + rows + "\n")
    result = _run(table, "recipes")
    assert 1 < len(result.findings) <= 101
    assert any("and 4980 more rows" in f.reason for f in result.findings)


def test_two_columns_on_one_field_are_an_error(tmp_path: Path) -> None:
    table = _csv(tmp_path, "Recipe,Cement A,Cement B\nR1,1,2\n")
    profile = ImportProfile(kind=DatasetKind.RECIPES, columns=[
        ColumnMapping("Recipe", "recipe_id"), ColumnMapping("Cement A", "component:Cement"),
        ColumnMapping("Cement B", "component:cement")])
    result = normalise(table, profile, "f.csv")
    assert [(f.row, f.column) for f in result.errors] == [(1, "Cement B")]


def test_local_times_across_the_autumn_change_are_resolved_per_tag(tmp_path: Path) -> None:
    rows = []
    for stamp in ["01:30", "02:00", "02:30", "02:00", "02:30", "03:00"]:
        rows += [f"T,2024-10-27 {stamp},1", f"P,2024-10-27 {stamp},2"]
    table = _csv(tmp_path, "tag,time,value\n" + "\n".join(rows) + "\n")
    result = _run(table, timezone="Europe/Berlin")
    assert result.ok, result.findings
    series = result.frames["process_series"]
    t = series[series["tag"] == "T"]["time"]
    assert t.is_monotonic_increasing and t.is_unique
    assert t.iloc[1] == pd.Timestamp("2024-10-27 00:00", tz="UTC")  # 02:00 CEST
    assert t.iloc[3] == pd.Timestamp("2024-10-27 01:00", tz="UTC")  # 02:00 CET
