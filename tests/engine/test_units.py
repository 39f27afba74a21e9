"""engine.units: one registry, parsing as users write units, canonical units, conversions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.units import (
    UnitError,
    at_to_wt_percent,
    canonical_unit,
    convert_array,
    display_unit,
    parse_unit,
    registry,
    wt_to_at_percent,
)


def test_one_registry_for_the_app() -> None:
    assert registry() is registry()
    assert parse_unit("kg").dimensionality == registry().kilogram.dimensionality


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("kg/m3", "kg/m³"), ("kg/m^3", "kg/m³"), ("kg/m³", "kg/m³"), ("lb/yd3", "lb/yd³"),
        ("lb/yd³", "lb/yd³"), ("pcy", "pcy"), ("psi", "psi"), ("ksi", "ksi"), ("MPa", "MPa"),
        ("Mpa", "MPa"), ("°F", "°F"), ("degF", "°F"), ("°C", "°C"), ("in", "in"),
        ("kWh", "kWh"), ("rpm", "rpm"), ("oz/cwt", "oz/cwt"), ("fl oz/cwt", "oz/cwt"),
        ("wt%", "wt%"), ("wt.%", "wt%"), ("at%", "at%"), ("at %", "at%"), ("%", "%"),
        ("day", "d"), ("cm", "cm"), ("tCO2", "tCO2"),
    ],
)
def test_units_as_plant_files_write_them(text: str, shown: str) -> None:
    assert display_unit(parse_unit(text)) == shown


@pytest.mark.parametrize("text", ["MPaa", "bananas", "kg in a box", "°X"])
def test_unknown_units_raise_a_clear_error(text: str) -> None:
    with pytest.raises(UnitError, match=f"unknown unit '{text}'"):
        parse_unit(text)


def test_empty_unit_is_dimensionless() -> None:
    assert parse_unit("") == registry().dimensionless
    assert display_unit("") == ""


@pytest.mark.parametrize(
    ("unit", "field", "canonical"),
    [
        ("lb/yd3", None, "kg/m³"), ("g/cm3", None, "kg/m³"), ("psi", None, "MPa"),
        ("bar", None, "MPa"), ("degF", None, "°C"), ("K", None, "°C"), ("in", None, "mm"),
        ("m", None, "mm"), ("min", None, "h"), ("day", None, "h"), ("day", "test_age", "d"),
        ("h", "test_age", "d"), ("oz/cwt", None, "mL/kg"), ("lb", None, "kg"),
        ("t", None, "kg"), ("%", None, "%"), ("wt%", None, "wt%"), ("at%", None, "at%"),
        ("MJ", None, "kWh"), ("W", None, "kW"), ("Hz", None, "rpm"), ("1/min", None, "rpm"),
        ("mm/s", None, "mm/s"),
    ],
)
def test_canonical_units(unit: str, field: str | None, canonical: str) -> None:
    assert display_unit(canonical_unit(unit, field)) == canonical


def test_stored_form_round_trips() -> None:
    for text in ["kg/m³", "MPa", "°C", "mm", "h", "d", "mL/kg", "kg", "%", "wt%", "at%",
                 "kWh", "kW", "rpm", "lb/yd³", "oz/cwt"]:
        assert display_unit(parse_unit(text)) == text


def test_us_units_convert_to_hand_computed_values() -> None:
    assert convert_array(np.array([1.0]), "psi", "MPa")[0] == pytest.approx(0.00689476, rel=1e-6)
    assert convert_array(np.array([1.0]), "lb/yd3", "kg/m3")[0] == pytest.approx(0.593276,
                                                                                rel=1e-6)
    assert convert_array(np.array([212.0, 32.0]), "°F", "°C") == pytest.approx([100.0, 0.0])
    assert convert_array(np.array([1.0]), "in", "mm")[0] == pytest.approx(25.4)
    assert convert_array(np.array([1.0]), "oz/cwt", "mL/kg")[0] == pytest.approx(0.652,
                                                                                abs=5e-4)
    assert convert_array(np.array([1.0]), "Hz", "rpm")[0] == pytest.approx(60.0)


def test_convert_array_is_vectorised_and_keeps_nan() -> None:
    values = np.array([32.0, np.nan, 212.0] * 100_000)
    out = convert_array(values, "degF", "degC")
    assert out.shape == values.shape
    assert np.isnan(out[1]) and out[2] == pytest.approx(100.0)


def test_incompatible_units_raise() -> None:
    with pytest.raises(UnitError, match="cannot convert"):
        convert_array(np.array([1.0]), "MPa", "kg")
    with pytest.raises(UnitError):  # needs the whole composition: wt_to_at_percent
        convert_array(np.array([1.0]), "wt%", "at%")


def test_wt_to_at_percent_round_trips() -> None:
    wt = pd.DataFrame({"Fe": [70.0, 99.2], "Cr": [18.0, 0.0], "Ni": [12.0, 0.0],
                       "C": [0.0, 0.8]})
    at = wt_to_at_percent(wt)
    assert at.sum(axis=1).to_numpy() == pytest.approx([100.0, 100.0])
    # Fe-0.8C: carbon is light, so its atomic share is much larger than its weight share.
    assert at.loc[1, "C"] == pytest.approx((0.8 / 12.011) / (0.8 / 12.011 + 99.2 / 55.845) * 100)
    back = at_to_wt_percent(at)
    assert back.to_numpy() == pytest.approx(wt.to_numpy())


def test_non_elements_are_refused_in_composition_conversions() -> None:
    with pytest.raises(UnitError, match="not a chemical element"):
        wt_to_at_percent(pd.DataFrame({"cement": [1.0]}))


def test_a_fluid_ounce_written_apart_and_a_figure_per_unit_read_as_meant() -> None:
    # pint alone reads "fl oz" as femtolitre × ounce and "unit" as micro-nit
    assert parse_unit("fl oz/yd3") == parse_unit("floz/yd3")
    assert parse_unit("fl oz/cwt") == parse_unit("oz/cwt")
    assert parse_unit("kg per unit") == parse_unit("kg")
    assert parse_unit("kg/unit") == parse_unit("kg")
