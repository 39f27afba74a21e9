"""Admixture doses turned into kg per m³ of concrete, the unit every concrete amount is stored in.

Plants give admixture doses per mass of cementitious material — US plants in fl oz per
hundredweight (oz/cwt), European ones in mL/kg, mL/100 kg or % of binder — or per volume of
concrete (L/m³). One rule makes them kg/m³, at import (recipes and batches) and in ``predict``
input:

* per binder mass, as a volume (oz/cwt, mL/kg): dose × the row's cementitious content
  (its cement and SCM amounts in kg/m³, by material kind) × the admixture's density;
* per binder mass, as a mass (% of binder, g/kg; admixtures only): dose × cementitious content;
* per concrete volume (L/m³, a batch's L per m³): dose × density.

The density is the catalogue's (the project's, or a catalogue imported with the file); without
one, the typical density of the material's kind, for an admixture
:data:`ADMIXTURE_DENSITY_KG_M3` (1.07 kg/L). Formix writes that typical density into the
catalogue for a material it adds or a blank density, so a catalogue density equal to the
kind's typical one counts as that default (:class:`Density`). A row whose cementitious content
is unknown (no cement or SCM amount in kg/m³, or 0) cannot be converted. A bare "oz" on an
admixture is read as a US fluid ounce (``engine.units.fluid_ounces``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import numpy as np
import pandas as pd

from engine.errors import Finding, Severity
from engine.materials import BINDER_KINDS, DEFAULT_DENSITY_KG_M3, MaterialKind, guess_kind
from engine.units import UnitError, convert_array, fluid_ounces, parse_unit, registry

__all__ = ["ADMIXTURE_DENSITY_KG_M3", "Basis", "Density", "DoseConversion", "convert_doses",
           "dose_basis", "doses_to_kg_m3", "import_doses", "material_facts"]

ADMIXTURE_DENSITY_KG_M3 = DEFAULT_DENSITY_KG_M3[MaterialKind.ADMIXTURE]
"""Density used for an admixture the catalogue gives none for: 1070 kg/m³ (1.07 kg/L), typical
of admixture solutions (1.03–1.10 kg/L)."""

STORED_UNIT = "kg/m³"
_NOT_CONCRETE = frozenset({MaterialKind.ELEMENT})


class Basis(StrEnum):
    """What a dose is relative to."""

    BINDER_VOLUME = "binder_volume"  # volume of admixture per binder mass (oz/cwt, mL/kg)
    BINDER_MASS = "binder_mass"  # mass of admixture per binder mass (% of binder, g/kg)
    CONCRETE_VOLUME = "concrete_volume"  # volume of admixture per concrete volume (L/m³)


def dose_basis(unit: str | None, kind: MaterialKind) -> Basis | None:
    """How an amount stored in ``unit`` is a dose, or None when it is not one (kg/m³, wt %).

    A plain % (or g/kg) is a share of the binder mass for admixtures only; for other
    materials it stays what it is (a share of a raw meal, wt % of an alloy).
    """
    if not unit or kind in _NOT_CONCRETE:
        return None
    try:
        parsed = parse_unit(unit)
    except UnitError:
        return None
    ureg = registry()
    if parsed.dimensionality == ureg.parse_units("mL/kg").dimensionality:
        return Basis.BINDER_VOLUME
    if parsed.dimensionality != ureg.dimensionless.dimensionality:
        return None
    volume = ureg.parse_units("L").dimensionality
    # pint keeps a unit's factors (name → power); the numerator says what the dose measures
    numerator = [name for name, power in parsed._units.items()
                 if isinstance(power, int | float) and power > 0]
    if any(ureg.parse_units(name).dimensionality == volume for name in numerator):
        return Basis.CONCRETE_VOLUME
    return Basis.BINDER_MASS if kind is MaterialKind.ADMIXTURE else None


class Density(NamedTuple):
    """The density a dose is converted with, and where it comes from."""

    kg_m3: float
    given: bool  # the catalogue's own figure; False: the typical density of the kind


def _density(kind: MaterialKind, catalogue_kg_m3: float) -> Density:
    """A material's density: the catalogue's, unless it is blank or the typical density of the
    kind (which Formix fills in for a blank one), else that typical density."""
    typical = DEFAULT_DENSITY_KG_M3.get(kind, ADMIXTURE_DENSITY_KG_M3)
    given = bool(np.isfinite(catalogue_kg_m3) and catalogue_kg_m3 > 0
                 and catalogue_kg_m3 != DEFAULT_DENSITY_KG_M3.get(kind))
    return Density(catalogue_kg_m3 if given else typical, given)


def material_facts(catalogue: pd.DataFrame | None, codes: Sequence[str],
                   ) -> tuple[dict[str, MaterialKind], dict[str, Density]]:
    """Kind and density of each material code: the catalogue's kind, else the one guessed
    from the code; the density as :func:`_density` chooses it."""
    kinds: dict[str, MaterialKind] = {}
    densities: dict[str, Density] = {}
    rows = {} if catalogue is None or catalogue.empty else {
        str(r.material): r for r in catalogue.itertuples(index=False)}
    for code in codes:
        row = rows.get(str(code))
        kind = getattr(row, "kind", None)
        try:
            kinds[code] = MaterialKind(str(kind)) if kind and pd.notna(kind) else guess_kind(code)
        except ValueError:
            kinds[code] = guess_kind(code)
        density = pd.to_numeric(getattr(row, "density_kg_m3", None), errors="coerce")
        densities[code] = _density(kinds[code], float(density) if pd.notna(density)
                                   else float("nan"))
    return kinds, densities


@dataclass(frozen=True)
class DoseConversion:
    """Amounts with every dose in kg/m³, and what was converted.

    Attributes:
        amounts: the long frame with ``amount`` and ``unit`` replaced on the dose rows.
        no_binder: per row, a non-zero dose whose row has no cementitious content in kg/m³
            (its amount is NaN).
        binder_elsewhere: per row, True where the row's cement or SCM amounts are given,
            but not in kg/m³ (kg per batch, %).
        converted: material → (stored unit, basis, density used) for each material
            converted.
    """

    amounts: pd.DataFrame
    no_binder: np.ndarray
    binder_elsewhere: np.ndarray
    converted: dict[str, tuple[str, Basis, Density]]


def doses_to_kg_m3(amounts: pd.DataFrame, key: Sequence[str], kinds: Mapping[str, MaterialKind],
                   densities: Mapping[str, Density]) -> DoseConversion:
    """Convert the doses of a long amounts frame (columns ``key``, material, amount, unit).

    Args:
        amounts: one row per (mix, material); a mix is identified by the ``key`` columns.
        key: the columns naming a mix (``recipe_id, version`` or ``batch_id``).
        kinds: kind of every material.
        densities: density of every material (:func:`material_facts`); a material missing
            gets the typical density of its kind.
    """
    materials = amounts["material"].astype(str).to_numpy()
    units = amounts["unit"].astype(object).where(amounts["unit"].notna(), "").astype(str)
    units = units.to_numpy()
    basis = np.full(len(amounts), None, dtype=object)
    pairs = pd.unique(pd.Series(list(zip(materials, units, strict=True)), dtype=object))
    for material, unit in pairs:
        found = dose_basis(unit, kinds.get(material, guess_kind(material)))
        if found is not None:
            basis[(materials == material) & (units == unit)] = found
    is_dose = basis != None  # noqa: E711 (element-wise)
    if not is_dose.any():
        none = np.zeros(len(amounts), dtype=bool)
        return DoseConversion(amounts, none, none, {})
    values = pd.to_numeric(amounts["amount"], errors="coerce").to_numpy(dtype=float)
    binder_kind = np.array([kinds.get(m, guess_kind(m)) in BINDER_KINDS for m in materials])
    per_m3 = units == STORED_UNIT
    group = amounts.groupby(list(key), sort=False, dropna=False).ngroup().to_numpy()
    binder_of = pd.Series(np.where(binder_kind & per_m3, np.nan_to_num(values), 0.0)).groupby(
        group).sum()
    binder = binder_of.reindex(group).to_numpy()
    elsewhere_of = pd.Series(binder_kind & ~per_m3 & (np.nan_to_num(values) > 0)).groupby(
        group).any()
    elsewhere = elsewhere_of.reindex(group).to_numpy(dtype=bool)
    out = values.copy()
    converted: dict[str, tuple[str, Basis, Density]] = {}
    for material, unit in pairs:
        rows = (materials == material) & (units == unit) & is_dose
        if not rows.any():
            continue
        kind = kinds.get(material, guess_kind(material))
        facts = densities.get(material) or _density(kind, float("nan"))
        density = facts.kg_m3
        found = basis[rows][0]
        if found is Basis.BINDER_VOLUME:
            out[rows] = convert_array(values[rows], unit, "m**3/kg") * density * binder[rows]
        elif found is Basis.BINDER_MASS:
            out[rows] = convert_array(values[rows], unit, "dimensionless") * binder[rows]
        else:
            out[rows] = convert_array(values[rows], unit, "dimensionless") * density
        converted[material] = (unit, found, facts)
    needs_binder = is_dose & (basis != Basis.CONCRETE_VOLUME)
    no_binder = needs_binder & ~(binder > 0) & (np.nan_to_num(values) != 0)
    out[needs_binder & (np.nan_to_num(values) == 0)] = 0.0
    out[no_binder] = np.nan
    new_units = np.where(is_dose, STORED_UNIT, units).astype(object)
    frame = amounts.assign(amount=out, unit=new_units)
    return DoseConversion(frame, no_binder, no_binder & elsewhere, converted)


def convert_doses(frames: dict[str, pd.DataFrame], catalogue: pd.DataFrame | None,
                  ) -> dict[str, DoseConversion]:
    """Convert the doses of ``recipe_components`` and ``batch_amounts`` in ``frames`` (in
    place); returns each converted frame's :class:`DoseConversion` by frame name."""
    done: dict[str, DoseConversion] = {}
    for name, key in (("recipe_components", ("recipe_id", "version")),
                      ("batch_amounts", ("batch_id",))):
        frame = frames.get(name)
        if frame is None or frame.empty:
            continue
        codes = list(pd.unique(frame["material"].astype(str)))
        kinds, densities = material_facts(catalogue, codes)
        keyed = frame.assign(version=frame["version"].fillna(1)) if "version" in key else frame
        result = doses_to_kg_m3(keyed, key, kinds, densities)
        if result.converted:
            frames[name] = result.amounts.assign(**{k: frame[k] for k in key})
            done[name] = result
    return done


def import_doses(frames: dict[str, pd.DataFrame], catalogue: pd.DataFrame | None, file: str,
                 columns: Mapping[str, str], units: Mapping[str, str] | None = None,
                 skip_rows: Collection[int] = ()) -> list[Finding]:
    """Convert an imported file's doses to kg/m³ (in place) and say so.

    Args:
        frames: the file's canonical frames (``recipes``/``batches`` give the source rows).
        catalogue: the materials the project and this import know (kinds, densities).
        file: the file name for findings.
        columns: material code → the file's column giving it.
        units: material code → its unit as the file or profile writes it ("oz/yd3").
        skip_rows: file rows with errors already: no dose error is added to them.

    Returns:
        An error per row whose dose needs a cementitious content the row does not give, and
        a warning per converted column stating the rule and the density used.
    """
    findings: list[Finding] = []
    units = units or {}
    for name, result in convert_doses(frames, catalogue).items():
        frame = frames[name]
        rows = _source_rows(frames, name, frame)
        for position in [p for p in np.flatnonzero(result.no_binder)
                         if rows[p] not in skip_rows][:50]:
            material = str(frame["material"].iloc[position])
            lacking = ("gives its cement or SCM amounts in another unit than kg/m³: give them "
                       "per m³ (kg/m³, lb/yd³)" if result.binder_elsewhere[position] else
                       "gives no cement or SCM amount to take it of: give the row's cement, "
                       "slag, fly ash … amounts")
            findings.append(Finding(
                file, rows[position], columns.get(material, material),
                f"the {material} dose is per mass of cementitious material, but this row "
                f"{lacking}, or the dose in kg/m³ (lb/yd³)"))
        for material, (_unit, basis, density) in result.converted.items():
            kind = material_facts(catalogue, [material])[0][material]
            rule = {Basis.BINDER_VOLUME: "dose × the row's cementitious content × "
                                         + _density_text(density, kind),
                    Basis.BINDER_MASS: "dose × the row's cementitious content",
                    Basis.CONCRETE_VOLUME: "dose × " + _density_text(density, kind)}[basis]
            written = units.get(material, "")
            ounces = ("; its 'oz' is read as US fluid ounces (fl oz), as US plants dose "
                      "admixtures; give a mass dose in g or lb"
                      if basis is not Basis.BINDER_MASS and written and fluid_ounces(written)
                      else "")
            findings.append(Finding(
                file, None, columns.get(material, material),
                f"{material} is a dose {_PER[basis]}: stored in kg/m³ of concrete as {rule}"
                f"{ounces}", Severity.WARNING))
    return findings


def _density_text(density: Density, kind: MaterialKind) -> str:
    """The density a warning names, and where it comes from."""
    figure = f"{density.kg_m3 / 1000:.4g} kg/L"
    if density.given:
        return f"the catalogue's density {figure}"
    what = ("an admixture solution" if kind is MaterialKind.ADMIXTURE
            else "its kind (" + kind.value.replace("_", " ") + ")")
    return (f"a default density {figure}, typical of {what} (set the material's own density in "
            "the materials catalogue)")


_PER = {Basis.BINDER_VOLUME: "per mass of cementitious material",
        Basis.BINDER_MASS: "per mass of cementitious material",
        Basis.CONCRETE_VOLUME: "per volume of concrete"}


def _source_rows(frames: Mapping[str, pd.DataFrame], name: str, frame: pd.DataFrame,
                 ) -> list[int | None]:
    """The file row of each amount, from its recipe's or batch's ``source_row``."""
    owner, key = ("recipes", ["recipe_id", "version"]) if name == "recipe_components" \
        else ("batches", ["batch_id"])
    parent = frames.get(owner)
    if parent is None or parent.empty or "source_row" not in parent:
        return [None] * len(frame)
    left = frame[key].copy()
    right = parent[[*key, "source_row"]].drop_duplicates(subset=key)
    if "version" in key:
        left["version"] = pd.to_numeric(left["version"], errors="coerce").fillna(1)
        right = right.assign(version=pd.to_numeric(right["version"], errors="coerce").fillna(1))
    found = left.merge(right, on=key, how="left")["source_row"]
    return [None if pd.isna(v) else int(v) for v in found]
