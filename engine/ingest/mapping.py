"""Column mappings and import profiles: how a source table's columns become canonical fields.

A profile is saved as TOML (read with ``tomllib``, written by ``engine.toml_writer``) and can
be reused for every export of the same system.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
import zoneinfo
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from engine import toml_writer
from engine.errors import FormixError
from engine.schema import DatasetKind
from engine.units import display_unit, parse_unit

__all__ = [
    "FIELDS",
    "PREFIXES",
    "ColumnMapping",
    "ImportProfile",
    "ProfileDefaults",
    "ProfileError",
    "ReaderOptions",
    "load_profile",
    "save_profile",
    "split_field",
]

# Fields a column can map to. Materials catalogues add material, material_kind,
# price_per_unit, currency, co2_per_unit, density and reference (where the figures come
# from); process logs may add quality; batches may add batch_volume (the batch's m³ or yd³,
# which turns amounts per batch into amounts per m³).
FIELDS = frozenset({
    "recipe_id", "version", "name", "family", "batch_id", "plant", "line", "start_time",
    "end_time", "batch_volume", "time", "tag", "value", "unit", "property", "test_age", "replicate",
    "sample_id", "ignore", "quality",
    "material", "material_kind", "price_per_unit", "currency", "co2_per_unit", "density",
    "reference",
})
PREFIXES = ("component", "setting", "property", "tag")


def split_field(field: str) -> tuple[str, str | None]:
    """("component:cement") → ("component", "cement"); ("time") → ("time", None)."""
    prefix, sep, name = field.partition(":")
    return (prefix, name) if sep else (field, None)


@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class ColumnMapping:
    """One source column mapped to a field.

    Attributes:
        source: the column header as the reader returns it.
        field: a name from ``FIELDS`` or ``component:<material>``, ``setting:<name>``,
            ``property:<name>``, ``tag:<name>`` (a wide historian column).
        unit: the unit of the column's values; None uses the reader's declared unit, then the
            profile's default. Unknown units are reported by ``normalise`` as findings.
        test_age_days: for ``property:`` columns measured at one age ("Strength (28-day)").
    """

    source: str
    field: str
    unit: str | None = None
    test_age_days: float | None = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        prefix, name = split_field(value.strip())
        if name is None and prefix in FIELDS:
            return prefix
        if name is not None and prefix in PREFIXES and name.strip():
            return f"{prefix}:{name.strip()}"
        raise ValueError(
            f"unknown field '{value}': use one of {', '.join(sorted(FIELDS))} or "
            "component:<material>, setting:<name>, property:<name>, tag:<name>"
        )


class ReaderOptions(BaseModel):
    """Options passed to the reader; None lets the reader detect them."""

    model_config = ConfigDict(extra="forbid")

    delimiter: str | None = None
    decimal: str | None = Field(default=None, pattern=r"^[.,]$")
    encoding: str | None = None
    sheet: str | int | None = None


class ProfileDefaults(BaseModel):
    """Values used when the file does not say.

    Attributes:
        unit: unit of component amounts and long-format values whose mapping and header
            name none (not of settings, ages or wide properties).
        test_age_days: test age of results without a test-age column.
        version: recipe version (a whole number) when no column holds it.
    """

    model_config = ConfigDict(extra="forbid")

    unit: str | None = None
    test_age_days: float | None = None
    version: int = Field(default=1, ge=1)


class ImportProfile(BaseModel):
    """How to import one kind of file.

    Attributes:
        kind: what the file holds.
        columns: the column mappings; columns not listed are ignored with a warning.
        reader_options: delimiter, decimal, encoding, sheet.
        timezone: IANA zone of naive timestamps (they are localised to it, then stored in UTC).
        time_format: strftime format of timestamps; None tries ISO 8601, then a guess.
        dayfirst: dates such as 03/04/2024 are 3 April; None (left out) decides it from the
            file's dates on import: dotted dates (03.04.2024) day-first, slash dates
            month-first, each unless the data shows the other order.
        midnight_is_end_of_day: records stamped 00:00 belong to the end of the day they are
            dated (some historians stamp the midnight record with the previous date); they
            are moved by +1 day.
        sort_times: sort out-of-order process series rows (with a warning) instead of
            rejecting the file.
        defaults: values used when the file does not say.
    """

    model_config = ConfigDict(extra="forbid")

    kind: DatasetKind
    columns: list[ColumnMapping] = Field(default_factory=list)
    reader_options: ReaderOptions = Field(default_factory=ReaderOptions)
    timezone: str = "UTC"
    time_format: str | None = None
    dayfirst: bool | None = None
    midnight_is_end_of_day: bool = False
    sort_times: bool = False
    defaults: ProfileDefaults = Field(default_factory=ProfileDefaults)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone '{value}' (use an IANA name)") from error
        return value

    def mapping_for(self, field: str) -> list[ColumnMapping]:
        """The mappings to a field name, or to every field of a prefix ("component")."""
        return [m for m in self.columns
                if m.field == field or split_field(m.field)[0] == field]

    def with_columns(self, columns: list[ColumnMapping]) -> ImportProfile:
        """A copy with other column mappings."""
        return self.model_copy(update={"columns": list(columns)})


def save_profile(profile: ImportProfile, path: Path) -> None:
    """Write a profile as TOML atomically (a temporary file renamed over the target)."""
    path = Path(path)
    text = toml_writer.dumps(profile.model_dump(mode="json", exclude_none=True))
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class ProfileError(FormixError):
    """An import profile cannot be read or is invalid. ``issues`` lists every problem, each
    naming where it is (line, column entry, key) and why."""

    def __init__(self, path: Path, issues: Sequence[str]) -> None:
        self.path = Path(path)
        self.issues = tuple(issues)
        if len(self.issues) == 1:
            message = f"{path}: invalid import profile: {self.issues[0]}"
        else:
            listed = "\n".join(f"  {issue}" for issue in self.issues)
            message = f"{path}: invalid import profile ({len(self.issues)} problems):\n{listed}"
        super().__init__(message)

    def __reduce__(self) -> tuple[type, tuple[Path, tuple[str, ...]]]:
        return (type(self), (self.path, self.issues))


def load_profile(path: Path) -> ImportProfile:
    """Read a profile saved by ``save_profile`` (TOML; a ``.json`` file is read as JSON).

    Raises:
        ProfileError: unreadable, not UTF-8, not valid TOML/JSON, or not a valid profile;
            names the file, the line (and column or entry and key) and the reason.
    """
    path = Path(path)
    text = _profile_text(path)
    data = _parse_profile(path, text)
    try:
        return ImportProfile.model_validate(data)
    except ValidationError as error:
        lines = {} if path.suffix.lower() == ".json" else _key_lines(text)
        issues = [_issue(item, data, lines) for item in error.errors()]
    raise ProfileError(path, issues)


def _profile_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ProfileError(path, [f"cannot read it ({error.strerror or error})"]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
    raise ProfileError(path, [f"line {line}: not UTF-8 text; save the profile as UTF-8"])


def _parse_profile(path: Path, text: str) -> Any:
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return tomllib.loads(text)
    except json.JSONDecodeError as error:
        issue = f"line {error.lineno}, column {error.colno}: invalid JSON ({error.msg})"
    except tomllib.TOMLDecodeError as error:
        issue = _toml_issue(str(error), text)
    raise ProfileError(path, [issue])


def _toml_issue(message: str, text: str) -> str:
    """"Invalid value (at line 3, column 12)" → "line 3, column 12: invalid TOML (Invalid
    value) in 'dayfirst = ja'"."""
    found = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message, re.DOTALL)
    if found is None:
        return f"invalid TOML ({message})"
    reason, line, column = found[1], int(found[2]), int(found[3])
    lines = text.splitlines()
    shown = f" in '{lines[line - 1].strip()}'" if 0 < line <= len(lines) else ""
    return f"line {line}, column {column}: invalid TOML ({reason}){shown}"


def _key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Line numbers of TOML tables, array-table entries and keys: ("columns", 1) is the second
    ``[[columns]]``, ("columns", 1, "field") its ``field = …`` line."""
    lines: dict[tuple[str | int, ...], int] = {}
    entries: dict[str, int] = {}
    where: tuple[str | int, ...] = ()
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if entry := re.match(r"\[\[\s*([\w.-]+)\s*\]\]", stripped):
            entries[entry[1]] = entries.get(entry[1], -1) + 1
            where = (entry[1], entries[entry[1]])
            lines[where] = number
        elif table := re.match(r"\[\s*([\w.-]+)\s*\]", stripped):
            where = tuple(table[1].split("."))
            lines[where] = number
        elif key := re.match(r"([\w-]+)\s*=", stripped):
            lines.setdefault((*where, key[1]), number)
    return lines


def _issue(item: Any, data: Any, lines: dict[tuple[str | int, ...], int]) -> str:
    """One validation error as "line 9, columns entry 2 ('Zement'), key 'field': reason"."""
    path, where = _locate(item["loc"], data)
    line = next((lines[tuple(path[:n])] for n in range(len(path), 0, -1)
                 if tuple(path[:n]) in lines), None)
    return f"{'' if line is None else f'line {line}, '}{where}: {_reason(item)}"


def _locate(loc: Sequence[str | int], data: Any) -> tuple[list[str | int], str]:
    """The error's path in the data and its label ("columns entry 2 ('Zement'), key 'field'")."""
    path: list[str | int] = []
    labels: list[str] = []
    keys: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            label = f"{'.'.join(keys) or 'list'} entry {part + 1}"
            if isinstance(node, dict) and isinstance(node.get("source"), str):
                label += f" ('{node['source']}')"
            labels.append(label)
            keys = []
        elif isinstance(node, dict):  # other strings name the member type of a union
            keys.append(part)
            node = node.get(part)
        else:
            continue
        path.append(part)
    if keys:
        labels.append(f"key '{'.'.join(keys)}'")
    return path, ", ".join(labels) or "profile"


def _reason(item: Any) -> str:
    kind = item["type"]
    if kind == "missing":
        return "required key is missing"
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return "unknown key"
    reason = str(item["msg"]).removeprefix("Value error, ")
    value = item.get("input")
    if kind != "value_error" and not isinstance(value, dict | list):
        reason += f" (got {value!r})"
    return reason


def unit_label(unit: str | None) -> str:
    """The stored form of a unit string ("kg/m3" → "kg/m³"); "" for None."""
    return display_unit(parse_unit(unit)) if unit else ""
