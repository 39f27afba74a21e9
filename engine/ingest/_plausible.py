"""Plausibility of concrete amounts: weighed batch amounts against their recipe, mix totals.

A batch amount typed in the wrong unit ("0,383" t of cement for 383 kg) is a valid number and
passes every cell check; compared with its recipe it is off by a factor of 1000. Such amounts
are refused; moderate deviations (moisture corrections, weighing scatter) are not.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from engine.errors import Finding, Severity
from engine.ingest.mapping import ImportProfile, split_field
from engine.materials import BINDER_KINDS, MaterialKind, guess_kind, material_code

RATIO_LIMIT = 5.0        # a batch amount more than 5× or less than 1/5 of its recipe's (both
                         # non-zero): refused as a unit slip (10×, 1000×);
ODD_RATIO = 3.0          # from 3× (1/3): a warning, as when one of them is 0
NEGLIGIBLE_KG_M3 = 5.0   # … unless both are below this (admixtures, traces)
TOTAL_KG_M3 = (1000.0, 3500.0)  # what 1 m³ of concrete (binder, water, aggregate) may weigh
_PER_M3 = "kg/m³"
_RULE = (f"a weighed amount more than {RATIO_LIMIT:g}× or less than 1/{RATIO_LIMIT:g} of its "
         f"recipe's (unless both are under {NEGLIGIBLE_KG_M3:g} kg/m³) is refused")
_AGGREGATES = frozenset({MaterialKind.FINE_AGGREGATE, MaterialKind.COARSE_AGGREGATE})
_MAX_LISTED = 20


def component_columns(profile: ImportProfile) -> dict[str, str]:
    """Material code → the source column of its amounts (the first, when two give one)."""
    columns = {}
    for mapping in profile.columns:
        prefix, name = split_field(mapping.field)
        if prefix == "component" and name:
            columns.setdefault(material_code(name), mapping.source)
    return columns


def _slip(ratio: float) -> str:
    """A likely cause for an amount off by ``ratio``."""
    for factor, cause in ((1000.0, "t or g typed for kg, or a decimal point/comma slip"),
                          (100.0, "a decimal slip"), (10.0, "a decimal slip")):
        if factor / 2 <= ratio <= factor * 2 or factor / 2 <= 1 / ratio <= factor * 2:
            return f"off by about {factor:g}×: likely a unit slip ({cause})"
    return "likely a unit slip or a wrong recipe"


def batch_amounts(file: str, profile: ImportProfile, frames: dict[str, pd.DataFrame],
                  recipe_parts: pd.DataFrame, latest: dict[str, int],
                  skip_rows: Collection[int] = ()) -> list[Finding]:
    """Errors for weighed amounts (kg/m³) far off their recipe's amounts.

    Args:
        file: the batch file's name.
        profile: its profile (names the column of each material).
        frames: its frames (``batches`` and ``batch_amounts``).
        recipe_parts: recipe_components of the project and of the import so far.
        latest: the latest version of each recipe (for batches naming none).
        skip_rows: file rows with errors already (a batch volume of 0, a text cell): not
            compared.
    """
    batches, amounts = frames.get("batches"), frames.get("batch_amounts")
    if batches is None or amounts is None or not len(amounts) or not len(recipe_parts):
        return []
    keys = batches[["batch_id", "recipe_id", "recipe_version", "source_row"]]
    keys = keys[~keys["source_row"].isin(list(skip_rows))].copy()
    given = pd.to_numeric(keys["recipe_version"], errors="coerce")
    keys["version"] = given.fillna(keys["recipe_id"].astype(str).map(latest)).astype(float)
    recipe = recipe_parts[["recipe_id", "version", "material", "amount", "unit"]].rename(
        columns={"amount": "recipe_amount", "unit": "recipe_unit"})
    recipe = recipe.assign(recipe_id=recipe["recipe_id"].astype(str),
                           version=recipe["version"].fillna(1).astype(float))
    merged = (amounts[amounts["unit"].astype(str) == _PER_M3]
              .merge(keys.assign(recipe_id=keys["recipe_id"].astype(str)), on="batch_id")
              .merge(recipe[recipe["recipe_unit"].astype(str) == _PER_M3],
                     on=["recipe_id", "version", "material"]))
    weighed = merged["amount"].to_numpy(dtype=float)
    planned = merged["recipe_amount"].to_numpy(dtype=float)
    large = np.fmax(weighed, planned) >= NEGLIGIBLE_KG_M3
    both = (weighed > 0) & (planned > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        off = large & both & ((weighed > RATIO_LIMIT * planned)
                              | (weighed * RATIO_LIMIT < planned))
        odd = large & both & ~off & ((weighed > ODD_RATIO * planned)
                                     | (weighed * ODD_RATIO < planned))
    # one side 0, or off by 3–5×: a material added or left out, a trial mix booked under the
    # old recipe, a silo switch: no unit slip; reported, not refused
    lone = (large & ~both) | odd
    columns = component_columns(profile)
    findings = []
    for record in merged[off].head(_MAX_LISTED).itertuples(index=False):
        ratio = record.amount / record.recipe_amount
        findings.append(Finding(
            file, int(record.source_row), columns.get(record.material),
            f"batch {record.batch_id}: {record.material} {record.amount:.4g} kg/m³ is "
            f"{ratio:.3g}× the {record.recipe_amount:.4g} kg/m³ of its recipe "
            f"{record.recipe_id}, {_slip(ratio)}; {_RULE}: correct the cell (or the recipe)",
        ))
    if off.sum() > _MAX_LISTED:
        findings.append(Finding(file, None, None,
                                f"… and {int(off.sum()) - _MAX_LISTED} more batch amounts far "
                                "off their recipe's"))
    for record in merged[lone].head(_MAX_LISTED).itertuples(index=False):
        findings.append(Finding(
            file, int(record.source_row), columns.get(record.material),
            f"batch {record.batch_id}: {record.material} {record.amount:.4g} kg/m³ where its "
            f"recipe {record.recipe_id} has {record.recipe_amount:.4g} kg/m³: a batch made to "
            "another mix? Give a trial mix its own recipe id", Severity.WARNING))
    return findings


def mix_totals(file: str, frames: dict[str, pd.DataFrame], catalogue: pd.DataFrame,
               skip_rows: Collection[int] = ()) -> list[Finding]:
    """Warnings for whole concrete mixes (binder, water and aggregate given, in kg/m³) of a
    file's recipes and batches whose total is outside ``TOTAL_KG_M3``.

    Args:
        file: the file's name.
        frames: its frames.
        catalogue: the materials (``material``, ``kind``) whose kinds override the guess.
        skip_rows: file rows with errors already: their totals are not checked.
    """
    kinds = {str(m): str(k) for m, k in zip(catalogue["material"], catalogue["kind"],
                                             strict=True) if isinstance(k, str)}
    findings: list[Finding] = []
    for owners, parts, key in (("recipes", "recipe_components", "recipe_id"),
                               ("batches", "batch_amounts", "batch_id")):
        if frames.get(owners) is not None and frames.get(parts) is not None:
            owned = frames[owners]
            if "source_row" in owned:
                owned = owned[~owned["source_row"].isin(list(skip_rows))]
            findings += _totals(file, frames[parts], owned, key, kinds)
    return findings


def _totals(file: str, parts: pd.DataFrame, owners: pd.DataFrame, key: str,
            kinds: dict[str, str]) -> list[Finding]:
    if "source_row" not in owners:
        return []
    parts = parts[(parts["unit"].astype(str) == _PER_M3)
                  & parts[key].astype(str).isin(owners[key].astype(str))]
    if not len(parts):
        return []
    kind = parts["material"].astype(str).map(lambda m: kinds.get(m) or str(guess_kind(m)))
    group = parts[key].astype(str).to_numpy()
    total = parts["amount"].groupby(group).sum()
    whole = pd.Series(True, index=total.index)
    for members in (BINDER_KINDS, {MaterialKind.WATER}, _AGGREGATES):
        whole &= kind.isin([str(k) for k in members]).groupby(group).any()
    low, high = TOTAL_KG_M3
    odd = total[whole & ((total < low) | (total > high))]
    rows = dict(zip(owners[key].astype(str), owners["source_row"], strict=False))
    what = key.split("_")[0]
    findings = [Finding(
        file, int(rows[owner]) if owner in rows else None, None,
        f"{what} {owner}: its amounts total {value:.0f} kg/m³, but 1 m³ of concrete weighs "
        f"{low:.0f}–{high:.0f} kg; check for a missing or misread component or a unit slip",
        Severity.WARNING) for owner, value in odd.head(_MAX_LISTED).items()]
    if len(odd) > _MAX_LISTED:
        findings.append(Finding(file, None, None,
                                f"… and {len(odd) - _MAX_LISTED} more {what}s whose amounts "
                                f"total outside {low:.0f}–{high:.0f} kg/m³", Severity.WARNING))
    return findings
