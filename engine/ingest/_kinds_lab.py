"""Lab results: long (id, property, test age, value, unit, replicate) or wide (a column per
property)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.ingest import _frames
from engine.ingest._cells import Cells
from engine.ingest._convert import (
    constant_units,
    convert_by_unit_column,
    convert_column,
    unit_text,
)
from engine.ingest._mapped import Mapped, name_of
from engine.ingest._parts import duplicates
from engine.ingest.headers import property_code
from engine.ingest.mapping import ColumnMapping

Frames = dict[str, pd.DataFrame]


def test_ages(cells: Cells, mapped: Mapped) -> np.ndarray:
    """Test ages in days per row (NaN when unknown); ages ≤ 0 are errors."""
    mapping = mapped.one("test_age")
    default = cells.profile.defaults.test_age_days
    if mapping is None:
        return np.full(cells.n, np.nan if default is None else float(default))
    values = cells.numbers(mapping.source, "test age")
    converted = convert_column(cells, values, mapping, field="test_age", default="day")
    if converted is None:
        return np.full(cells.n, np.nan)
    ages = converted[0]
    cells.findings.add_rows(ages <= 0, mapping.source,
                            lambda i: f"test age {values[i]:g} must be more than 0")
    ages = np.where(ages > 0, ages, np.nan)
    if default is not None:
        ages = np.where(np.isnan(ages), float(default), ages)
    return ages


def replicates(batch: np.ndarray, prop: np.ndarray, age: np.ndarray) -> np.ndarray:
    """1, 2, … within each (batch, property, age) in file order."""
    keys = pd.DataFrame({"b": batch, "p": prop, "a": age})
    return keys.groupby(["b", "p", "a"], dropna=False, sort=False).cumcount().to_numpy() + 1


def lab_results(cells: Cells, mapped: Mapped) -> Frames:
    """Lab results keyed by batch (or sample) id."""
    id_map = mapped.one("batch_id") or mapped.one("sample_id")
    if id_map is None:
        mapped.require("batch_id", "lab results (or map sample_id)")
        return {}
    ids = cells.required_text(id_map.source, "batch or sample id").astype(object).to_numpy()
    ages = test_ages(cells, mapped)
    wide = mapped.prefixed("property")
    if mapped.one("property") is None and mapped.one("value") is None and wide:
        long = wide_results(cells, wide)
    else:
        long = _long(cells, mapped)
    if long is None:
        return {}
    pos = long["pos"].to_numpy()
    valid = ~pd.isna(ids[pos]) & ~np.isnan(long["value"].to_numpy())
    long, pos = long[valid], pos[valid]
    age = np.where(np.isnan(long["age"].to_numpy()), ages[pos], long["age"].to_numpy())
    replicate = long["replicate"].to_numpy()
    if np.isnan(replicate).all():
        replicate = replicates(ids[pos], long["property"].to_numpy(), age)
    else:
        replicate_map = mapped.one("replicate")
        source = replicate_map.source if replicate_map is not None else "replicate"
        keys = pd.DataFrame({"id": ids[pos], "property": long["property"].to_numpy(),
                             "age": age, "replicate": replicate})
        duplicates(cells, keys, pos, source, "result id/property/age/replicate")
        replicate = np.where(np.isnan(replicate), 1, replicate)
    return {"lab_results": _frames.build("lab_results", {
        "batch_id": ids[pos], "property": long["property"].to_numpy(),
        "test_age_days": age, "value": long["value"].to_numpy(),
        "unit": long["unit"].to_numpy(), "replicate": replicate.astype(np.int64),
        "source_row": cells.table.row_numbers[pos],
    })}


def _long(cells: Cells, mapped: Mapped) -> pd.DataFrame | None:
    prop_map = mapped.require("property", "lab results (long form)")
    value_map = mapped.require("value", "lab results (long form)")
    if prop_map is None or value_map is None:
        return None
    names = cells.required_text(prop_map.source, "property")
    codes = names.map({n: property_code(n) for n in pd.unique(names.dropna())},
                      na_action="ignore")
    values = cells.numbers(value_map.source, "value", required=True)
    unit_map = mapped.one("unit")
    if unit_map is not None:
        values, units = convert_by_unit_column(
            cells, values, cells.text(unit_map.source), unit_map.source,
            unit_text(cells, value_map, amount=True))
    else:
        converted = convert_column(cells, values, value_map, amount=True)
        values, unit = converted if converted is not None else (np.full(cells.n, np.nan), "")
        units = constant_units(unit, cells.n)
    replicate = np.full(cells.n, np.nan)
    replicate_map = mapped.one("replicate")
    if replicate_map is not None:
        replicate = cells.integers(replicate_map.source, "replicate")
        cells.findings.add_rows(replicate < 1, replicate_map.source,
                                "replicate must be 1 or more")
    keep = np.flatnonzero(codes.notna().to_numpy())
    return pd.DataFrame({
        "pos": keep, "property": codes.to_numpy(dtype=object)[keep], "value": values[keep],
        "unit": np.asarray(units[keep], dtype=object), "age": np.nan,
        "replicate": replicate[keep],
    })


def wide_results(cells: Cells, mappings: list[ColumnMapping]) -> pd.DataFrame:
    """Wide property columns as long rows: pos, property, value, unit, age, replicate."""
    parts = []
    for mapping in mappings:
        values = cells.numbers(mapping.source, "value")
        converted = convert_column(cells, values, mapping)
        if converted is None:
            continue
        values, unit = converted
        present = np.flatnonzero(~np.isnan(values))
        age = np.nan if mapping.test_age_days is None else float(mapping.test_age_days)
        parts.append(pd.DataFrame({
            "pos": present, "property": property_code(name_of(mapping)),
            "value": values[present], "unit": unit, "age": age, "replicate": np.nan,
        }))
    if not parts:
        return pd.DataFrame({"pos": pd.Series(dtype=np.int64), "property": [], "value": [],
                             "unit": [], "age": [], "replicate": []})
    return pd.concat(parts, ignore_index=True)
