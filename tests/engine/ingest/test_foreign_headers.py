"""German, Dutch and French headers are recognised like their English equivalents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.ingest.headers import property_code, split_header
from engine.ingest.reader import SourceTable
from engine.ingest.suggest import suggest_profile
from engine.schema import DatasetKind


def _fields(columns: dict[str, list[object]]) -> tuple[DatasetKind, dict[str, str]]:
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    profile = suggest_profile(SourceTable("t", frame, np.arange(2, len(frame) + 2), decimal=","))
    return profile.kind, {c.source: c.field for c in profile.columns}


def test_a_german_recipe_table() -> None:
    kind, fields = _fields({
        "Rezeptnr.": ["R-1", "R-2"], "Bezeichnung": ["Sorte 1", "Sorte 2"],
        "Zement [kg/m³]": ["540,0", "320,5"], "Wasser [kg/m³]": ["162,0", "170,0"],
    })
    assert kind is DatasetKind.RECIPES
    assert fields["Rezeptnr."] == "recipe_id"
    assert fields["Bezeichnung"] == "name"


def test_a_german_batch_table() -> None:
    kind, fields = _fields({
        "Chargen-Nr.": ["CH-1", "CH-2"], "Rezeptnr.": ["R-1", "R-2"],
        "Mischbeginn": ["02.01.2023 06:00", "02.01.2023 07:53"],
        "Zement [kg/m³]": ["533,9", "543,1"],
    })
    assert kind is DatasetKind.BATCHES
    assert (fields["Chargen-Nr."], fields["Rezeptnr."], fields["Mischbeginn"]) == (
        "batch_id", "recipe_id", "start_time")


@pytest.mark.parametrize(
    ("batch", "age", "strength"),
    [
        ("Batchnummer", "Ouderdom [d]", "Druksterkte [N/mm²]"),
        ("Charge", "Prüfalter [d]", "Druckfestigkeit [N/mm²]"),
        ("N° de gâchée", "Âge d'essai", "Résistance à la compression (MPa)"),
    ],
)
def test_lab_results_in_dutch_german_and_french(batch: str, age: str, strength: str) -> None:
    kind, fields = _fields({batch: ["CH-1", "CH-2"], age: ["28", "7"],
                            strength: ["79,99", "40,3"]})
    assert kind is DatasetKind.LAB_RESULTS
    assert (fields[batch], fields[age], fields[strength]) == (
        "batch_id", "test_age", "property:compressive_strength")


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Rezept", "recipe no"), ("Receptnummer", "recipe no"), ("Chargen-Nr.", "batch no"),
        ("Zeitstempel", "timestamp"), ("Datum", "timestamp"), ("Tijdstip", "timestamp"),
        ("Alter", "test age"), ("Mischbeginn", "production time"),
        ("Cement", "Cement"), ("Batch", "Batch"), ("Age", "Age"),  # English stays as written
    ],
)
def test_foreign_names_read_as_english(header: str, name: str) -> None:
    assert split_header(header).name == name


def test_a_test_age_in_german_days() -> None:
    info = split_header("Druckfestigkeit (28 Tage) [N/mm²]")
    assert (info.name, info.unit, info.test_age_days) == ("compressive strength", "N/mm²", 28.0)


def test_property_codes_are_ascii_and_shared_across_languages() -> None:
    assert {property_code(n) for n in ("Druckfestigkeit", "Druksterkte",
                                       "résistance à la compression",
                                       "Compressive strength")} == {"compressive_strength"}
    assert property_code("Prüfwert") == "pruefwert"
    assert property_code("Biegezugfestigkeit") == "flexural_strength"
