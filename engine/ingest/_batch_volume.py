"""Batch totals: amounts weighed per batch (kg, lb, L) turned into amounts per m³.

Batching controllers export what went into each batch and the batch's volume ("Menge [m³]",
"Volume (yd3)"). Mapped to ``batch_volume``, the volume divides every amount given in a unit
of mass or volume, so a batch of 8 m³ with 2400 kg of cement stores 300 kg/m³. Without it,
concrete amounts in a unit of mass are refused: stored as they are, they would be read as
kg/m³. Recipes and mix tables have no batch volume: their concrete amounts in a unit of mass
or volume (kg, lb, L, m³) are refused (``refuse_per_batch``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.ingest._cells import Cells
from engine.ingest._convert import unit_text
from engine.ingest._mapped import Mapped, name_of
from engine.ingest.headers import split_header
from engine.materials import MaterialKind, guess_kind, material_code
from engine.units import UnitError, canonical_unit, convert_array, display_unit, parse_unit

_NOT_CONCRETE = frozenset({MaterialKind.ELEMENT, MaterialKind.OTHER})
_EXAMPLES = "e.g. 'Menge [m³]', 'Volume (yd3)', 'Batch size [m3]'"


def batch_volumes(cells: Cells, mapped: Mapped) -> np.ndarray | None:
    """Each row's batch volume in m³ (NaN where blank), or None when no column is mapped to
    ``batch_volume`` or its unit is missing or not a volume (an error at the header)."""
    mapping = mapped.one("batch_volume")
    if mapping is None:
        return None
    text = unit_text(cells, mapping)
    header = cells.table.header_row
    if text is None:
        cells.findings.add(header, mapping.source,
                           "the batch volume has no unit: write it in the header "
                           f"({_EXAMPLES}) or set unit = \"m³\" (or \"yd³\") in the profile")
        return None
    values = cells.numbers(mapping.source, "batch volume")
    try:
        volumes = convert_array(values, parse_unit(text), "m**3")
    except UnitError:
        cells.findings.add(header, mapping.source,
                           f"the batch volume is in '{text}', which is not a volume; use m³ "
                           "or yd³")
        return None
    cells.findings.add_rows(volumes <= 0, mapping.source,
                            lambda i: f"batch volume {values[i]:g} {text} must be more than 0")
    return volumes


def per_cubic_metre(cells: Cells, mapped: Mapped, parts: pd.DataFrame) -> pd.DataFrame:
    """Batch amounts (``components_long``) with amounts per batch divided by the batch volume.

    Amounts in a unit of mass (stored as kg) or volume become kg/m³ (or L/m³). Without a
    batch volume column, concrete amounts in a unit of mass are errors at their column.
    """
    units = parts.groupby("material", sort=False)["unit"].first()
    per_batch = {material: unit for material, unit in units.items() if per_batch_unit(unit)}
    if not per_batch:
        return parts
    volume_map = mapped.one("batch_volume")
    if volume_map is None:
        _refuse_masses(cells, mapped, per_batch)
        return parts
    volumes = batch_volumes(cells, mapped)
    if volumes is None:
        return parts
    positions = parts["pos"].to_numpy()
    rows = parts["material"].isin(list(per_batch)).to_numpy()
    cells.findings.add_rows(np.unique(positions[rows & np.isnan(volumes[positions])]),
                            volume_map.source, "no batch volume for this batch's amounts")
    amounts = parts["amount"].to_numpy(dtype=float).copy()
    stored = parts["unit"].astype(object).to_numpy().copy()
    for material, unit in per_batch.items():
        here = (parts["material"] == material).to_numpy()
        per_m3 = parse_unit(unit) / parse_unit("m**3")
        target = canonical_unit(per_m3)
        volume = volumes[positions[here]]
        # a volume of 0 or less is an error already: no amount is made of it
        volume = np.where(volume > 0, volume, np.nan)
        amounts[here] = convert_array(amounts[here] / volume, per_m3, target)
        stored[here] = display_unit(target)
    return parts.assign(amount=amounts, unit=stored)


def per_batch_unit(unit: str) -> bool:
    """A stored unit of mass or volume (an amount per batch, not per m³)."""
    return bool(unit) and _dimension(unit) in (_dimension("kg"), _dimension("m**3"))


def refuse_per_batch(cells: Cells, mapped: Mapped, units: dict[str, str]) -> None:
    """In a recipe or mix table, an error at each concrete component column whose amounts are
    in a unit of mass or volume: such a file has no batch volume to make them per m³.

    Args:
        cells: the table access.
        mapped: the file's mappings.
        units: component column → its stored unit.
    """
    columns = mapped.prefixed("component")
    if all(guess_kind(name_of(m)) in _NOT_CONCRETE for m in columns):
        return  # an alloy's charge in kg, a raw meal: no concrete
    what = "recipe" if str(cells.profile.kind) == "recipes" else "mix"
    for mapping in columns:
        unit = units.get(mapping.source, "")
        if guess_kind(name_of(mapping)) is MaterialKind.ELEMENT or not per_batch_unit(unit):
            continue
        shown = unit_text(cells, mapping, amount=True) or unit
        measure = "mass" if _dimension(unit) == _dimension("kg") else "volume"
        cells.findings.add(
            cells.table.header_row, mapping.source,
            f"amounts in {shown} are a {measure} per batch, but a {what} has no batch volume "
            f"to make them per m³ of concrete: give {what} amounts per m³ (kg/m³, lb/yd³; "
            "admixtures also as L/m³ or a dose: mL/kg, oz/cwt, % of binder)")


def _dimension(unit: str) -> object:
    return parse_unit(unit).dimensionality


def _refuse_masses(cells: Cells, mapped: Mapped, per_batch: dict[str, str]) -> None:
    """Concrete batch amounts in a unit of mass need a batch volume: one error at the first
    such column, naming the others and the file's volume column when it has one."""
    columns = {material_code(name_of(m)): m for m in mapped.prefixed("component")}
    if all(guess_kind(name_of(m)) in _NOT_CONCRETE for m in columns.values()):
        return
    masses = [columns[material] for material, unit in per_batch.items()
              if _dimension(unit) == _dimension("kg")]
    if not masses:
        return
    listed = ", ".join(f"'{m.source}'" for m in masses[:6]) + (" …" if len(masses) > 6 else "")
    volume = _volume_column(cells)
    where = (f"map the column '{volume}' to batch_volume" if volume is not None else
             f"add the batch volume column ({_EXAMPLES}) and map it to batch_volume")
    cells.findings.add(
        cells.table.header_row, masses[0].source,
        f"amounts in {unit_text(cells, masses[0], amount=True)} are per batch ({listed}), "
        f"but concrete amounts are stored per m³: {where}, or give the amounts in kg/m³ "
        "(lb/yd³)",
    )


def _volume_column(cells: Cells) -> str | None:
    """The first column whose header names a unit of volume ("Menge [m³]"), if any."""
    for column in cells.frame.columns:
        unit = cells.table.declared_units.get(column) or split_header(column).unit
        try:
            if unit and _dimension(unit) == _dimension("m**3"):
                return column
        except UnitError:
            continue
    return None
