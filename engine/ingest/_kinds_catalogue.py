"""Materials catalogues, recipes and batches (one row per material, recipe or batch)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.ingest import _frames
from engine.ingest._batch_volume import per_cubic_metre
from engine.ingest._cells import Cells
from engine.ingest._convert import convert_column
from engine.ingest._mapped import Mapped, name_of
from engine.ingest._parts import components_long, duplicates, settings_long
from engine.materials import MaterialKind, material_code
from engine.units import UnitError, display_unit, parse_unit

Frames = dict[str, pd.DataFrame]


def optional_text(cells: Cells, mapped: Mapped, field: str) -> np.ndarray:
    """A text field's values, or Nones when it is not mapped."""
    mapping = mapped.one(field)
    if mapping is None:
        return np.full(cells.n, None, dtype=object)
    return cells.text(mapping.source).astype(object).where(
        lambda s: s.notna(), None).to_numpy()


def versions(cells: Cells, mapped: Mapped, default: int | None) -> np.ndarray:
    """Recipe versions (whole numbers ≥ 1) as float; blank cells (or no column) give
    ``default`` (NaN when None: the latest version)."""
    mapping = mapped.one("version")
    fill = np.nan if default is None else float(default)
    if mapping is None:
        return np.full(cells.n, fill)
    values = cells.integers(mapping.source, "recipe version")
    cells.findings.add_rows(values < 1, mapping.source, "recipe version must be 1 or more")
    return np.where(np.isnan(values) | (values < 1), fill, values)


def materials(cells: Cells, mapped: Mapped) -> Frames:
    """A materials catalogue: one row per material."""
    key = mapped.one("material") or mapped.one("name")
    if key is None:
        mapped.require("material", "materials")
        return {}
    names = cells.required_text(key.source, "material name")
    valid = names.notna().to_numpy()
    uniques = pd.unique(names[valid])
    codes_of = {name: material_code(name) for name in uniques}
    codes = names.map(codes_of).astype(object).to_numpy()
    display = optional_text(cells, mapped, "name")
    display = np.where(pd.isna(display), names.to_numpy(dtype=object), display)
    # no kind (no column, or a blank cell): the catalogue's kind, else guessed from the name
    # when stored (engine.materials.merge_catalogue)
    kinds = np.full(cells.n, None, dtype=object)
    kind_map = mapped.one("material_kind")
    if kind_map is not None:
        given = cells.text(kind_map.source)
        normalised = given.map(lambda t: material_code(t), na_action="ignore")
        known = normalised.isin([k.value for k in MaterialKind]) | normalised.isna()
        cells.findings.add_rows(
            ~known.to_numpy(), kind_map.source,
            lambda i: f"unknown material kind '{given.iloc[i]}' "
            f"(one of {', '.join(k.value for k in MaterialKind)})",
        )
        kinds = np.where(normalised.notna() & known, normalised.astype(object), kinds)
    units = np.full(cells.n, None, dtype=object)
    unit_map = mapped.one("unit")
    if unit_map is not None:
        text = cells.text(unit_map.source)
        for value in pd.unique(text.dropna()):
            rows = (text == value).to_numpy()
            try:
                units[rows] = display_unit(parse_unit(value))
            except UnitError as error:
                cells.findings.add_rows(rows, unit_map.source, str(error))
    numbers = {}
    for field, column in (("price_per_unit", "price_per_unit"), ("co2_per_unit", "co2_per_unit")):
        mapping = mapped.one(field)
        values = np.full(cells.n, np.nan)
        if mapping is not None:
            values = cells.numbers(mapping.source, field.replace("_", " "))
            cells.findings.add_rows(values < 0, mapping.source, f"negative {field}")
        numbers[column] = values
    density = np.full(cells.n, np.nan)
    density_map = mapped.one("density")
    if density_map is not None:
        values = cells.numbers(density_map.source, "density")
        converted = convert_column(cells, values, density_map, default="kg/m3")
        if converted is not None:
            density = converted[0]
        cells.findings.add_rows(density <= 0, density_map.source, "density must be positive")
    keep = np.flatnonzero(valid)
    duplicates(cells, pd.DataFrame({"material": codes[keep]}), keep, key.source, "material")
    frame = _frames.build("materials", {
        "material": codes[keep], "name": display[keep], "kind": kinds[keep],
        "unit": units[keep], "price_per_unit": numbers["price_per_unit"][keep],
        "currency": optional_text(cells, mapped, "currency")[keep],
        "co2_per_unit": numbers["co2_per_unit"][keep], "density_kg_m3": density[keep],
        "source": _sources(cells, mapped)[keep],
    })
    return {"materials": frame}


def _sources(cells: Cells, mapped: Mapped) -> np.ndarray:
    """Where each row's figures come from: the catalogue's reference column (a citation), or
    the file name when the row gives none."""
    given = optional_text(cells, mapped, "reference")
    return np.where(pd.isna(given), cells.findings.file, given).astype(object)


def recipes(cells: Cells, mapped: Mapped) -> Frames:
    """Recipes with one row per recipe (id, version) and component/setting columns."""
    id_map = mapped.require("recipe_id", "recipes")
    mapped.require_any("component", "recipes")
    if id_map is None:
        return {}
    ids = cells.required_text(id_map.source, "recipe id").astype(object).to_numpy()
    version = versions(cells, mapped, cells.profile.defaults.version)
    valid = ~pd.isna(ids)
    keep = np.flatnonzero(valid)
    duplicates(cells, pd.DataFrame({"id": ids[keep], "version": version[keep]}), keep,
               id_map.source, "recipe id/version")
    frames = {"recipes": _frames.build("recipes", {
        "recipe_id": ids[keep], "version": version[keep],
        "name": optional_text(cells, mapped, "name")[keep],
        "family": optional_text(cells, mapped, "family")[keep],
        "source_row": cells.table.row_numbers[keep],
    })}
    frames.update(recipe_parts(cells, mapped, ids, version, valid))
    return frames


def recipe_parts(cells: Cells, mapped: Mapped, ids: np.ndarray, version: np.ndarray,
                 rows: np.ndarray) -> Frames:
    """recipe_components and recipe_settings for the rows selected by the mask ``rows``."""
    parts = components_long(cells, mapped)
    parts = parts[rows[parts["pos"].to_numpy()]]
    settings = settings_long(cells, mapped)
    settings = settings[rows[settings["pos"].to_numpy()]]
    return {
        "recipe_components": _frames.build("recipe_components", {
            "recipe_id": ids[parts["pos"]], "version": version[parts["pos"]],
            "material": parts["material"], "amount": parts["amount"], "unit": parts["unit"],
        }),
        "recipe_settings": _frames.build("recipe_settings", {
            "recipe_id": ids[settings["pos"]], "version": version[settings["pos"]],
            "setting": settings["setting"], "value_num": settings["value_num"],
            "value_text": settings["value_text"], "unit": settings["unit"],
        }),
    }


def batches(cells: Cells, mapped: Mapped) -> Frames:
    """Batches: id, recipe, plant/line, time window, weighed amounts, per-batch settings.

    Amounts per batch (kg, lb) are divided by the ``batch_volume`` column (``_batch_volume``).

    Settings and ``tag:`` columns of a batch become process_series rows at the batch start
    (or end) with the batch id; linking makes them the batch's own settings. Setting names
    are coded as a recipe's are, so a batch's value can replace its recipe's. Whether the
    recipe exists is checked against the project by the importer, not here.
    """
    id_map = mapped.require("batch_id", "batches")
    recipe_map = mapped.require("recipe_id", "batches")
    if id_map is None or recipe_map is None:
        return {}
    ids = cells.required_text(id_map.source, "batch id").astype(object).to_numpy()
    recipe_ids = cells.required_text(recipe_map.source, "recipe id").astype(object).to_numpy()
    valid = ~pd.isna(ids)
    duplicates(cells, pd.DataFrame({"id": ids[valid]}), np.flatnonzero(valid), id_map.source,
               "batch id")
    start_map, end_map = mapped.one("start_time"), mapped.one("end_time")
    start = (cells.times(start_map.source, "start time", required=False)
             if start_map is not None else None)
    end = cells.times(end_map.source, "end time", required=False) if end_map is not None else None
    if start is not None and end is not None and end_map is not None:
        backwards = (end < start).to_numpy()
        cells.findings.add_rows(
            backwards, end_map.source,
            lambda i: f"end time {end.iloc[i]} is before start time {start.iloc[i]}",
        )
    keep = np.flatnonzero(valid)
    recipe_version = pd.array(versions(cells, mapped, None), dtype="Int64")
    frames = {"batches": _frames.build("batches", {
        "batch_id": ids[keep], "recipe_id": recipe_ids[keep],
        "recipe_version": recipe_version[keep],
        "plant": optional_text(cells, mapped, "plant")[keep],
        "line": optional_text(cells, mapped, "line")[keep],
        "start_time": start.iloc[keep] if start is not None else None,
        "end_time": end.iloc[keep] if end is not None else None,
        "source_row": cells.table.row_numbers[keep],
    })}
    parts = per_cubic_metre(cells, mapped, components_long(cells, mapped))
    parts = parts[valid[parts["pos"].to_numpy()]]
    frames["batch_amounts"] = _frames.build("batch_amounts", {
        "batch_id": ids[parts["pos"]], "material": parts["material"],
        "amount": parts["amount"], "unit": parts["unit"],
    })
    series = _batch_series(cells, mapped, ids, valid, start if start is not None else end)
    if series is not None:
        frames["process_series"] = series
    return frames


def _batch_series(cells: Cells, mapped: Mapped, ids: np.ndarray, valid: np.ndarray,
                  when: pd.Series | None) -> pd.DataFrame | None:
    from engine.ingest._kinds_series import wide_values

    tag_maps = mapped.prefixed("setting") + mapped.prefixed("tag")
    if not tag_maps:
        return None
    if when is None:
        cells.findings.add(cells.table.header_row, tag_maps[0].source,
                           "batch settings need a start_time or end_time column for their time")
        return None
    long = wide_values(cells, tag_maps)
    codes = {name_of(m): material_code(name_of(m)) for m in mapped.prefixed("setting")}
    long["tag"] = long["tag"].replace(codes)
    long = long[valid[long["pos"].to_numpy()] & when.notna().to_numpy()[long["pos"].to_numpy()]]
    return _frames.build("process_series", {
        "tag": long["tag"], "time": when.iloc[long["pos"]].reset_index(drop=True),
        "value": long["value"], "unit": long["unit"], "batch_id": ids[long["pos"]],
        "source_row": cells.table.row_numbers[long["pos"]],
    })
