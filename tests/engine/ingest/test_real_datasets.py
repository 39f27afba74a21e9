"""Real public files (in ../shared/datasets; skipped when absent) and a US-unit plant export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.ingest import ImportProfile, default_registry, normalise, suggest_profile
from engine.ingest.reader import SourceTable
from engine.progress import no_progress
from engine.schema import DatasetKind
from tests.conftest import shared_dataset


def _read(path: Path) -> SourceTable:
    return default_registry().reader_for(path).read(path, no_progress).tables[0]


def test_uci_concrete_xls() -> None:
    path = shared_dataset("uci_concrete_compressive_strength", "Concrete_Data.xls")
    table = _read(path)
    result = normalise(table, suggest_profile(table), path.name)
    assert result.kind is DatasetKind.SAMPLES and result.ok, result.findings
    assert result.n_rows == 1030
    lab = result.frames["lab_results"]
    assert len(lab) == 1030
    first = lab.iloc[0]
    assert first["value"] == 79.98611076  # exactly as in the file: MPa needs no conversion
    assert (first["property"], first["unit"], first["test_age_days"], first["source_row"]) == (
        "compressive_strength", "MPa", 28.0, 2)
    parts = result.frames["recipe_components"]
    mix = parts[parts["recipe_id"] == first["batch_id"]].set_index("material")["amount"]
    assert mix.to_dict() == {
        "cement": 540.0, "blast_furnace_slag": 0.0, "fly_ash": 0.0, "water": 162.0,
        "superplasticizer": 2.5, "coarse_aggregate": 1040.0, "fine_aggregate": 676.0}
    assert len(result.frames["recipes"]) == 428  # 1030 rows are 428 distinct mixes


def test_uci_slump_test_data() -> None:
    path = shared_dataset("uci_concrete_slump_test", "slump_test.data")
    raw = path.read_bytes()
    assert b"\r\n" in raw and not raw.endswith(b"\n")  # CRLF, no final line break
    table = _read(path)
    assert len(table.frame) == 103 and table.row_numbers[-1] == 104
    result = normalise(table, suggest_profile(table), path.name)
    assert result.ok, result.findings
    lab = result.frames["lab_results"]
    assert sorted(lab["property"].unique()) == ["compressive_strength", "flow", "slump"]
    strength = lab[lab["property"] == "compressive_strength"]
    assert len(strength) == 103 and set(strength["test_age_days"]) == {28.0}
    assert strength["value"].iloc[0] == pytest.approx(34.99)
    slump = lab[lab["property"] == "slump"]
    assert slump["unit"].iloc[0] == "mm" and slump["value"].iloc[0] == pytest.approx(230.0)


def test_steel_plant_log_as_wide_process_series() -> None:
    path = shared_dataset("steel_industry_energy_daewoo", "Steel_industry_data.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = _read(path)
    assert len(table.frame) == 35040 and table.frame.columns[0] == "date"
    profile = suggest_profile(table, DatasetKind.PROCESS_SERIES)
    assert profile.dayfirst
    strict = ImportProfile.model_validate({**profile.model_dump(),
                                           "midnight_is_end_of_day": False})
    rejected = normalise(table, strict, path.name)
    assert rejected.errors and all("out of order" in f.reason for f in rejected.errors
                                   if "more" not in f.reason)
    fixed = ImportProfile.model_validate({**profile.model_dump(),
                                          "midnight_is_end_of_day": True})
    result = normalise(table, fixed, path.name)
    assert result.ok, result.errors
    series = result.frames["process_series"]
    usage = series[series["tag"] == "Usage_kWh"]
    assert len(usage) == 35040 and usage["unit"].iloc[0] == "kWh"
    stamps = usage["time"].to_numpy(dtype="datetime64[ns]")
    assert (np.diff(stamps) > np.timedelta64(0, "ns")).all()  # strictly increasing
    assert usage["time"].iloc[0].isoformat() == "2018-01-01T00:15:00+00:00"
    assert usage["time"].iloc[-1].isoformat() == "2019-01-01T00:00:00+00:00"


US_EXPORT = (
    "Mix,Cement (lb/yd3),Water (lb/yd³),AEA (oz/cwt),Concrete temperature (°F),Age (day),"
    "Slump (in),Compressive strength (psi)\n"
    "M1,564,282,1,212,28,4,5000\n"
    "M2,600,270,0.5,32,28,3.5,6000\n"
)


def test_us_units_become_canonical(tmp_path: Path) -> None:
    path = tmp_path / "us_plant.csv"
    path.write_text(US_EXPORT, "utf-8")
    table = _read(path)
    result = normalise(table, suggest_profile(table, DatasetKind.SAMPLES), path.name)
    assert result.ok, result.findings
    parts = result.frames["recipe_components"].set_index(["recipe_id", "material"])
    assert parts.loc[("M1", "cement"), "amount"] == pytest.approx(564 * 0.593276, rel=1e-6)
    assert parts.loc[("M1", "water"), "amount"] == pytest.approx(282 * 0.593276, rel=1e-6)
    assert parts.loc[("M1", "cement"), "unit"] == "kg/m³"
    assert parts.loc[("M1", "aea"), "amount"] == pytest.approx(0.652, abs=5e-4)
    assert parts.loc[("M1", "aea"), "unit"] == "mL/kg"
    settings = result.frames["recipe_settings"].set_index(["recipe_id", "setting"])
    assert settings.loc[("M1", "concrete_temperature"), "value_num"] == pytest.approx(100.0)
    assert settings.loc[("M2", "concrete_temperature"), "value_num"] == pytest.approx(0.0)
    assert settings.loc[("M1", "concrete_temperature"), "unit"] == "°C"
    lab = result.frames["lab_results"].set_index(["batch_id", "property"])
    assert lab.loc[("M1", "slump"), "value"] == pytest.approx(101.6)
    assert lab.loc[("M1", "slump"), "unit"] == "mm"
    assert lab.loc[("M1", "compressive_strength"), "value"] == pytest.approx(5000 * 0.00689476,
                                                                             rel=1e-6)
    assert lab.loc[("M1", "compressive_strength"), "unit"] == "MPa"
