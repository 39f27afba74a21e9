"""Recipe tables to predict, read like imports, and predictions shown in the project's units.

An engineer predicts new recipes from the kind of file they import: "Cement (lb/yd³)",
"Water, kg/m3", "Age (days)". :func:`model_input_frame` reads those headers as the importer
does (name → material or property code, unit → converted to the unit the model was trained
in); a column named exactly like a model input is taken as already in that unit.
:func:`shown_predictions` labels and converts the predicted columns for the project's display
units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from engine.errors import FormixError

if TYPE_CHECKING:
    import pandas as pd

    from engine.display_units import DisplayUnits

AGE_INPUT = "test_age_days"


def model_input_frame(frame: pd.DataFrame, inputs: Sequence[str],
                      stored_units: Mapping[str, str], source: str,
                      categorical: Sequence[str] = ()) -> pd.DataFrame:
    """The model inputs ``frame`` holds, one column each, in the model's units.

    Args:
        frame: the recipes as read (headers as written).
        inputs: the model's input names.
        stored_units: the unit each input was trained in.
        source: the file name, for errors.
        categorical: inputs holding labels (taken as they are).

    Raises:
        FormixError: naming the file and column (and row): an input found in two columns, a
            unit that cannot be converted, a cell that is not a number.
    """
    import pandas as pd

    from engine.ingest._roles import role_of
    from engine.ingest.headers import split_header
    from engine.units import UnitError, conversion_factor

    # Inputs named by their codes ("cement"), or by headers of a trained table ("Cement
    # (kg/m3)", whose unit is then the input's unit).
    wanted = set(inputs)
    by_code = {_input_code(split_header(name).name, None, False): name for name in inputs}
    by_code.pop(None, None)
    found: dict[str, str] = {}
    out: dict[str, object] = {}
    for column in frame.columns:
        info = split_header(str(column))
        code = str(column) if column in wanted else _input_code(
            info.name, wanted, role_of(info.name) == "test_age")
        if code is None:
            code = by_code.get(_input_code(info.name, None, False))
        if code is None:
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
        if column != code and info.unit and stored:
            try:
                scale, offset = conversion_factor(info.unit, stored)
            except UnitError as error:
                raise FormixError(f"{source}, column '{column}': {info.unit} cannot be read as "
                                  f"'{code}', which the model takes in {stored} ({error})") \
                    from error
            values = values * scale + offset
        out[code] = values
    return pd.DataFrame(out, index=frame.index)


def require_inputs(frame: pd.DataFrame, inputs: Sequence[str], source: str,
                   columns_read: Sequence[object]) -> None:
    """Raise unless ``frame`` (from :func:`model_input_frame`, derived inputs added) has every
    model input: a missing column would be predicted as "unknown", silently.

    Raises:
        FormixError: naming the file, the missing inputs and the columns it has.
    """
    missing = [c for c in inputs if c not in frame.columns]
    if missing:
        raise FormixError(
            f"{source}: no column for the model input(s) {', '.join(map(repr, missing))}; "
            "name columns like the imported files (e.g. 'Cement (kg/m3)') or by the input "
            f"names. Columns read: {', '.join(map(str, columns_read))}")


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

