"""Guessing kinds and mappings from headers and content."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.ingest.headers import property_code, split_header
from engine.ingest.mapping import ColumnMapping, ImportProfile
from engine.ingest.reader import SourceTable
from engine.ingest.suggest import resolve_dayfirst, suggest_mapping, suggest_profile
from engine.schema import DatasetKind


def _table(columns: dict[str, list[object]], decimal: str | None = ".") -> SourceTable:
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    return SourceTable("t", frame, np.arange(2, len(frame) + 2), decimal=decimal)


@pytest.mark.parametrize(
    ("header", "name", "unit", "age"),
    [
        ("Cement (component 1)(kg in a m^3 mixture)", "Cement", "kg/m³", None),
        ("Age (day)", "Age", "d", None),
        ("Concrete compressive strength(MPa, megapascals) ", "Concrete compressive strength",
         "MPa", None),
        ("SLUMP(cm)", "SLUMP", "cm", None),
        ("Compressive Strength (28-day)(Mpa)", "Compressive Strength", "MPa", 28.0),
        ("Water (lb/yd3)", "Water", "lb/yd³", None),
        ("Usage_kWh", "Usage_kWh", "kWh", None),
        ("Temp [°F]", "Temp", "°F", None),
        ("Strength, psi", "Strength", "psi", None),
        ("AEA (oz/cwt)", "AEA", "oz/cwt", None),
        ("Day_of_week", "Day_of_week", None, None),
        ("Ni", "Ni", None, None),
    ],
)
def test_headers(header: str, name: str, unit: str | None, age: float | None) -> None:
    info = split_header(header)
    assert (info.name, info.unit, info.test_age_days) == (name, unit, age)


def test_property_codes() -> None:
    assert property_code("Concrete compressive strength") == "compressive_strength"
    assert property_code("SLUMP") == "slump"
    assert property_code("Yield strength") == "yield_strength"


def test_a_flat_concrete_table_is_samples() -> None:
    table = _table({
        "No": [1, 2, 3],
        "Cement (component 1)(kg in a m^3 mixture)": [540, 332.5, 198.6],
        "Water (lb/yd3)": [300, 280, 290],
        "Age (day)": [28, 7, 90],
        "Concrete compressive strength(MPa, megapascals)": [79.99, 40.27, 38.1],
        "SLUMP(cm)": [20, 21, 18],
        "Flexural Strength (28-day)(Mpa)": [4.0, 4.1, 4.2],
        "Operator": ["ann", "bob", "cy"],
    })
    suggestion = suggest_mapping(table)
    profile = suggestion.profile
    assert profile.kind is DatasetKind.SAMPLES
    fields = {m.source: (m.field, m.unit, m.test_age_days) for m in profile.columns}
    assert fields == {
        "No": ("ignore", None, None),
        "Cement (component 1)(kg in a m^3 mixture)": ("component:cement", "kg/m³", None),
        "Water (lb/yd3)": ("component:water", "lb/yd³", None),
        "Age (day)": ("test_age", "d", None),
        "Concrete compressive strength(MPa, megapascals)":
            ("property:compressive_strength", "MPa", None),
        "SLUMP(cm)": ("property:slump", "cm", None),
        "Flexural Strength (28-day)(Mpa)": ("property:flexural_strength", "MPa", 28.0),
        "Operator": ("ignore", None, None),
    }
    assert [f.column for f in suggestion.findings] == ["Operator"]
    assert all(f.severity == "warning" for f in suggestion.findings)


def test_element_symbols_are_wt_percent_components() -> None:
    table = _table({"C": [0.2, 0.3, 0.1], "mn": [1.1, 0.9, 1.0], "Fe": [98, 98, 98],
                    "yield strength": [300, 310, 320]})
    profile = suggest_profile(table)
    assert [(m.field, m.unit) for m in profile.columns] == [
        ("component:C", "wt%"), ("component:Mn", "wt%"), ("component:Fe", "wt%"),
        ("property:yield_strength", "MPa")]


@pytest.mark.parametrize(
    ("columns", "kind"),
    [
        ({"tag": ["T1"], "timestamp": ["2024-01-01"], "value": ["1"]},
         DatasetKind.PROCESS_SERIES),
        ({"date": ["01/02/2024 10:00"], "TI-101": ["1.5"]}, DatasetKind.PROCESS_SERIES),
        ({"Batch": ["B1"], "Recipe": ["R1"], "Cement (kg)": ["350"]}, DatasetKind.BATCHES),
        ({"Recipe": ["R1"], "Cement (kg/m3)": ["350"]}, DatasetKind.RECIPES),
        ({"batch_id": ["B1"], "property": ["slump"], "value": ["10"]}, DatasetKind.LAB_RESULTS),
        ({"Sample": ["S1"], "Compressive strength (MPa)": ["40"]}, DatasetKind.LAB_RESULTS),
        ({"Material": ["cement"], "Price": ["100"]}, DatasetKind.MATERIALS),
    ],
)
def test_kinds_are_guessed(columns: dict[str, list[object]], kind: DatasetKind) -> None:
    assert suggest_profile(_table(columns)).kind is kind


def test_dayfirst_is_detected_from_the_dates() -> None:
    table = _table({"date": ["01/01/2018 00:15", "13/01/2018 00:30"], "T": ["1", "2"]})
    profile = suggest_profile(table)
    assert profile.kind is DatasetKind.PROCESS_SERIES and profile.dayfirst


@pytest.mark.parametrize(
    ("dates", "dayfirst"),
    [
        # dotted dates are day-first even when no day is above 12 (German, Dutch plants)
        (["02.01.2023 05:30", "03.01.2023 05:30", "04.01.2023 19:59"], True),
        (["10.01.24 08:00", "11.01.24 08:00"], True),
        # ... unless the data shows month-first: a second part above 12, no first part is
        (["01.13.2023 05:30", "01.14.2023 05:30"], False),
        # slash dates stay month-first (US) unless a first part above 12 shows otherwise
        (["01/02/2023 05:30", "03/04/2023 05:30"], False),
        (["01/02/2023 05:30", "13/04/2023 05:30"], True),
    ],
)
def test_the_date_order_follows_the_separator_and_the_data(dates: list[str],
                                                           dayfirst: bool) -> None:
    table = _table({"Zeitstempel": dates, "Mischertemperatur [°C]": ["12"] * len(dates)})
    profile = suggest_profile(table)
    assert profile.kind is DatasetKind.PROCESS_SERIES
    assert profile.dayfirst is dayfirst


def test_a_profile_without_dayfirst_reads_dotted_dates_day_first() -> None:
    table = _table({"Batch": ["B1"], "Recipe": ["R1"], "Start": ["10.01.2024 08:00"]})
    profile = ImportProfile(kind=DatasetKind.BATCHES, columns=[
        ColumnMapping("Batch", "batch_id"), ColumnMapping("Recipe", "recipe_id"),
        ColumnMapping("Start", "start_time")])
    assert resolve_dayfirst(profile, table).dayfirst is True
    given = profile.model_copy(update={"dayfirst": False})
    assert resolve_dayfirst(given, table).dayfirst is False  # what the profile says wins


def test_the_given_kind_wins() -> None:
    table = _table({"Recipe": ["R1"], "Cement (kg/m3)": ["350"]})
    assert suggest_profile(table, DatasetKind.SAMPLES).kind is DatasetKind.SAMPLES
