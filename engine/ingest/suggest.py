"""Guessing the dataset kind and column mapping of a source table from headers and content."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from engine.errors import Finding, Severity
from engine.ingest import _roles
from engine.ingest._mapped import Mapped
from engine.ingest.headers import HeaderInfo, property_code, split_header
from engine.ingest.mapping import ColumnMapping, ImportProfile
from engine.ingest.reader import SourceTable
from engine.materials import MaterialKind, guess_kind, material_code
from engine.schema import DatasetKind

__all__ = ["Suggestion", "dates_dayfirst", "resolve_dayfirst", "suggest_mapping",
           "suggest_profile"]

_SAMPLE = 2000  # rows looked at to tell numbers from text
# A numeric date with the year last: day and month in either order ("10.01.2024", "1/13/24").
_DATE = r"^\s*(?P<first>\d{1,2})(?P<sep>[/.\-])(?P<second>\d{1,2})[/.\-]\d{2,4}"
_TIME_FIELDS = ("time", "start_time", "end_time")
# A steel grade or alloy (on the simplified English name; "Güte", "Werkstoff" → "steel grade").
_GRADE = re.compile(r"(?:steel |alloy |material )?grade|alloy(?: (?:grade|designation|code))?")


@dataclass(frozen=True)
class Suggestion:
    """A suggested profile and notes on it (warnings: assumed units, ignored columns)."""

    profile: ImportProfile
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class _Column:
    source: str
    info: HeaderInfo
    role: str | None
    numeric: bool
    mostly_numeric: bool
    timelike: bool


def _numeric_share(values: pd.Series, decimal: str) -> float:
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return 0.0
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return float(pd.to_numeric(text, errors="coerce").notna().mean())


def _time_share(values: pd.Series) -> float:
    sample = values.dropna()
    if sample.empty:
        return 0.0
    if pd.api.types.is_datetime64_any_dtype(sample.dtype):
        return 1.0
    if sample.map(lambda v: hasattr(v, "year") and hasattr(v, "hour")).all():
        return 1.0
    text = sample.astype(str)
    looks = text.str.contains(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", regex=True)
    return float(looks.mean())


def _describe(table: SourceTable) -> list[_Column]:
    decimal = table.decimal or "."
    head = table.frame.head(_SAMPLE)
    columns = []
    for source in table.frame.columns:
        info = split_header(source)
        if source in table.declared_units and info.unit is None:
            info = HeaderInfo(info.name, table.declared_units[source], None, info.test_age_days)
        values = head[source]
        share = _numeric_share(values, decimal)
        columns.append(_Column(
            source=source, info=info, role=_roles.role_of(info.name),
            numeric=share >= 0.8, mostly_numeric=share >= 0.5,
            timelike=_time_share(values) >= 0.8,
        ))
    return columns


def _grades_as_recipes(table: SourceTable, columns: list[_Column]) -> list[_Column]:
    """A steel grade column ("Grade", "Alloy", "Güte") is the recipe id when no column names
    the recipe and the sheet is either a grade's composition (element columns, no batch/heat id)
    or a heat list (a heat id unique per row, no element analyses).

    A sheet with measured properties, a heat's own analysis or several rows per heat (a
    historian log) keeps the grade as a family, and so does a concrete recipe sheet.
    """
    if any(c.role == "recipe_id" for c in columns):
        return columns
    grade = next((c for c in columns if _GRADE.fullmatch(_roles.simplify(c.info.name))), None)
    if grade is None or any(_roles.is_property(c.info.name) for c in columns):
        return columns
    elements = any(c.role is None and guess_kind(c.info.name) is MaterialKind.ELEMENT
                   for c in columns)
    batch = next((c for c in columns if c.role == "batch_id"), None)
    if (elements and batch is None) or (
        batch is not None and not elements and _unique(table.frame[batch.source])
    ):
        return [replace(c, role="recipe_id") if c is grade else c for c in columns]
    return columns


def _unique(values: pd.Series) -> bool:
    """Whether the filled cells of an id column are all different (one row per id); a long
    historian log usually repeats an id within its first rows, so those are looked at first."""
    for part in (values.head(_SAMPLE), values):
        text = part.dropna().astype(str).str.strip()
        if not text[text != ""].is_unique:
            return False
    return True


def _first_time_as_start(columns: list[_Column]) -> list[_Column]:
    """On a batch sheet without a start column, the first date column ("Melt Date", "Date")
    is the batch's start time."""
    if any(c.role == "start_time" for c in columns):
        return columns
    first = next((c for c in columns if c.role == "time" or (c.role is None and c.timelike)),
                 None)
    return [replace(c, role="start_time") if c is first else c for c in columns]


def _guess_kind(columns: list[_Column]) -> DatasetKind:
    roles = {c.role for c in columns}
    materials = {_roles.role_of(c.info.name, _roles.MATERIAL_PATTERNS) for c in columns}
    components = [c for c in columns if c.role is None and not _roles.is_property(c.info.name)
                  and _roles.is_component(c.info.name)]
    properties = [c for c in columns if _roles.is_property(c.info.name)]
    if {"tag", "value", "time"} <= roles:
        return DatasetKind.PROCESS_SERIES
    if "material" in materials and materials & {"price_per_unit", "co2_per_unit", "density"}:
        return DatasetKind.MATERIALS
    if {"property", "value"} <= roles or (
        roles & {"batch_id", "sample_id"} and properties and not components
    ):
        return DatasetKind.LAB_RESULTS
    if {"batch_id", "recipe_id"} <= roles and not properties:
        return DatasetKind.BATCHES
    if components and properties:
        return DatasetKind.SAMPLES
    if "recipe_id" in roles and components:
        return DatasetKind.RECIPES
    if any(c.timelike or c.role == "time" for c in columns) and not components:
        return DatasetKind.PROCESS_SERIES
    return DatasetKind.SAMPLES


class _Builder:
    def __init__(self, table: SourceTable, kind: DatasetKind, file_label: str) -> None:
        self.table, self.kind, self.file_label = table, kind, file_label
        self.columns: list[ColumnMapping] = []
        self.findings: list[Finding] = []
        self.targets: dict[str, str] = {}  # field filled → the column that fills it

    def note(self, column: str, reason: str) -> None:
        self.findings.append(Finding(self.file_label, self.table.header_row, column, reason,
                                     Severity.WARNING))

    def add(self, column: _Column, field: str, unit: str | None = None,
            age: float | None = None) -> None:
        """Map a column to a field; a field already filled keeps its first column (a property
        at another test age is another field)."""
        mapping = ColumnMapping(column.source, field, unit or column.info.unit, age)
        target = Mapped.target(mapping)
        if target in self.targets:
            self.ignore(column, f"column '{self.targets[target]}' already maps to {target}; "
                                f"'{column.source}' is ignored (map it by hand if it matters)")
            return
        self.targets[target] = column.source
        self.columns.append(mapping)

    def ignore(self, column: _Column, why: str) -> None:
        self.columns.append(ColumnMapping(column.source, "ignore"))
        self.note(column.source, why)


_ROLE_KINDS = {
    DatasetKind.RECIPES: {"recipe_id", "version", "name", "family"},
    DatasetKind.BATCHES: {"batch_id", "recipe_id", "version", "plant", "line", "start_time",
                          "end_time", "batch_volume"},
    DatasetKind.PROCESS_SERIES: {"tag", "time", "value", "unit", "batch_id", "quality"},
    DatasetKind.LAB_RESULTS: {"batch_id", "sample_id", "property", "value", "unit",
                              "test_age", "replicate"},
    DatasetKind.SAMPLES: {"recipe_id", "version", "name", "family", "batch_id", "plant", "line",
                          "test_age"},
}


def _map_column(builder: _Builder, column: _Column, taken: set[str]) -> None:
    kind, name, info = builder.kind, column.info.name, column.info
    if kind is DatasetKind.MATERIALS:
        role = _roles.role_of(name, _roles.MATERIAL_PATTERNS)
        if role and role not in taken:
            taken.add(role)
            builder.add(column, role)
        else:
            builder.ignore(column, "column not recognised; ignored")
        return
    role = column.role
    if role == "batch_volume" and (kind is not DatasetKind.BATCHES
                                   or not _is_volume(info.unit)):
        role = None  # a "Volume" elsewhere, or a batch size in kg, is read as any column
    if kind is DatasetKind.PROCESS_SERIES and role is None and column.timelike \
            and "time" not in taken:
        role = "time"
    if role in _ROLE_KINDS.get(kind, set()) and role not in taken:
        taken.add(role)
        unit = "day" if role == "test_age" and info.unit is None else None
        builder.add(column, role, unit)
        return
    if role == "ignore" or role is not None:
        builder.columns.append(ColumnMapping(column.source, "ignore"))
        return
    if kind is DatasetKind.PROCESS_SERIES:
        if (column.numeric or column.mostly_numeric or info.unit) and "tag" not in taken:
            builder.add(column, f"tag:{name}")
        else:
            builder.ignore(column, "text column in a process log; ignored")
        return
    if _roles.is_property(name) and kind in (DatasetKind.SAMPLES, DatasetKind.LAB_RESULTS):
        _add_property(builder, column)
        return
    if _roles.is_component(name) and kind in (DatasetKind.SAMPLES, DatasetKind.RECIPES,
                                               DatasetKind.BATCHES):
        _add_component(builder, column)
        return
    if _roles.is_setting(name) and kind in (DatasetKind.SAMPLES, DatasetKind.RECIPES,
                                             DatasetKind.BATCHES):
        builder.add(column, f"setting:{material_code(name)}")
        return
    if column.numeric and kind is DatasetKind.LAB_RESULTS:
        _add_property(builder, column)
        return
    builder.ignore(column, "column not recognised; ignored (map it by hand if it matters)")


def _add_property(builder: _Builder, column: _Column) -> None:
    unit = column.info.unit
    code = property_code(column.info.name)
    if unit is None and "strength" in code:
        unit = "MPa"
        builder.note(column.source, "no unit in the header; MPa assumed")
    builder.add(column, f"property:{code}", unit, column.info.test_age_days)


def _add_component(builder: _Builder, column: _Column) -> None:
    name = column.info.name
    unit = column.info.unit
    if unit is None:
        if guess_kind(name) is MaterialKind.ELEMENT:
            unit = "wt%"
        else:
            unit = "kg/m3"
            builder.note(column.source, "no unit in the header; kg/m³ assumed")
    builder.add(column, f"component:{material_code(name)}", unit)


def _date_parts(table: SourceTable, sources: Sequence[str]) -> pd.DataFrame:
    """First part, separator and second part of the D/M/Y-like dates in text columns."""
    frames = [table.frame[source].head(200_000) for source in sources]
    texts = [text for text in frames if pd.api.types.is_string_dtype(text)]
    if not texts:
        return pd.DataFrame(columns=["first", "sep", "second"])
    parts = pd.concat(texts, ignore_index=True).str.extract(_DATE).dropna()
    for name in ("first", "second"):
        parts[name] = pd.to_numeric(parts[name])
    return parts


def dates_dayfirst(table: SourceTable, sources: Sequence[str]) -> bool:
    """Whether the numeric dates in these columns put the day before the month.

    Dotted dates (10.01.2024) are day-first wherever they are written, unless the data shows
    otherwise: a second part above 12 while no first part is. Slash and dash dates are
    month-first (US) unless a first part above 12 shows they are day-first. ISO dates
    (2024-01-10) do not match and need no choice.
    """
    parts = _date_parts(table, sources)
    if parts.empty:
        return False
    first_over, second_over = (parts["first"] > 12).any(), (parts["second"] > 12).any()
    if (parts["sep"] == ".").mean() > 0.5:
        return not (second_over and not first_over)
    return bool(first_over and not second_over)


def resolve_dayfirst(profile: ImportProfile, table: SourceTable) -> ImportProfile:
    """The profile with ``dayfirst`` decided from the table's dates when it leaves it open."""
    if profile.dayfirst is not None:
        return profile
    sources = [m.source for m in profile.columns
               if m.field in _TIME_FIELDS and m.source in table.frame.columns]
    return profile.model_copy(update={"dayfirst": dates_dayfirst(table, sources)})


def _midnight_quirk(table: SourceTable, source: str, dayfirst: bool) -> bool:
    """00:00 records dated like the day they end: times go back only at midnight."""
    text = table.frame[source].head(200_000)
    times = pd.to_datetime(text, dayfirst=dayfirst, errors="coerce", format="mixed") \
        if len(text) <= 5000 else pd.to_datetime(text, errors="coerce", dayfirst=dayfirst)
    stamps = times.dropna().to_numpy(dtype="datetime64[ns]")
    if len(stamps) < 3:
        return False
    back = np.flatnonzero(np.diff(stamps).astype(np.int64) < 0) + 1
    if not len(back):
        return False
    midnight = stamps == stamps.astype("datetime64[D]")
    shifted = np.where(midnight, stamps + np.timedelta64(1, "D"), stamps)
    return bool(midnight[back].all() and (np.diff(shifted).astype(np.int64) > 0).all())


def suggest_mapping(table: SourceTable, kind: DatasetKind | None = None,
                    file_label: str | None = None) -> Suggestion:
    """Guess the kind (when None) and a mapping for every column, with notes.

    Unknown columns, and a second column for a field already mapped (the same property at the
    same test age), are mapped to ``ignore`` with a warning finding. Findings name
    ``file_label`` (default: the table's name).
    """
    columns = _grades_as_recipes(table, _describe(table))
    kind = kind or table.produces or _guess_kind(columns)
    if kind is DatasetKind.BATCHES:
        columns = _first_time_as_start(columns)
    builder = _Builder(table, kind, file_label or table.name)
    taken: set[str] = set()
    for column in columns:
        _map_column(builder, column, taken)
    midnight = False
    dayfirst = dates_dayfirst(table, [m.source for m in builder.columns
                                      if m.field in _TIME_FIELDS])
    time_column = next((m.source for m in builder.columns if m.field in ("time", "start_time")),
                       None)
    if time_column is not None:
        wide = not any(m.field == "tag" for m in builder.columns)
        if kind is DatasetKind.PROCESS_SERIES and wide and _midnight_quirk(
            table, time_column, dayfirst
        ):
            midnight = True
            builder.note(time_column, "records at 00:00 carry the date of the day they end; "
                                      "midnight_is_end_of_day is set")
    profile = ImportProfile(kind=kind, columns=builder.columns, dayfirst=dayfirst,
                            midnight_is_end_of_day=midnight)
    return Suggestion(profile=profile, findings=tuple(builder.findings))


def suggest_profile(table: SourceTable, kind: DatasetKind | None = None) -> ImportProfile:
    """A guessed import profile for a table (see ``suggest_mapping`` for the notes)."""
    return suggest_mapping(table, kind).profile


def _is_volume(unit: str | None) -> bool:
    """Whether ``unit`` is a volume (m³, yd³, L): what a batch-volume column must state."""
    from engine.units import UnitError, parse_unit, registry

    try:
        return unit is not None and \
            parse_unit(unit).dimensionality == registry().meter.dimensionality ** 3
    except UnitError:
        return False
