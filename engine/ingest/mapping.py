"""Column mappings and import profiles: how a source table's columns become canonical fields.

A profile is saved as TOML (read with ``tomllib``, written by ``engine.toml_writer``) and can
be reused for every export of the same system.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
import zoneinfo
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from engine import toml_writer
from engine.schema import DatasetKind
from engine.units import display_unit, parse_unit

__all__ = [
    "FIELDS",
    "PREFIXES",
    "ColumnMapping",
    "ImportProfile",
    "ProfileDefaults",
    "ReaderOptions",
    "load_profile",
    "save_profile",
    "split_field",
]

# Fields a column can map to. Materials catalogues add material, material_kind,
# price_per_unit, currency, co2_per_unit, density and reference (where the figures come
# from); process logs may add quality.
FIELDS = frozenset({
    "recipe_id", "version", "name", "family", "batch_id", "plant", "line", "start_time",
    "end_time", "time", "tag", "value", "unit", "property", "test_age", "replicate",
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
        dayfirst: dates such as 03/04/2024 are 3 April.
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
    dayfirst: bool = False
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


def load_profile(path: Path) -> ImportProfile:
    """Read a profile saved by ``save_profile`` (TOML; a ``.json`` file is read as JSON).

    Raises:
        ValueError: not TOML/JSON, or not a valid profile (pydantic's ValidationError).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    return ImportProfile.model_validate(data)


def unit_label(unit: str | None) -> str:
    """The stored form of a unit string ("kg/m3" → "kg/m³"); "" for None."""
    return display_unit(parse_unit(unit)) if unit else ""
