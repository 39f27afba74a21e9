"""Recipe tables to predict, read like imports, and predictions shown in the project's units.

An engineer predicts new recipes from the kind of file they import: "Cement (lb/yd³)",
"Water, kg/m3", "Age (days)", or the plant's own export with its import profile.
:func:`model_input_frame` reads those headers as the importer does (a profile's mappings
first; else name → material or property code), converting each unit to the one the model was
trained in; a column named exactly like a model input is taken as already in that unit.
:func:`complete_inputs` adds what a user does not type: an alloy's balance element, the
derived inputs (w/b, SCM shares, atomic fractions) and the test age.
:func:`shown_predictions` labels and converts the predicted columns for the project's display
units.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from engine.errors import FormixError

if TYPE_CHECKING:
    import pandas as pd

    from engine.display_units import DisplayUnits
    from engine.ingest.mapping import ImportProfile
    from engine.models.model_set import ModelSet

AGE_INPUT = "test_age_days"
AGE_HEADER = "Age (days)"
# A model input's column as a profile maps it: (input code, unit of the column or None).
ColumnRead = tuple[str, str | None]


def profile_columns(profile: ImportProfile) -> dict[str, ColumnRead]:
    """What each column of an import profile gives a model: ``component:`` and ``setting:``
    columns their material or setting code (as the import stores them), ``test_age`` the age;
    units as the import takes them (the mapping's, else the header's, else the profile's
    default for amounts)."""
    from engine.ingest.headers import split_header
    from engine.ingest.mapping import split_field
    from engine.materials import material_code

    read: dict[str, ColumnRead] = {}
    for mapping in profile.columns:
        prefix, name = split_field(mapping.field)
        unit = mapping.unit or split_header(mapping.source).unit
        if prefix in ("component", "setting") and name is not None:
            default = profile.defaults.unit if prefix == "component" else None
            read[mapping.source] = (material_code(name), unit or default)
        elif prefix == "test_age":
            read[mapping.source] = (AGE_INPUT, unit or "day")
    return read


def model_input_frame(frame: pd.DataFrame, inputs: Sequence[str],
                      stored_units: Mapping[str, str], source: str,
                      categorical: Sequence[str] = (),
                      read_as: Mapping[str, ColumnRead] | None = None,
                      materials: pd.DataFrame | None = None) -> pd.DataFrame:
    """The model inputs ``frame`` holds, one column each, in the model's units.

    Args:
        frame: the recipes as read (headers as written).
        inputs: the model's input names.
        stored_units: the unit each input was trained in.
        source: the file name, for errors.
        categorical: inputs holding labels (taken as they are).
        read_as: columns an import profile maps (see :func:`profile_columns`); the other
            columns are matched by their headers.
        materials: the project's catalogue: kinds and densities for admixture doses per
            binder mass (oz/cwt, mL/kg, % of binder), converted to kg/m³ as the import
            converts them (``engine.ingest.doses``); kinds are guessed from names without it.

    Raises:
        FormixError: naming the file and column (and row): an input found in two columns, a
            unit that cannot be converted, a cell that is not a number.
    """
    import pandas as pd

    from engine.ingest.headers import split_header
    from engine.units import UnitError, conversion_factor, fluid_ounces

    read_as = read_as or {}
    match = _header_matcher(inputs)
    wanted = set(inputs)
    found: dict[str, str] = {}
    out: dict[str, object] = {}
    doses: dict[str, tuple[str, str]] = {}
    for column in frame.columns:
        code, unit = read_as.get(str(column)) or match(str(column))
        if code is None or code not in wanted:
            continue
        if code in found:
            raise FormixError(f"{source}: columns '{found[code]}' and '{column}' both give "
                              f"the model input '{code}'; keep one")
        found[code] = str(column)
        if code in categorical:
            out[code] = frame[column].to_numpy()
            continue
        values = _numbers(frame[column], source, str(column))
        stored = (stored_units.get(code) or split_header(code).unit
                  or ("day" if code == AGE_INPUT else None))
        if unit and _is_admixture(code, materials):
            unit = fluid_ounces(unit) or unit  # "HRWR (oz/yd3)": fluid ounces, as imports read
        if column != code and unit and stored:
            try:
                scale, offset = conversion_factor(unit, stored)
            except UnitError as error:
                if _is_dose(code, unit, stored, materials):
                    doses[code] = (str(column), unit)
                    out[code] = values
                    continue
                raise FormixError(f"{source}, column '{column}': {unit} cannot be read as "
                                  f"'{code}', which the model takes in {stored} ({error})") \
                    from error
            values = values * scale + offset
        out[code] = values
    result = pd.DataFrame(out, index=frame.index)
    return _doses_per_m3(result, doses, materials, source) if doses else result


def _is_admixture(code: str, materials: pd.DataFrame | None) -> bool:
    """Whether ``code`` is an admixture (by the catalogue's kind, else its name)."""
    from engine.ingest.doses import material_facts
    from engine.materials import MaterialKind

    kinds, _densities = material_facts(materials, [code])
    return kinds[code] is MaterialKind.ADMIXTURE


def _is_dose(code: str, unit: str, stored: str, materials: pd.DataFrame | None) -> bool:
    """A column giving a dose (oz/cwt, % of binder …) of an input the model takes in kg/m³."""
    from engine.ingest.doses import STORED_UNIT, dose_basis, material_facts
    from engine.units import UnitError, display_unit, parse_unit

    try:
        per_m3 = display_unit(parse_unit(stored)) == STORED_UNIT
    except UnitError:
        return False
    kinds, _densities = material_facts(materials, [code])
    return per_m3 and dose_basis(display_unit(parse_unit(unit)), kinds[code]) is not None


def _doses_per_m3(frame: pd.DataFrame, doses: Mapping[str, tuple[str, str]],
                  materials: pd.DataFrame | None, source: str) -> pd.DataFrame:
    """``frame`` with its ``doses`` columns (code → column, unit) in kg/m³: dose × the row's
    cementitious content × density, as the import converts them."""
    import pandas as pd

    from engine.ingest.doses import STORED_UNIT, doses_to_kg_m3, material_facts
    from engine.units import display_unit, parse_unit

    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    long = frame[numeric].reset_index(drop=True).rename_axis("row").reset_index().melt(
        id_vars="row", var_name="material", value_name="amount")
    units = {code: display_unit(parse_unit(unit)) for code, (_column, unit) in doses.items()}
    long["unit"] = long["material"].map(units).fillna(STORED_UNIT)
    kinds, densities = material_facts(materials, numeric)
    result = doses_to_kg_m3(long, ["row"], kinds, densities)
    if result.no_binder.any():
        first = int(np.flatnonzero(result.no_binder)[0])
        code = str(long["material"].iloc[first])
        row = int(long["row"].iloc[first])
        raise FormixError(
            f"{source}, row {row + 2}, column '{doses[code][0]}': the {code} dose is per mass "
            "of cementitious material, but this row gives no cement or SCM amount to take it "
            "of; give the row's cement, slag, fly ash … amounts, or the dose in kg/m³ (lb/yd³)")
    converted = result.amounts.pivot(index="row", columns="material", values="amount")
    out = frame.copy()
    for code in doses:
        out[code] = converted[code].to_numpy()
    return out


def _header_matcher(inputs: Sequence[str]) -> Callable[[str], tuple[str | None, str | None]]:
    """Reads a header as the import does: the input it gives (or None) and its unit."""
    from engine.ingest._roles import role_of
    from engine.ingest.headers import split_header

    # Inputs named by their codes ("cement"), or by headers of a trained table ("Cement
    # (kg/m3)", whose unit is then the input's unit).
    wanted = set(inputs)
    by_code = {_input_code(split_header(name).name, None, False): name for name in inputs}
    by_code.pop(None, None)

    def match(column: str) -> tuple[str | None, str | None]:
        info = split_header(column)
        if column in wanted:
            return column, info.unit
        code = _input_code(info.name, wanted, role_of(info.name) == "test_age")
        return code or by_code.get(_input_code(info.name, None, False)), info.unit

    return match


def complete_inputs(frame: pd.DataFrame, model_set: ModelSet, source: str,
                    materials: pd.DataFrame | None = None,
                    age: float | None = None) -> tuple[pd.DataFrame, float | None]:
    """``frame`` (from :func:`model_input_frame`) with what the user does not type.

    With the project's ``materials`` catalogue, an alloy's balance element (the element the
    training compositions were mostly made of) is 100 − Σ of the others where a row leaves it
    out, as the import's linking fills it, and the derived inputs (w/c, w/b, binder, SCM
    shares, paste volume, atomic fractions) are always computed from the amounts, any such
    column of the file being replaced. A model trained on test ages gets ``age`` when the file
    has no age column, else the only age it was trained at.

    Returns:
        The frame and the age it was given (None when the file had one or none was needed).

    Raises:
        FormixError: naming the file: a composition above 100 wt %; no age column when the
            model knows several ages (naming them); ``age`` given with an age column, or for
            a model without a test-age input.
    """
    if materials is not None:
        derived = derived_inputs(model_set.inputs, materials)
        frame = _with_balance(frame.drop(columns=[c for c in derived if c in frame]),
                              model_set, materials, source)
        from engine.linking import deriver

        frame = deriver(materials)(frame)
    if age is not None and AGE_INPUT not in model_set.inputs:
        raise FormixError(f"{source}: the model has no test-age input, so it cannot predict "
                          f"at {age:g} days; leave the age out")
    if age is not None and AGE_INPUT in frame:
        raise FormixError(f"{source}: the file has a test age column and an age to predict "
                          f"at ({age:g} days) was given too; keep one")
    if AGE_INPUT not in model_set.inputs or AGE_INPUT in frame:
        return frame, None
    if age is None:
        known = training_values(model_set, AGE_INPUT)
        if len(known) != 1:
            raise FormixError(
                f"{source}: no test age column, and the model knows the ages "
                f"{', '.join(f'{a:g}' for a in known)} days: add a column such as "
                f"'{AGE_HEADER}' or give the age to predict at (formix predict --age DAYS)")
        age = float(known[0])
    return frame.assign(**{AGE_INPUT: age}), age


def derived_inputs(inputs: Sequence[str], materials: pd.DataFrame) -> list[str]:
    """The model inputs computed from the amounts (w/b, slag_share, Fe_at_frac …)."""
    import pandas as pd

    from engine.linking import derived_features, material_kinds
    from engine.linking.derived import material_densities
    from engine.materials import MaterialKind

    codes = set(materials["material"].astype(str)) if not materials.empty else set()
    kinds = material_kinds(materials, inputs)
    amounts = [c for c in inputs if c in codes or kinds[c] is MaterialKind.ELEMENT]
    kinds = {c: kinds[c] for c in amounts}
    one_row = pd.DataFrame({c: [1.0] for c in amounts})
    names, _units = derived_features(one_row, kinds, material_densities(materials, kinds))
    return [c for c in inputs if c in names.columns]


def training_values(model_set: ModelSet, column: str) -> np.ndarray:
    """The distinct values of a numeric input among the training recipes the model keeps for
    its applicability domain (all of them up to its ``max_domain_points``)."""
    return np.unique(np.round(_training_column(model_set, column), 9))


def _training_column(model_set: ModelSet, column: str) -> np.ndarray:
    domain = model_set.model.domain_
    k = domain.numeric.index(list(model_set.inputs).index(column))
    return domain.points[:, k] * domain.scale[k] + domain.center[k]


def _with_balance(frame: pd.DataFrame, model_set: ModelSet, materials: pd.DataFrame,
                  source: str) -> pd.DataFrame:
    """The alloy's balance element added where a row leaves it out (see complete_inputs)."""
    from engine.linking import complete_alloy_balance, material_kinds
    from engine.materials import MaterialKind

    kinds = material_kinds(materials, model_set.inputs)
    elements = [c for c in model_set.inputs if kinds[c] is MaterialKind.ELEMENT]
    medians = {c: float(np.median(_training_column(model_set, c))) for c in elements}
    balance = max(medians, key=medians.__getitem__, default=None)
    if balance is None or medians[balance] < 50.0 or not any(c in frame for c in elements):
        return frame
    given = [c for c in frame.columns if c in elements]
    completed, done = complete_alloy_balance(frame, {c: kinds[c] for c in given}
                                             | {balance: MaterialKind.ELEMENT}, balance)
    if done.rows_over_100:
        first = frame.index.get_loc(done.rows_over_100[0])
        total = completed.loc[done.rows_over_100[0], [*given]].sum()
        raise FormixError(f"{source}, row {first + 2}: the composition sums to "
                          f"{total:.4g} wt % (more than 100)")
    return completed


def require_inputs(frame: pd.DataFrame, inputs: Sequence[str], source: str,
                   columns_read: Sequence[object], stored_units: Mapping[str, str] | None = None,
                   derived: Sequence[str] = ()) -> None:
    """Raise unless ``frame`` (after :func:`complete_inputs`) has every model input: a
    missing column would be predicted as "unknown", silently.

    Raises:
        FormixError: naming the file, the missing inputs a user can give (not the ``derived``
            ones, which come from them) with example headers in the model's units, and the
            columns the file has.
    """
    missing = [c for c in inputs if c not in frame.columns]
    if not missing:
        return
    read = ", ".join(map(str, columns_read))
    to_give = [c for c in missing if c not in derived]
    if not to_give:
        raise FormixError(f"{source}: the model input(s) {', '.join(map(repr, missing))} are "
                          f"computed from the amounts, which give none here. Columns read: "
                          f"{read}")
    examples = ", ".join(f"'{example_header(c, (stored_units or {}).get(c))}'"
                         for c in to_give)
    raise FormixError(
        f"{source}: no column for the model input(s) {', '.join(map(repr, to_give))}; add "
        f"columns named like the imported files, e.g. {examples}. Columns read: {read}")


def example_header(code: str, unit: str | None) -> str:
    """A header the import and predict read as ``code`` in ``unit``: "Fe (wt%)",
    "huettensand (kg/m³)", "Age (days)"."""
    from engine.ingest.headers import split_header
    from engine.units import display_unit_or_text

    if code == AGE_INPUT:
        return AGE_HEADER
    if split_header(code).unit:  # a header of a trained table: "Cement (kg/m3)"
        return code
    shown = display_unit_or_text(unit) if unit and unit != "dimensionless" else ""
    return f"{code} ({shown})" if shown else code


def _input_code(name: str, wanted: set[str] | None, is_age: bool) -> str | None:
    """The input a column name gives: its material or property code, if ``wanted`` (None: the
    material code, else the property code, whichever the name has)."""
    from engine.ingest.headers import property_code
    from engine.materials import material_code

    candidates = [AGE_INPUT] if is_age else []
    candidates += [material_code(name), property_code(name)]
    return next((code for code in candidates if code and (wanted is None or code in wanted)),
                None)


def _numbers(series: pd.Series, source: str, column: str) -> np.ndarray:
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(np.isnan(values) & series.notna().to_numpy())
    if len(bad):
        row = int(bad[0])
        raise FormixError(f"{source}, row {row + 2}, column '{column}': "
                          f"'{series.iloc[row]}' is not a number")
    return values


def shown_predictions(table: pd.DataFrame, targets: Sequence[str],
                      stored_units: Mapping[str, str], units: DisplayUnits) -> pd.DataFrame:
    """Predicted values and interval bounds per target in ``units``, headers naming the
    unit ("compressive_strength lower [psi]"); a unit pint does not know is shown as written."""
    from engine.units import display_unit_or_text

    renamed: dict[str, str] = {}
    table = table.copy()
    for target in targets:
        stored = display_unit_or_text(stored_units.get(target))
        typical = float(np.nanmedian(table[target])) if len(table) else None
        shown = units.unit(stored, typical) if stored else ""
        suffix = f" [{shown}]" if shown else ""
        for column in (target, f"{target} lower", f"{target} upper"):
            if column in table:
                table[column] = units.value(table[column].astype(float), stored, typical)
                renamed[column] = f"{column}{suffix}"
    return table.rename(columns=renamed)
