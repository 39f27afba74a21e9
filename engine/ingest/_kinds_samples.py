"""Flat sample tables: each row a mix (components, settings), a test age and its results.

Rows with the same composition and settings are one recipe; without a recipe_id column the
recipe is named ``mix-<first 10 hex digits of the SHA-1 of the composition key>``, where the
key lists ``material=amount unit`` (canonical units, ``%.10g``, zero and blank amounts left
out, sorted by material) and then ``@setting=value unit``, joined by ";". Without a batch_id
column all rows of a recipe form one synthetic batch whose id is the recipe id; its results
at several ages (and repeated rows as replicates) all belong to that batch.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from engine.ingest import _frames
from engine.ingest._cells import Cells
from engine.ingest._kinds_catalogue import optional_text, versions
from engine.ingest._kinds_lab import replicates, test_ages, wide_results
from engine.ingest._mapped import Mapped
from engine.ingest._parts import components_long, settings_long

Frames = dict[str, pd.DataFrame]


def composition_key(parts: pd.DataFrame, settings: pd.DataFrame) -> str:
    """The text hashed into a recipe id, for one row's components and settings."""
    items = sorted(
        f"{m}={a:.10g}{u}" for m, a, u in parts[["material", "amount", "unit"]].itertuples(
            index=False) if a != 0 and not np.isnan(a)
    )
    for s, num, text, u in settings[["setting", "value_num", "value_text", "unit"]].itertuples(
            index=False):
        value = text if text is not None and not (isinstance(text, float)) else f"{num:.10g}"
        items.append(f"@{s}={value}{u}")
    return ";".join(items)


def recipe_hash(key: str) -> str:
    """``mix-`` and the first 10 hex digits of the key's SHA-1."""
    return "mix-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


def _identity_groups(cells: Cells, parts: pd.DataFrame, settings: pd.DataFrame) -> np.ndarray:
    """A group number per row: equal numbers = same composition and settings."""
    amounts = parts[parts["amount"] != 0]
    wide = amounts.pivot_table(index="pos", columns=["material", "unit"], values="amount",
                               aggfunc="first")
    ident = pd.DataFrame(index=pd.RangeIndex(cells.n))
    ident = ident.join(wide.set_axis([f"c:{m}:{u}" for m, u in wide.columns], axis=1))
    if len(settings):
        values = settings.assign(v=settings["value_text"].where(
            settings["value_text"].notna(), settings["value_num"].map("{:.10g}".format)))
        swide = values.pivot_table(index="pos", columns=["setting", "unit"], values="v",
                                   aggfunc="first")
        ident = ident.join(swide.set_axis([f"s:{m}:{u}" for m, u in swide.columns], axis=1))
    if ident.shape[1] == 0:
        return np.zeros(cells.n, dtype=np.int64)
    return ident.groupby(list(ident.columns), dropna=False, sort=False).ngroup().to_numpy()


def _consistent(cells: Cells, owner: np.ndarray, group: np.ndarray, source: str,
                what: str) -> None:
    """Rows sharing ``owner`` (a recipe or batch id) must share the composition group."""
    frame = pd.DataFrame({"owner": owner, "group": group})
    first_group = frame.groupby("owner", sort=False)["group"].transform("first").to_numpy()
    first_pos = frame.reset_index().groupby("owner", sort=False)["index"].transform(
        "first").to_numpy()
    differs = ~pd.isna(owner) & (first_group != group)
    rows = cells.table.row_numbers
    cells.findings.add_rows(
        differs, source,
        lambda i: f"{what} '{owner[i]}' has another composition or settings than at row "
        f"{rows[int(first_pos[i])]}",
    )


def samples(cells: Cells, mapped: Mapped) -> Frames:
    """Recipes, synthetic batches and lab results from a flat table of mixes and results."""
    if not mapped.require_any("component", "samples"):
        return {}
    parts = components_long(cells, mapped)
    settings = settings_long(cells, mapped)
    group = _identity_groups(cells, parts, settings)
    empty_rows = np.ones(cells.n, dtype=bool)
    empty_rows[parts.loc[parts["amount"].notna(), "pos"].to_numpy()] = False
    cells.findings.add_rows(empty_rows, mapped.prefixed("component")[0].source,
                            "no component amounts in this row")
    recipe_map = mapped.one("recipe_id")
    if recipe_map is not None:
        recipe_ids = cells.required_text(recipe_map.source, "recipe id").astype(
            object).to_numpy()
        _consistent(cells, recipe_ids, group, recipe_map.source, "recipe")
    else:
        first_of_group = pd.Series(np.arange(cells.n)).groupby(group).transform("min")
        names: dict[int, str] = {}
        by_pos_parts = parts.groupby("pos")
        by_pos_settings = settings.groupby("pos")
        empty_settings = settings.iloc[:0]
        for position in np.unique(first_of_group.to_numpy()):
            row_parts = (by_pos_parts.get_group(position) if position in by_pos_parts.groups
                         else parts.iloc[:0])
            row_settings = (by_pos_settings.get_group(position)
                            if position in by_pos_settings.groups else empty_settings)
            names[int(position)] = recipe_hash(composition_key(row_parts, row_settings))
        recipe_ids = first_of_group.map(names).to_numpy(dtype=object)
    version = versions(cells, mapped, cells.profile.defaults.version)
    batch_map = mapped.one("batch_id")
    if batch_map is not None:
        batch_ids = cells.required_text(batch_map.source, "batch id").astype(object).to_numpy()
        _consistent(cells, batch_ids, group, batch_map.source, "batch")
    else:
        batch_ids = recipe_ids
    valid = ~pd.isna(recipe_ids) & ~pd.isna(batch_ids) & ~empty_rows
    keys = pd.DataFrame({"recipe": recipe_ids, "version": version})
    first_recipe_row = valid & ~keys.duplicated().to_numpy() & ~pd.isna(recipe_ids)
    first_recipe_row &= valid
    first_batch_row = valid & ~pd.Series(batch_ids).duplicated().to_numpy()
    frames = _recipe_frames(cells, mapped, recipe_ids, version, first_recipe_row, parts,
                            settings)
    keep = np.flatnonzero(first_batch_row)
    frames["batches"] = _frames.build("batches", {
        "batch_id": batch_ids[keep], "recipe_id": recipe_ids[keep],
        "recipe_version": version[keep],
        "plant": optional_text(cells, mapped, "plant")[keep],
        "line": optional_text(cells, mapped, "line")[keep],
        "source_row": cells.table.row_numbers[keep],
    })
    frames["lab_results"] = _results(cells, mapped, batch_ids, valid)
    return frames


def _recipe_frames(cells: Cells, mapped: Mapped, recipe_ids: np.ndarray, version: np.ndarray,
                   first: np.ndarray, parts: pd.DataFrame, settings: pd.DataFrame) -> Frames:
    keep = np.flatnonzero(first)
    parts = parts[first[parts["pos"].to_numpy()]]
    settings = settings[first[settings["pos"].to_numpy()]]
    return {
        "recipes": _frames.build("recipes", {
            "recipe_id": recipe_ids[keep], "version": version[keep],
            "name": optional_text(cells, mapped, "name")[keep],
            "family": optional_text(cells, mapped, "family")[keep],
            "source_row": cells.table.row_numbers[keep],
        }),
        "recipe_components": _frames.build("recipe_components", {
            "recipe_id": recipe_ids[parts["pos"]], "version": version[parts["pos"]],
            "material": parts["material"], "amount": parts["amount"], "unit": parts["unit"],
        }),
        "recipe_settings": _frames.build("recipe_settings", {
            "recipe_id": recipe_ids[settings["pos"]], "version": version[settings["pos"]],
            "setting": settings["setting"], "value_num": settings["value_num"],
            "value_text": settings["value_text"], "unit": settings["unit"],
        }),
    }


def _results(cells: Cells, mapped: Mapped, batch_ids: np.ndarray,
             valid: np.ndarray) -> pd.DataFrame:
    ages = test_ages(cells, mapped)
    long = wide_results(cells, mapped.prefixed("property"))
    pos = long["pos"].to_numpy()
    long, pos = long[valid[pos]], pos[valid[pos]]
    age = np.where(np.isnan(long["age"].to_numpy()), ages[pos], long["age"].to_numpy())
    prop = long["property"].to_numpy()
    return _frames.build("lab_results", {
        "batch_id": batch_ids[pos], "property": prop, "test_age_days": age,
        "value": long["value"].to_numpy(), "unit": long["unit"].to_numpy(),
        "replicate": replicates(batch_ids[pos], prop, age),
        "source_row": cells.table.row_numbers[pos],
    })
