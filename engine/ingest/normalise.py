"""Turning a source table and an import profile into canonical frames plus findings.

Every conversion runs on whole columns; each problem becomes a ``Finding`` naming the file,
the row a user sees, the source column and the reason. ``normalise`` never raises for bad
data: the importer rejects the file when ``errors`` is not empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from engine.errors import Finding, Severity, errors_in
from engine.ingest._cells import Cells
from engine.ingest._findings import FindingCollector
from engine.ingest._kinds_catalogue import batches, materials, recipes
from engine.ingest._kinds_lab import lab_results
from engine.ingest._kinds_samples import samples
from engine.ingest._kinds_series import process_series
from engine.ingest._mapped import Mapped
from engine.ingest.mapping import ImportProfile, split_field
from engine.ingest.reader import SourceTable
from engine.schema import DatasetKind

__all__ = ["KIND_FIELDS", "NormalisedImport", "normalise"]

_Handler = Callable[[Cells, Mapped], dict[str, pd.DataFrame]]
_HANDLERS: dict[DatasetKind, _Handler] = {
    DatasetKind.MATERIALS: materials,
    DatasetKind.RECIPES: recipes,
    DatasetKind.BATCHES: batches,
    DatasetKind.PROCESS_SERIES: process_series,
    DatasetKind.LAB_RESULTS: lab_results,
    DatasetKind.SAMPLES: samples,
}

# Fields (and prefixes, ending in ":") each kind uses; other mapped fields get a warning.
KIND_FIELDS: dict[DatasetKind, frozenset[str]] = {
    DatasetKind.MATERIALS: frozenset({"material", "name", "material_kind", "unit",
                                      "price_per_unit", "currency", "co2_per_unit", "density",
                                      "reference"}),
    DatasetKind.RECIPES: frozenset({"recipe_id", "version", "name", "family", "component:",
                                    "setting:"}),
    DatasetKind.BATCHES: frozenset({"batch_id", "recipe_id", "version", "plant", "line",
                                    "start_time", "end_time", "batch_volume", "component:",
                                    "setting:", "tag:"}),
    DatasetKind.PROCESS_SERIES: frozenset({"tag", "time", "value", "unit", "batch_id",
                                           "quality", "tag:"}),
    DatasetKind.LAB_RESULTS: frozenset({"batch_id", "sample_id", "property", "value", "unit",
                                        "test_age", "replicate", "property:"}),
    DatasetKind.SAMPLES: frozenset({"recipe_id", "version", "name", "family", "batch_id",
                                    "plant", "line", "sample_id", "component:", "setting:",
                                    "property:", "test_age"}),
}


@dataclass(frozen=True)
class NormalisedImport:
    """Canonical frames of one source table (without ``import_id``) and what was found.

    Attributes:
        kind: what the table held.
        frames: canonical frames by ``engine.schema.FRAME_COLUMNS`` name; values in canonical
            units, times in UTC, ``source_row`` the user's row number.
        findings: errors and warnings; any error means the import must be rejected.
        n_rows: data rows in the source table.
    """

    kind: DatasetKind
    frames: dict[str, pd.DataFrame]
    findings: tuple[Finding, ...]
    n_rows: int

    @property
    def errors(self) -> list[Finding]:
        """The findings that block the import."""
        return errors_in(self.findings)

    @property
    def ok(self) -> bool:
        """True when nothing blocks the import."""
        return not self.errors


def normalise(table: SourceTable, profile: ImportProfile, file_label: str) -> NormalisedImport:
    """Validate and convert a source table into canonical frames.

    Args:
        table: a table from a reader.
        profile: the kind and column mapping (e.g. from ``suggest_profile``).
        file_label: the file name used in findings.

    Returns:
        The frames and the findings; check ``.ok`` before storing anything.
    """
    findings = FindingCollector(file_label, table.row_numbers)
    cells = Cells(table, profile, findings)
    _check_columns(cells)
    mapped = Mapped(cells)
    _check_fields(cells, mapped)
    frames = _HANDLERS[profile.kind](cells, mapped)
    return NormalisedImport(kind=profile.kind, frames=frames, findings=findings.result(),
                            n_rows=len(table.frame))


def _check_columns(cells: Cells) -> None:
    columns = list(cells.frame.columns)
    header_row = cells.table.header_row
    mentioned = set()
    for mapping in cells.profile.columns:
        mentioned.add(mapping.source)
        if mapping.source in columns or mapping.field == "ignore":
            continue
        hint = ""
        if len(columns) == 1:
            chosen = cells.profile.reader_options.delimiter
            said = f"'{chosen}'" if chosen else "the detected one"
            hint = (f"; the file was read as a single column '{columns[0][:60]}': is the "
                    f"delimiter right? (used {said})")
        shown = ", ".join(f"'{c}'" for c in columns[:12]) + (" …" if len(columns) > 12 else "")
        cells.findings.add(header_row, mapping.source,
                           f"missing column: '{mapping.source}' is not in the file "
                           f"(columns found: {shown}){hint}")
    for column in columns:
        if column not in mentioned:
            cells.findings.add(header_row, column, "column not mapped; ignored",
                               Severity.WARNING)


def _check_fields(cells: Cells, mapped: Mapped) -> None:
    used = KIND_FIELDS[cells.profile.kind]
    for mapping in mapped.mappings:
        prefix, name = split_field(mapping.field)
        if (name is None and prefix in used) or (name is not None and f"{prefix}:" in used):
            continue
        cells.findings.add(cells.table.header_row, mapping.source,
                           f"{mapping.field} is not used in {cells.profile.kind.value}; "
                           "column ignored", Severity.WARNING)
