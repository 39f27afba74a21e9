"""Materials catalogues, recipes and batches (one row per material, recipe or batch)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

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
    (``Prezzo [EUR/t]``, ``Price (USD/lb)``, ``CO2 [kg CO2e/t]``, ``unit = "t"``), else the
    profile's ``[defaults] unit``; figures are converted to the row's unit, one per volume
    with the row's density to a mass. A price or CO₂ factor with nothing saying what it is
    per (or per volume without a density), a price with no currency, or a currency column
    contradicting the price header is refused.
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
        found = pd.Series([None if pd.isna(value) else _kind(value, (shown, name))
                           for value, shown, name in zip(given, display, names, strict=True)],
                          index=given.index, dtype=object)
        unknown = (given.notna() & found.isna()).to_numpy()
        cells.findings.add_rows(
            unknown, kind_map.source,
            lambda i: f"unknown material kind '{given.iloc[i]}' "
            f"(one of {', '.join(k.value for k in MaterialKind)}, or their names in the plant "
            "languages, such as cemento, loppa, aggregato grosso)",
        )
        kinds = np.where(found.notna(), found.to_numpy(dtype=object), kinds)
    density = np.full(cells.n, np.nan)
    density_map = mapped.one("density")
    if density_map is not None:
        values = cells.numbers(density_map.source, "density")
        converted = convert_column(cells, values, density_map, default="kg/m3")
        if converted is not None:
            density = converted[0]
        cells.findings.add_rows(density <= 0, density_map.source, "density must be positive")
    bases = {field: _header_basis(cells, mapping) for field in ("price_per_unit", "co2_per_unit")
             if (mapping := mapped.one(field)) is not None}
    units, currencies, refused = _row_units(cells, mapped, bases)
    numbers = {field: _per_row_unit(cells, mapped, field, bases.get(field), units, currencies,
                                    refused, np.where(density > 0, density, np.nan))
               for field in ("price_per_unit", "co2_per_unit")}
    units = np.array([_stored_unit(unit) for unit in units], dtype=object)
    short_tons = (units == "ton") & pd.notna(currencies) & (currencies != "USD")
    if short_tons.any():
        cells.findings.add(cells.table.header_row, None, "'ton' is read as the US short ton "
                           "(907 kg): write t for a metric tonne", Severity.WARNING)
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
# codes in capitals (the usual ones also in lower case) and symbols; a dollar with a country
# prefix (A$, C$, NZ$, R$) before the bare $.
_CURRENCY = re.compile(
    r"(?<![A-Za-z])(EUR|USD|GBP|CHF|PLN|CZK|HUF|RON|BGN|SEK|NOK|DKK|CAD|AUD|NZD|MXN|BRL|ZAR"
    r"|INR|CNY|JPY|eur|usd|gbp|chf|pln)(?![A-Za-z])")
_SYMBOLS = {"€": "EUR", "us$": "USD", "a$": "AUD", "au$": "AUD", "c$": "CAD", "ca$": "CAD",
            "nz$": "NZD", "r$": "BRL", "$": "USD", "£": "GBP", "zł": "PLN", "kč": "CZK"}
_SYMBOL = re.compile(r"€|(?<![a-z])(?:us|au|a|ca|c|nz|r)\$|\$|£|(?<![a-z])(?:zł|kč)(?![a-z])",
                     re.IGNORECASE)
# What a figure is per: after "/" or a word for "per" ("kg CO2e/t", "USD per short ton",
# "kg pro t", "EUR al kg", "zł za t", "Price per tonne (GBP)").
_PER = re.compile(r"(?:/|\b(?:per|pro|par|por|al|alla|za|je)\b)\s*([^/()\[\]{},;]+?)\s*"
                  r"(?:[)\]}]|(?=[(\[{])|$)", re.IGNORECASE)
# A number before the unit: "EUR/1000 kg".
_SCALED = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(\D.*)$")
_UNIT_WORDS = {"unit": "unit", "unita": "unit", "unidad": "unit", "einheit": "unit",
               "jednostka": "unit", "eenheid": "unit", "unite": "unit", "uom": "unit",
               "mt": "t", "metric ton": "t", "metric tonne": "t", "tonne": "t", "tonnes": "t",
               "tonnellata": "t", "tonelada": "t", "tona": "t", "short ton": "ton",
               "tons": "ton", "lbs": "lb", "litre": "l", "liter": "l", "litro": "l"}
# The mass a CO₂ figure is in, written before the gas ("kg CO2e/t", "t CO₂-eq per t").
_CO2_MASS = re.compile(r"^\s*(kg|t|g|lb|lbs|tonne)\b", re.IGNORECASE)
_MASS_DIMENSION = "[mass]"
_VOLUME_DIMENSION = "[length] ** 3"
_LARGE_VOLUME_M3 = 0.1  # a price per m³ or yd³ is stored per t, one per L or gal per kg
_UNITS_HINT = "kg, t, lb, ton; L, m³ with a density"


@dataclass(frozen=True)
class _Basis:
    """What a price or CO₂ header (or its profile ``unit``) says: the currency, the unit the
    figure is per ("unit" when the row's unit column says; a mass or a volume) and how many
    of it (1000 in "EUR/1000 kg"), and for CO₂ the mass in kg of one unit of the gas mass it
    is written in."""

    currency: str | None = None
    per: str | None = None
    co2_kg: float = 1.0
    problem: str | None = None
    scale: float = 1.0


def _currency(text: str) -> str | None:
    """The currency a text names by its ISO code or symbol."""
    code = _CURRENCY.search(text)
    symbol = _SYMBOL.search(text)
    return (code.group(1).upper() if code else
            _SYMBOLS[symbol.group(0).lower()] if symbol else None)


def _basis(text: str | None) -> _Basis:
    """Read ``EUR/t``, ``Price (USD/lb)``, ``Preis €/t``, ``kg CO2e/t``, ``kg per unit``,
    ``Price per tonne (GBP)``, ``EUR/1000 kg``, ``EUR/m3``."""
    if not text:
        return _Basis()
    per, problem, scale = None, None, 1.0
    if (found := _PER.findall(text)):
        written = found[-1].strip()
        word = " ".join(ascii_fold(written).replace("_", " ").split())
        if (scaled := _SCALED.match(word)) is not None:
            scale, word = float(scaled.group(1).replace(",", ".")), scaled.group(2).strip()
        word = _UNIT_WORDS.get(word, word)
        if word == "unit":
            per = word
        else:
            try:
                unit = parse_unit(word)
                if str(unit.dimensionality) not in (_MASS_DIMENSION, _VOLUME_DIMENSION) \
                        or scale <= 0:
                    problem = f"'{written}' is not a mass or volume ({_UNITS_HINT})"
                else:
                    per = display_unit(unit)
                    if scale != 1 and conversion_factor(unit, "t")[0] * scale == 1:
                        per, scale = "t", 1.0  # EUR/1000 kg
            except UnitError:
                problem = f"unknown unit '{written}' ({_UNITS_HINT})"
    co2_kg = 1.0
    inside = re.findall(r"[(\[{]([^)\]}]*)[)\]}]", text)
    mass = _CO2_MASS.match(inside[-1] if inside else text)
    if mass is not None:
        co2_kg = conversion_factor(_UNIT_WORDS.get(mass.group(1).lower(), mass.group(1)),
                                   "kg")[0]
    return _Basis(_currency(text), per, co2_kg, problem, scale)


def _header_basis(cells: Cells, mapping: ColumnMapping) -> _Basis:
    """The profile's ``unit`` of the column when the user set one (a bare mass or volume,
    ``unit = "t"``, is what the figure is per), else the header's; the header's currency
    when the profile's unit names none."""
    own = mapping.unit if mapping.unit and mapping.unit != split_header(mapping.source).unit \
        else None
    header = _basis(mapping.source)
    basis = _basis(own)
    if own is not None and basis.per is None and basis.problem is None \
            and (bare := _basis(f"/{own}")).per not in (None, "unit") and not bare.problem:
        basis = replace(bare, co2_kg=header.co2_kg, currency=bare.currency or header.currency)
    if own is None or (basis.per is None and basis.currency is None):
        basis = _Basis(basis.currency or header.currency, basis.per or header.per,
                       header.co2_kg if own is None else basis.co2_kg,
                       basis.problem or header.problem,
                       basis.scale if basis.per else header.scale)
    elif basis.currency is None:
        basis = replace(basis, currency=header.currency)
    if basis.problem:
        cells.findings.add(cells.table.header_row, mapping.source, basis.problem)
    return basis


def _is_volume(unit: object) -> bool:
    """Whether a unit figures are per is a volume (L, m³, gal)."""
    return not pd.isna(unit) and str(parse_unit(str(unit)).dimensionality) == _VOLUME_DIMENSION


def _shown(unit: object) -> str:
    """A unit as a user writes it (L for a litre)."""
    shown = display_unit(str(unit))
    return "L" if shown == "l" else shown


def _stored_unit(unit: object) -> object:
    """The unit a row's figures are stored per: its own, or for a volume a mass (per m³ → t,
    per L → kg), converted with the row's density."""
    if not _is_volume(unit):
        return unit
    return "t" if conversion_factor(str(unit), "m3")[0] >= _LARGE_VOLUME_M3 else "kg"


def _row_units(cells: Cells, mapped: Mapped, bases: dict[str, _Basis]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, the unit prices and CO₂ factors are per (a mass or a volume) and the currency:
    the unit and currency columns, else the price (then CO₂) header, else the profile's
    default unit; and the rows whose unit cell was refused (reported here)."""
    fixed = next((b.per for b in bases.values() if b.per not in (None, "unit")), None)
    if fixed is None and (default := cells.profile.defaults.unit):
        basis = _basis(f"/{default}")
        fixed = None if basis.per == "unit" or basis.scale != 1 else basis.per
        if basis.problem or fixed is None:
            cells.findings.add(cells.table.header_row, None, f"[defaults] unit '{default}': "
                               f"{basis.problem or 'no unit a price is per'}")
    units = np.full(cells.n, fixed, dtype=object)
    refused = np.zeros(cells.n, dtype=bool)
    currencies = optional_text(cells, mapped, "currency")
    _check_currencies(cells, mapped, bases.get("price_per_unit"), currencies)
    fallback = next((b.currency for b in bases.values() if b.currency), None)
    currencies = np.where(pd.isna(currencies), fallback, currencies).astype(object)
    unit_map = mapped.one("unit")
    if unit_map is not None:
        text = cells.text(unit_map.source)
        for value in pd.unique(text.dropna()):
            rows = (text == value).to_numpy()
            basis = _basis(value if "/" in value else f"/{value}")
            if basis.per in (None, "unit") or basis.problem or basis.scale != 1:
                refused |= rows
                cells.findings.add_rows(rows, unit_map.source, basis.problem or
                                        f"'{value}' is no unit a price is per ({_UNITS_HINT})")
                continue
            units[rows] = basis.per
            if basis.currency:
                currencies[rows & pd.isna(currencies)] = basis.currency
    return units, currencies, refused


_CURRENCY_WORDS = {"euro": "EUR", "euros": "EUR", "dollar": "USD", "dollars": "USD",
                   "pound": "GBP", "pounds": "GBP", "zloty": "PLN", "zł": "PLN"}


def _check_currencies(cells: Cells, mapped: Mapped, basis: _Basis | None,
                      given: np.ndarray) -> None:
    """Refuse rows whose currency column names another currency than the price header."""
    mapping = mapped.one("currency")
    if mapping is None or basis is None or basis.currency is None:
        return
    price = mapped.one("price_per_unit")
    named = np.array([None if pd.isna(v) else (_currency(str(v)) or _CURRENCY_WORDS.get(
        str(v).strip().lower(), str(v).strip().upper())) for v in given], dtype=object)
    clash = pd.notna(named) & (named != basis.currency)
    cells.findings.add_rows(
        clash, mapping.source,
        lambda i: f"currency '{given[i]}' differs from {basis.currency} in the price header "
        f"'{price.source if price is not None else ''}': correct one of them")


def _per_row_unit(cells: Cells, mapped: Mapped, field: str, basis: _Basis | None,
                  units: np.ndarray, currencies: np.ndarray, refused: np.ndarray,
                  density: np.ndarray) -> np.ndarray:
    """A price or CO₂ column's numbers per the row's stored unit (kg CO₂e for CO₂; a figure
    per volume divided by the row's density); rows with a figure and no unit (or, for
    prices, no currency), or per volume without a density, are refused."""
    mapping = mapped.one(field)
    if mapping is None or basis is None:
        return np.full(cells.n, np.nan)
    what = "price" if field == "price_per_unit" else "CO₂ factor"
    values = cells.numbers(mapping.source, what)
    cells.findings.add_rows(values < 0, mapping.source, f"negative {what}")
    given = ~np.isnan(values)
    unit_map = mapped.one("unit")
    missing = given & pd.isna(units) & ~refused
    if basis.problem is None and missing.any():
        if unit_map is not None:
            cells.findings.add_rows(missing, unit_map.source,
                                    f"no unit the {what} is per ({_UNITS_HINT})")
        else:
            cells.findings.add(
                cells.table.header_row, mapping.source,
                f"nothing says what the {what} is per: add a unit column (kg, t, lb, ton), "
                "write it in the header ('Price [EUR/t]', 'CO2 [kg CO2e/t]') or set "
                "[defaults] unit")
    if field == "price_per_unit" and (given & pd.isna(currencies)).any():
        cells.findings.add(
            cells.table.header_row, mapping.source,
            "no currency for the prices: write it in the header ('Price [USD/t]', 'Preis €/t'), "
            "add a currency column or give the column a unit (unit = \"EUR/t\")")
    factor = np.full(cells.n, (basis.co2_kg if field == "co2_per_unit" else 1.0) / basis.scale)
    per_column = basis.per not in (None, "unit")
    for unit in pd.unique(units[pd.notna(units)]):
        rows = units == unit
        per = basis.per if per_column else unit
        stored = _stored_unit(unit)
        if not (_is_volume(per) or _is_volume(unit)):
            factor[rows] *= conversion_factor(str(stored), str(per))[0]
            continue
        # one stored unit in kg over the mass of one unit the figure is per
        mass_kg = (density * conversion_factor(str(per), "m3")[0] if _is_volume(per)
                   else np.full(cells.n, conversion_factor(str(per), "kg")[0]))
        factor[rows] *= conversion_factor(str(stored), "kg")[0] / mass_kg[rows]
        no_density = rows & given & np.isnan(density)
        cells.findings.add_rows(
            no_density, mapping.source,
            f"a {what} per {_shown(per)} needs the material's density to be stored "
            f"per {stored}: add a density column")
    return values * factor


def _kind(value: str, names: tuple[object, ...]) -> str | None:
    """The kind a kind column's value gives, a generic one ("Binder") from the material's
    shown name, else its code; None when none says a kind."""
    for name in dict.fromkeys(n for n in names if isinstance(n, str)):
        if (kind := kind_from_value(value, name)) is not None:
            return kind.value
    kind = kind_from_value(value)
    return None if kind is None else kind.value


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
