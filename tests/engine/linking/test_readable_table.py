"""Process time tags read in s/min/h, and ``formix table`` names every column's unit."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine import services
from engine.cli import main
from engine.display_units import DisplayUnits
from engine.linking.export import shown_table
from engine.models.dataset import read_flat_table
from engine.types import ModellingTable

MPA_PER_KSI = 6.894757293168361


def test_a_mixing_time_logged_in_seconds_reads_in_seconds_and_a_curing_time_in_hours() -> None:
    """Ingest stores every time in hours; the table shows each in a unit that reads."""
    frame = pd.DataFrame({"batch_id": ["B1", "B2"],
                          "mixing_time__mean": [78 / 3600, 82 / 3600],
                          "hold_time__mean": [0.5, 0.5], "curing_time__mean": [8.0, 10.0],
                          "mixer_temperature__mean": [12.0, 14.0]})
    times = ("mixing_time__mean", "hold_time__mean", "curing_time__mean")
    table = ModellingTable(
        frame=frame, id_columns=("batch_id",), group_column="batch_id", age_column=None,
        time_column=None, input_columns=(*times, "mixer_temperature__mean"),
        categorical_columns=(), target_columns=(),
        units={**dict.fromkeys(times, "h"), "mixer_temperature__mean": "°C"})
    for system in ("SI", "US"):
        shown = shown_table(table, DisplayUnits(system))  # type: ignore[arg-type]
        assert shown["mixing_time__mean [s]"].tolist() == pytest.approx([78.0, 82.0])
        assert shown["hold_time__mean [min]"].tolist() == pytest.approx([30.0, 30.0])
        assert shown["curing_time__mean [h]"].tolist() == [8.0, 10.0]
    assert table.frame["mixing_time__mean"].iloc[0] == pytest.approx(78 / 3600)  # stored as is


def _steel_table() -> ModellingTable:
    frame = pd.DataFrame({"batch_id": ["H1", "H2"], "recipe_id": ["GR-1", "GR-2"],
                          "Ni": [18.0, 12.0], "aging_temp": [496.111111, 482.222222],
                          "binder_content_kg_m3": [300.0, 350.0], "Ni_at_frac": [0.17, 0.11],
                          "yield_strength": [2411.79, 1800.0], "n_replicates__ys": [1, 1]})
    return ModellingTable(
        frame=frame, id_columns=("batch_id", "recipe_id"), group_column="recipe_id",
        age_column=None, time_column=None,
        input_columns=("Ni", "aging_temp", "binder_content_kg_m3", "Ni_at_frac"),
        categorical_columns=(), target_columns=("yield_strength",),
        units={"Ni": "wt%", "aging_temp": "°C", "binder_content_kg_m3": "kg/m**3",
               "Ni_at_frac": "dimensionless", "yield_strength": "MPa"})


def test_a_us_table_is_in_ksi_and_degrees_fahrenheit_with_units_in_the_headers() -> None:
    shown = shown_table(_steel_table(), DisplayUnits("US"))
    assert list(shown.columns) == [
        "batch_id", "recipe_id", "Ni [wt%]", "aging_temp [°F]",
        "binder_content_kg_m3 [kg/m³]", "Ni_at_frac", "yield_strength [ksi]",
        "n_replicates__ys"]
    assert shown["aging_temp [°F]"].tolist() == pytest.approx([925.0, 900.0], abs=1e-4)
    assert shown["yield_strength [ksi]"].iloc[0] == pytest.approx(2411.79 / MPA_PER_KSI)
    assert shown["binder_content_kg_m3 [kg/m³]"].tolist() == [300.0, 350.0]  # as named
    metric = shown_table(_steel_table(), DisplayUnits("SI"))
    assert metric["yield_strength [MPa]"].tolist() == [2411.79, 1800.0]


@pytest.fixture
def project(demo_copy: Path) -> Path:
    """The demo project, copied so the test may change it."""
    return demo_copy


def test_formix_table_writes_units_and_reads_back_by_bare_names(
        project: Path, tmp_path: Path) -> None:
    out = tmp_path / "table.csv"
    assert main(["table", str(project), "--out", str(out)]) == 0
    metric = pd.read_csv(out)
    assert "compressive_strength [MPa]" in metric.columns
    assert "test_age_days [d]" in metric.columns
    assert "batch_id" in metric.columns and "start_time" in metric.columns
    services.set_display_units(project, "US")
    assert main(["table", str(project), "--out", str(out)]) == 0
    us = pd.read_csv(out)
    assert us["compressive_strength [psi]"].to_numpy() == pytest.approx(
        metric["compressive_strength [MPa]"].to_numpy() * 1e6 / 6894.757293168361,
        nan_ok=True)
    # formix train/evaluate TABLE read the file back under the names the project uses.
    read = read_flat_table(out)
    assert {"compressive_strength", "test_age_days", "batch_id"} <= set(read.columns)
    # … and the units they are in, so a model trained on a US table says psi, not nothing
    from engine.models.dataset import HEADER_UNITS_ATTR

    assert read.attrs[HEADER_UNITS_ATTR]["compressive_strength"] == "psi"
    assert read.attrs[HEADER_UNITS_ATTR]["cement"] == "lb/yd³"
