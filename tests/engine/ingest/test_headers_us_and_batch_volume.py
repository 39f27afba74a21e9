"""Headers a US ready-mix lab and Italian, Spanish and Polish batching controllers write."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.ingest.headers import split_header
from engine.ingest.suggest import suggest_profile
from engine.materials import MaterialKind, guess_kind
from engine.schema import DatasetKind
from plugins.tabular.csv_reader import DelimitedTextReader
from tests.engine.plant_files import write_text


def _fields(tmp_path: Path, text: str, kind: DatasetKind | None = None) -> dict[str, tuple]:
    table = DelimitedTextReader().read(write_text(tmp_path / "f.csv", text)).tables[0]
    profile = suggest_profile(table, kind)
    return {c.source: (c.field, c.test_age_days) for c in profile.columns}


@pytest.mark.parametrize(("header", "name", "age"), [
    ("28-Day Compressive Strength (psi)", "Compressive Strength", 28.0),
    ("7-day Strength [MPa]", "Strength", 7.0),
    ("28-Tage-Druckfestigkeit [N/mm²]", "compressive strength", 28.0),
    ("Compressive Strength (28-day)(MPa)", "Compressive Strength", 28.0),
    ("3 D Printing", "3 D Printing", None),  # not a property: no age
])
def test_a_test_age_before_the_property_name(header: str, name: str, age: float | None) -> None:
    info = split_header(header)
    assert (info.name, info.test_age_days) == (name, age)


def test_a_us_lab_sheet_gives_compressive_strength_at_28_days(tmp_path: Path) -> None:
    fields = _fields(tmp_path, "Ticket No,Cyl ID,Test Age (days),28-Day Compressive Strength "
                               "(psi)\n240101,A,28,4650\n240102,A,28,4700\n")
    assert fields["28-Day Compressive Strength (psi)"] == ("property:compressive_strength", 28.0)


@pytest.mark.parametrize("name", ["#57 Stone", "#8 Stone", "No. 67 Stone"])
def test_astm_c33_size_numbers_are_coarse_aggregate(tmp_path: Path, name: str) -> None:
    assert guess_kind(name) is MaterialKind.COARSE_AGGREGATE
    fields = _fields(tmp_path, f"Mix ID,Cement (lb/yd3),Water (lb/yd3),{name} (lb/yd3)\n"
                               "M1,500,250,1800\n", DatasetKind.RECIPES)
    assert fields[f"{name} (lb/yd3)"][0].startswith("component:")


@pytest.mark.parametrize("header", ["Volume impasto [m³]", "Volumen amasada [m³]",
                                    "Volumen de la amasada (m3)", "Objętość zarobu [m3]"])
def test_batch_volumes_in_italian_spanish_and_polish(tmp_path: Path, header: str) -> None:
    assert split_header(header).name == "batch volume"
    fields = _fields(tmp_path, f"N. impasto;Codice miscela;{header};Cemento [kg]\n"
                               "B1;MX-1;2,5;900\n", DatasetKind.BATCHES)
    assert fields[header][0] == "batch_volume"


@pytest.mark.parametrize("header", ["Volumen amasada", "Objętość zarobu"])
def test_batch_volume_names_without_a_unit(header: str) -> None:
    assert split_header(header).name == "batch volume"
