"""Materials catalogues, recipes and batches (one row per material, recipe or batch)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.errors import Severity
from engine.ingest import _frames
from engine.ingest._batch_volume import per_cubic_metre
from engine.ingest._cells import Cells
from engine.ingest._convert import convert_column
from engine.ingest._mapped import Mapped, name_of
from engine.ingest._parts import components_long, duplicates, settings_long
from engine.ingest.headers import split_header
from engine.ingest.mapping import ColumnMapping
from engine.materials import MaterialKind, ascii_fold, kind_from_value, material_code
from engine.units import UnitError, conversion_factor, display_unit, parse_unit

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
    """A materials catalogue: one row per material.

    What prices and CO₂ factors are per (``unit``) and the currency come from the row's unit
    and currency columns, else from the price and CO₂ headers or their profile ``unit``
    (``Prezzo [EUR/t]``, ``Price (USD/lb)``, ``CO2 [kg CO2e/t]``), else the profile's
    ``[defaults] unit``; figures are converted to the row's unit. A price or CO₂ factor with
    nothing saying what it is per, or a price with no currency, is refused.
    """
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
        found = given.astype(object).map(
            lambda t: None if (k := kind_from_value(t)) is None else k.value, na_action="ignore")
        unknown = (given.notna() & found.isna()).to_numpy()
        cells.findings.add_rows(
            unknown, kind_map.source,
            lambda i: f"unknown material kind '{given.iloc[i]}' "
            f"(one of {', '.join(k.value for k in MaterialKind)}, or their names in the plant "
            "languages, such as cemento, loppa, aggregato grosso)",
        )
        kinds = np.where(found.notna(), found.to_numpy(dtype=object), kinds)
    bases = {field: _header_basis(cells, mapping) for field in ("price_per_unit", "co2_per_unit")
             if (mapping := mapped.one(field)) is not None}
    units, currencies = _row_units(cells, mapped, bases)
    numbers = {field: _per_row_unit(cells, mapped, field, bases.get(field), units, currencies)
               for field in ("price_per_unit", "co2_per_unit")}
    short_tons = (units == "ton") & pd.notna(currencies) & (currencies != "USD")
    if short_tons.any():
        cells.findings.add(cells.table.header_row, None, "'ton' is read as the US short ton "
                           "(907 kg): write t for a metric tonne", Severity.WARNING)
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
        "currency": currencies[keep],
        "co2_per_unit": numbers["co2_per_unit"][keep], "density_kg_m3": density[keep],
        "source": _sources(cells, mapped)[keep],
    })
    return {"materials": frame}


# Currencies a price header may carry ("Prezzo [EUR/t]", "Price (USD)", "Preis €/t"): ISO 4217
# codes in capitals (the usual ones also in lower case) and symbols.
_CURRENCY = re.compile(
    r"(?<![A-Za-z])(EUR|USD|GBP|CHF|PLN|CZK|HUF|RON|BGN|SEK|NOK|DKK|CAD|AUD|NZD|MXN|BRL|ZAR"
    r"|INR|CNY|JPY|eur|usd|gbp|chf|pln)(?![A-Za-z])")
_SYMBOLS = {"€": "EUR", "us$": "USD", "$": "USD", "£": "GBP", "zł": "PLN", "kč": "CZK"}
_SYMBOL = re.compile(r"€|us\$|\$|£|(?<![a-z])(?:zł|kč)(?![a-z])", re.IGNORECASE)
# What a figure is per: after "/" or a word for "per" ("kg CO2e/t", "USD per short ton",
# "kg pro t", "EUR al kg", "zł za t").
_PER = re.compile(r"(?:/|\b(?:per|pro|par|por|al|alla|za|je)\b)\s*([^/()\[\]{},;]+?)\s*"
                  r"(?:[)\]}]|$)", re.IGNORECASE)
_UNIT_WORDS = {"unit": "unit", "unita": "unit", "unidad": "unit", "einheit": "unit",
               "jednostka": "unit", "eenheid": "unit", "unite": "unit", "uom": "unit",
               "mt": "t", "metric ton": "t", "metric tonne": "t", "tonne": "t", "tonnes": "t",
               "tonnellata": "t", "tonelada": "t", "tona": "t", "short ton": "ton",
               "tons": "ton", "lbs": "lb"}
# The mass a CO₂ figure is in, written before the gas ("kg CO2e/t", "t CO₂-eq per t").
_CO2_MASS = re.compile(r"^\s*(kg|t|g|lb|lbs|tonne)\b", re.IGNORECASE)
_MASS_DIMENSION = "[mass]"


@dataclass(frozen=True)
class _Basis:
    """What a price or CO₂ header (or its profile ``unit``) says: the currency, the unit the
    figure is per ("unit" when the row's unit column says), and for CO₂ the mass in kg of
    one unit of the gas mass it is written in."""

    currency: str | None = None
    per: str | None = None
    co2_kg: float = 1.0
    problem: str | None = None


def _basis(text: str | None) -> _Basis:
    """Read ``EUR/t``, ``Price (USD/lb)``, ``Preis €/t``, ``kg CO2e/t``, ``kg per unit``."""
    if not text:
        return _Basis()
    code = _CURRENCY.search(text)
    symbol = _SYMBOL.search(text)
    currency = (code.group(1).upper() if code else
                _SYMBOLS[symbol.group(0).lower()] if symbol else None)
    per, problem = None, None
    if (found := _PER.findall(text)):
        word = " ".join(ascii_fold(found[-1]).replace("_", " ").split())
        word = _UNIT_WORDS.get(word, word)
        if word == "unit":
            per = word
        else:
            try:
                unit = parse_unit(word)
                if str(unit.dimensionality) != _MASS_DIMENSION:
                    problem = f"'{found[-1].strip()}' is not a mass (kg, t, lb, ton)"
                else:
                    per = display_unit(unit)
            except UnitError:
                problem = f"unknown unit '{found[-1].strip()}' (kg, t, lb, ton)"
    co2_kg = 1.0
    inside = re.findall(r"[(\[{]([^)\]}]*)[)\]}]", text)
    mass = _CO2_MASS.match(inside[-1] if inside else text)
    if mass is not None:
        co2_kg = conversion_factor(_UNIT_WORDS.get(mass.group(1).lower(), mass.group(1)),
                                   "kg")[0]
    return _Basis(currency, per, co2_kg, problem)


def _header_basis(cells: Cells, mapping: ColumnMapping) -> _Basis:
    """The profile's ``unit`` of the column when the user set one, else the header's."""
    own = mapping.unit if mapping.unit and mapping.unit != split_header(mapping.source).unit \
        else None
    basis = _basis(own)
    if own is None or (basis.per is None and basis.currency is None):
        header = _basis(mapping.source)
        basis = _Basis(basis.currency or header.currency, basis.per or header.per,
                       header.co2_kg if own is None else basis.co2_kg,
                       basis.problem or header.problem)
    if basis.problem:
        cells.findings.add(cells.table.header_row, mapping.source, basis.problem)
    return basis


def _row_units(cells: Cells, mapped: Mapped, bases: dict[str, _Basis]
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the unit prices and CO₂ factors are stored per and the currency: the unit and
    currency columns, else the price (then CO₂) header, else the profile's default unit."""
    fixed = next((b.per for b in bases.values() if b.per not in (None, "unit")), None)
    if fixed is None and (default := cells.profile.defaults.unit):
        basis = _basis(f"/{default}")
        fixed = None if basis.per == "unit" else basis.per
        if basis.problem or fixed is None:
            cells.findings.add(cells.table.header_row, None, f"[defaults] unit '{default}': "
                               f"{basis.problem or 'no unit a price is per'}")
    units = np.full(cells.n, fixed, dtype=object)
    currencies = optional_text(cells, mapped, "currency")
    fallback = next((b.currency for b in bases.values() if b.currency), None)
    currencies = np.where(pd.isna(currencies), fallback, currencies).astype(object)
    unit_map = mapped.one("unit")
    if unit_map is not None:
        text = cells.text(unit_map.source)
        for value in pd.unique(text.dropna()):
            rows = (text == value).to_numpy()
            basis = _basis(value if "/" in value else f"/{value}")
            if basis.per in (None, "unit") or basis.problem:
                cells.findings.add_rows(rows, unit_map.source, basis.problem or
                                        f"'{value}' is no unit a price is per (kg, t, lb, ton)")
                continue
            units[rows] = basis.per
            if basis.currency:
                currencies[rows & pd.isna(currencies)] = basis.currency
    return units, currencies


def _per_row_unit(cells: Cells, mapped: Mapped, field: str, basis: _Basis | None,
                  units: np.ndarray, currencies: np.ndarray) -> np.ndarray:
    """A price or CO₂ column's numbers per the row's unit (kg CO₂e for CO₂); rows with a
    figure and no unit (or, for prices, no currency) are refused."""
    mapping = mapped.one(field)
    if mapping is None or basis is None:
        return np.full(cells.n, np.nan)
    what = "price" if field == "price_per_unit" else "CO₂ factor"
    values = cells.numbers(mapping.source, what)
    cells.findings.add_rows(values < 0, mapping.source, f"negative {what}")
    given = ~np.isnan(values)
    if (given & pd.isna(units)).any():
        cells.findings.add(
            cells.table.header_row, mapping.source,
            f"nothing says what the {what} is per: add a unit column (kg, t, lb, ton), write "
            "it in the header ('Price [EUR/t]', 'CO2 [kg CO2e/t]') or set [defaults] unit")
    if field == "price_per_unit" and (given & pd.isna(currencies)).any():
        cells.findings.add(
            cells.table.header_row, mapping.source,
            "no currency for the prices: write it in the header ('Price [USD/t]', 'Preis €/t'), "
            "add a currency column or give the column a unit (unit = \"EUR/t\")")
    factor = np.full(cells.n, basis.co2_kg if field == "co2_per_unit" else 1.0)
    if basis.per not in (None, "unit"):
        for unit in pd.unique(units[pd.notna(units)]):
            factor[units == unit] *= conversion_factor(str(unit), basis.per)[0]
    return values * factor


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
