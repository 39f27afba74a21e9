"""The profile's mappings indexed by field, with the checks on the mapping itself."""

from __future__ import annotations

from engine.ingest._cells import Cells
from engine.ingest.headers import property_code
from engine.ingest.mapping import ColumnMapping, split_field
from engine.materials import material_code


class Mapped:
    """Mappings by field; a field mapped twice is an error found at construction (a property
    at two test ages is two fields)."""

    def __init__(self, cells: Cells) -> None:
        self.cells = cells
        self.mappings = [m for m in cells.profile.columns
                         if m.field != "ignore" and m.source in cells.frame.columns]
        seen: dict[str, str] = {}
        for mapping in self.mappings:
            target = self.target(mapping)
            if target in seen:
                cells.findings.add(
                    cells.table.header_row, mapping.source,
                    f"columns '{seen[target]}' and '{mapping.source}' both map to "
                    f"{target}; map one of them to ignore",
                )
            else:
                seen[target] = mapping.source

    @staticmethod
    def target(mapping: ColumnMapping) -> str:
        """The field a mapping fills: component names as material codes, properties as
        property codes with the column's test age ("property:compressive_strength at 28 d")."""
        prefix, name = split_field(mapping.field)
        if prefix == "component" and name is not None:
            return f"component:{material_code(name)}"
        if prefix == "property" and name is not None:
            age = mapping.test_age_days
            return f"property:{property_code(name)}" + ("" if age is None else f" at {age:g} d")
        return mapping.field

    def one(self, field: str) -> ColumnMapping | None:
        """The mapping to a plain field, or None."""
        return next((m for m in self.mappings if m.field == field), None)

    def prefixed(self, prefix: str) -> list[ColumnMapping]:
        """The mappings of a prefix ("component", "setting", "property", "tag"), file order."""
        return [m for m in self.mappings if split_field(m.field)[0] == prefix
                and split_field(m.field)[1] is not None]

    def require(self, field: str, kind: str) -> ColumnMapping | None:
        """The mapping to a required field; an error at the header when there is none."""
        mapping = self.one(field)
        if mapping is None:
            self.cells.findings.add(
                self.cells.table.header_row, field,
                f"missing required column: no column is mapped to {field} (needed for {kind})",
            )
        return mapping

    def require_any(self, prefix: str, kind: str) -> list[ColumnMapping]:
        """At least one mapping of a prefix; an error at the header when there is none."""
        mappings = self.prefixed(prefix)
        if not mappings:
            self.cells.findings.add(
                self.cells.table.header_row, f"{prefix}:*",
                f"missing required column: no column is mapped to {prefix}:<name> "
                f"(needed for {kind})",
            )
        return mappings


def name_of(mapping: ColumnMapping) -> str:
    """The name after the prefix of a mapping's field ("component:Fly Ash" → "Fly Ash")."""
    return split_field(mapping.field)[1] or mapping.field
