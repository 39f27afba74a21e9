"""Listing imports and removing one: everything it added goes, in one transaction.

An import (one file, one row of ``imports``) added recipes (with their components and
settings), batches (with weighed amounts), lab results, historian chunks and catalogue
materials, each row carrying its ``import_id``. Removing it deletes those rows; the checksum
goes with the ``imports`` row, so the same file can be imported again (with another profile).

Other imports can depend on what it added: their batches name its recipe versions, their
lab results or historian samples name its batches. Such a removal is refused and names each
dependent import and how many of its rows depend, unless the dependents are removed with it
(``with_dependents``; files, so the user can import them again). Trials recorded on its
batches are the user's own records, never removed here: they always refuse the removal.
Materials the removed imports set in the catalogue go when nothing left uses them; those
still used stay (credited to the earliest remaining import using them) with the figures the
removed catalogue gave them: the store keeps no earlier values to restore, and the removal
says so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, text

from engine.errors import FormixError

__all__ = [
    "Dependent",
    "ImportEntry",
    "ImportRemovalRefused",
    "RemovalPlan",
    "list_imports",
    "plan_removal",
    "remove_planned",
    "rows_text",
]

# What an import's rows are counted as (the names `formix info` uses).
COUNTED = ("materials", "recipes", "batches", "lab_results", "process_series")


@dataclass(frozen=True)
class ImportEntry:
    """One imported file: id, file, kind, time (µs UTC), rows read and rows it holds now."""

    import_id: int
    import_group: int
    kind: str
    file_name: str
    file_path: str
    imported_at_us: int
    n_rows: int
    counts: dict[str, int] = field(default_factory=dict)

    def holds(self) -> str:
        """What it holds now, in words: ``5 materials, 1 recipe`` (``nothing`` when empty)."""
        return rows_text(self.counts) or "nothing"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (time as ISO 8601 UTC)."""
        from engine.storage._timecodec import us_to_times

        stamp = us_to_times([self.imported_at_us])[0]
        return {**asdict(self), "imported_at": stamp.isoformat()}


@dataclass(frozen=True)
class Dependent:
    """Rows of another import that refer to what a removal takes away."""

    import_id: int
    file_name: str
    kind: str
    n_rows: int
    table: str  # what depends: "batches", "lab_results" or "process_series"

    def describe(self) -> str:
        """``import 2 (batches.csv): 12 batches name recipes it added``."""
        n = self.n_rows
        what = {
            "batches": (f"{_count(n, 'batches')} name{'s' if n == 1 else ''} "
                        f"{'a recipe' if n == 1 else 'recipes'} it added"),
            "lab_results": (f"{_count(n, 'lab_results')} name{'s' if n == 1 else ''} "
                            f"{'a batch' if n == 1 else 'batches'} it added"),
            "process_series": f"its historian samples name {_count(n, 'batches')} it added",
        }[self.table]
        return f"import {self.import_id} ({self.file_name}): {what}"


@dataclass(frozen=True)
class RemovalPlan:
    """What removing an import takes away, and what stands in its way.

    Attributes:
        import_id: the import asked for.
        imports: the imports removed (the one asked for first, then its dependents when
            ``with_dependents``).
        rows: rows removed per table (materials, recipes, recipe_components,
            recipe_settings, batches, batch_amounts, lab_results, process_series samples).
        materials_removed: catalogue materials removed (nothing left uses them).
        materials_kept: materials the removed imports set that other imports still use (all
            of them while an earlier catalogue import stays).
        dependents: other imports' rows that depend on the removed ones (refused unless
            removed too).
        trials: ``(trial_id, batch_id)`` of trials recorded on removed batches (refused).
        relinked: batches of other imports that name no recipe version and will link to
            an older version of their recipe (recipe id → version they will use).
        models: saved model versions trained while this data was in the project
            (``name vN``): they stay as saved, but no longer match the data.
        also_removed: when dependents refuse the removal, the imports ``with_dependents``
            would remove with it (all that depend on it, directly or not).
    """

    import_id: int
    imports: tuple[ImportEntry, ...]
    rows: dict[str, int]
    materials_removed: tuple[str, ...] = ()
    materials_kept: tuple[str, ...] = ()
    dependents: tuple[Dependent, ...] = ()
    trials: tuple[tuple[int, str], ...] = ()
    relinked: dict[str, int] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    also_removed: tuple[ImportEntry, ...] = ()

    @property
    def blocked(self) -> bool:
        """Whether the removal would be refused."""
        return bool(self.dependents or self.trials)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "import_id": self.import_id,
            "imports": [entry.to_dict() for entry in self.imports],
            "rows": self.rows,
            "materials_removed": list(self.materials_removed),
            "materials_kept": list(self.materials_kept),
            "dependents": [asdict(d) for d in self.dependents],
            "trials": [{"trial_id": i, "batch_id": b} for i, b in self.trials],
            "relinked": self.relinked,
            "models": list(self.models),
            "also_removed": [entry.to_dict() for entry in self.also_removed],
        }

    def summary(self) -> list[str]:
        """What the removal takes away (or took away), one line per point, for people."""
        lines = []
        for entry in self.imports:
            also = "" if entry.import_id == self.import_id else " (depends on it)"
            rows = rows_text({k: n for k, n in entry.counts.items() if k != "materials"})
            if not rows:
                rows = "catalogue entries only" if entry.kind == "materials" else "no rows"
            lines.append(f"import {entry.import_id}: {entry.file_name} ({entry.kind}), "
                         f"{rows}{also}")
        detail = {k: n for k, n in self.rows.items() if n and k not in COUNTED}
        if detail:
            lines.append(f"with {rows_text(detail)}")
        if self.materials_removed:
            lines.append(f"materials removed from the catalogue (nothing else uses them): "
                         f"{_names(self.materials_removed)}")
        if self.materials_kept:
            lines.append(f"materials kept (other imports use or list them): "
                         f"{_names(self.materials_kept)}")
            if any(entry.kind == "materials" for entry in self.imports):
                lines.append("their names, kinds, prices, CO₂ factors and densities stay as "
                             "the removed catalogue set them (the project keeps no earlier "
                             "values): remove the earlier catalogue import and import its file "
                             "again, or import a corrected catalogue")
        for recipe, version in sorted(self.relinked.items()):
            lines.append(f"batches that name no version of recipe {recipe} link to its "
                         f"version {version} afterwards")
        if self.models:
            lines.append(f"saved models trained while these data were in the project stay as "
                         f"they are and no longer match the data ({_names(self.models)}): "
                         "train again")
        return lines

    def refusal(self) -> str:
        """Why the removal is refused, naming each dependent and what to do."""
        lines = [f"import {self.import_id} cannot be removed: other data depend on it"]
        lines += [f"  {d.describe()}" for d in self.dependents]
        if self.trials:
            shown = ", ".join(f"{i} (batch {b})" for i, b in self.trials[:5])
            more = f" and {len(self.trials) - 5} more" if len(self.trials) > 5 else ""
            lines.append(f"  {len(self.trials)} trial(s) recorded on its batches: {shown}{more}")
        if self.dependents:
            shown = ", ".join(f"import {e.import_id} ({e.file_name})" for e in self.also_removed)
            lines.append(f"with --with-dependents these are removed too: {shown}; import "
                         "their files again afterwards")
        if self.trials:
            lines.append("trials are your own records and are never removed with an import: "
                         "remove them first (formix trials remove ID)")
        return "\n".join(lines)


class ImportRemovalRefused(FormixError):
    """Other data depend on the import; nothing was removed. ``plan`` tells what."""

    def __init__(self, plan: RemovalPlan) -> None:
        super().__init__(plan.refusal())
        self.plan = plan


def list_imports(connection: Connection) -> list[ImportEntry]:
    """Every import, oldest first, with the rows it holds now."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for name, query in (
        ("materials", "SELECT import_id, COUNT(*) FROM materials GROUP BY import_id"),
        ("recipes", "SELECT import_id, COUNT(*) FROM recipes GROUP BY import_id"),
        ("batches", "SELECT import_id, COUNT(*) FROM batches GROUP BY import_id"),
        ("lab_results", "SELECT import_id, COUNT(*) FROM lab_results GROUP BY import_id"),
        ("process_series",
         "SELECT import_id, SUM(n_samples) FROM process_chunks GROUP BY import_id"),
    ):
        for import_id, count in connection.exec_driver_sql(query).all():
            if import_id is not None and count:
                counts[int(import_id)][name] = int(count)
    rows = connection.exec_driver_sql(
        "SELECT id, import_group, kind, file_name, file_path, imported_at_us, n_rows "
        "FROM imports ORDER BY id").all()
    return [ImportEntry(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5]),
                        int(r[6]), {k: counts[int(r[0])].get(k, 0) for k in COUNTED})
            for r in rows]


def plan_removal(connection: Connection, import_id: int, *,
                 with_dependents: bool = False) -> RemovalPlan:
    """What removing ``import_id`` (and its dependents, when asked) takes away.

    Raises:
        FormixError: there is no such import.
    """
    entries = {entry.import_id: entry for entry in list_imports(connection)}
    if import_id not in entries:
        known = ", ".join(str(i) for i in entries) or "none"
        raise FormixError(f"no import {import_id} in this project (imports: {known}; "
                          "formix imports list shows them)")
    removed, closure = [import_id], [import_id]
    dependents = _dependents(connection, removed, entries)
    found = dependents
    while found:  # everything that depends on it, directly or through another import
        closure += sorted({d.import_id for d in found})
        found = _dependents(connection, closure, entries)
    if with_dependents:
        removed, dependents = closure, []
    materials_removed, materials_kept = _materials(connection, removed)
    return RemovalPlan(
        import_id=import_id,
        imports=tuple(entries[i] for i in removed),
        rows=_row_counts(connection, removed, len(materials_removed)),
        materials_removed=tuple(materials_removed),
        materials_kept=tuple(sorted(materials_kept)),
        dependents=tuple(dependents),
        trials=_trials(connection, removed),
        relinked=_relinked(connection, removed),
        # a catalogue's removal changes no modelling data: kinds and names of used materials stay
        models=() if all(entries[i].kind == "materials" for i in removed) else
        _models_since(connection, min(entries[i].imported_at_us for i in removed)),
        also_removed=tuple(entries[i] for i in closure[1:]) if dependents else (),
    )


def remove_planned(connection: Connection, plan: RemovalPlan) -> None:
    """Delete what ``plan`` names, in the caller's transaction (plan made in it, not blocked)."""
    if plan.blocked:
        raise ImportRemovalRefused(plan)
    ids = {"ids": [entry.import_id for entry in plan.imports]}
    for sql in (
        "DELETE FROM recipe_components WHERE recipe_pk IN "
        "(SELECT id FROM recipes WHERE import_id IN :ids)",
        "DELETE FROM recipe_settings WHERE recipe_pk IN "
        "(SELECT id FROM recipes WHERE import_id IN :ids)",
        "DELETE FROM batch_amounts WHERE batch_pk IN "
        "(SELECT id FROM batches WHERE import_id IN :ids)",
        "DELETE FROM lab_results WHERE import_id IN :ids",
        "DELETE FROM batches WHERE import_id IN :ids",
        "DELETE FROM recipes WHERE import_id IN :ids",
        "DELETE FROM process_chunks WHERE import_id IN :ids",
    ):
        connection.execute(_expanding(sql), ids)
    connection.exec_driver_sql(  # tags only the removed chunks used
        "DELETE FROM process_tags WHERE id NOT IN (SELECT DISTINCT tag_id FROM process_chunks)")
    if plan.materials_removed:
        connection.execute(_expanding("DELETE FROM materials WHERE material IN :m"),
                           {"m": list(plan.materials_removed)})
    removed = ids["ids"]
    for material in plan.materials_kept:
        connection.execute(text("UPDATE materials SET import_id = :i WHERE material = :m"),
                           {"i": _first_user(connection, material, removed), "m": material})
    connection.execute(_expanding("DELETE FROM imports WHERE id IN :ids"), ids)


# ---------------------------------------------------------------------- helpers
_NOUNS = {"materials": "material", "recipes": "recipe", "recipe_components": "recipe component",
          "recipe_settings": "recipe setting", "batches": "batch", "batch_amounts": "batch amount",
          "lab_results": "lab result", "process_series": "historian sample"}


def _count(n: int, table: str) -> str:
    """``1 batch``, ``12 batches``, ``3 historian samples``."""
    singular = _NOUNS.get(table, table.replace("_", " "))
    plural = "batches" if singular == "batch" else f"{singular}s"
    return f"{n:,} {singular if n == 1 else plural}"


def rows_text(counts: dict[str, int]) -> str:
    """``1 recipe, 12 batches``: the non-zero counts, in words."""
    return ", ".join(_count(n, k) for k, n in counts.items() if n)


def _names(names: tuple[str, ...], limit: int = 8) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _expanding(sql: str) -> Any:
    names = [name for name in ("ids", "m", "b") if f":{name}" in sql]
    return text(sql).bindparams(*(bindparam(name, expanding=True) for name in names))


def _dependents(connection: Connection, removed: list[int],
                entries: dict[int, ImportEntry]) -> list[Dependent]:
    """Rows of imports not in ``removed`` that refer to recipes or batches of ``removed``."""
    ids = {"ids": removed}
    found: dict[tuple[int, str], int] = defaultdict(int)
    # Batches naming a removed recipe version, or naming no version of a recipe that would
    # have no version left.
    rows = connection.execute(_expanding(
        "SELECT b.import_id, COUNT(*) FROM batches b WHERE b.import_id NOT IN :ids AND ("
        " (b.recipe_version IS NOT NULL AND EXISTS (SELECT 1 FROM recipes r WHERE "
        "  r.import_id IN :ids AND r.recipe_id = b.recipe_id AND r.version = b.recipe_version))"
        " OR (b.recipe_version IS NULL AND EXISTS (SELECT 1 FROM recipes r WHERE "
        "  r.import_id IN :ids AND r.recipe_id = b.recipe_id) AND NOT EXISTS (SELECT 1 FROM "
        "  recipes k WHERE COALESCE(k.import_id, -1) NOT IN :ids AND k.recipe_id = b.recipe_id))"
        ") GROUP BY b.import_id"), ids).all()
    for import_id, count in rows:
        found[(int(import_id), "batches")] += int(count)
    rows = connection.execute(_expanding(
        "SELECT l.import_id, COUNT(*) FROM lab_results l WHERE l.import_id NOT IN :ids AND "
        "l.batch_id IN (SELECT batch_id FROM batches WHERE import_id IN :ids) "
        "GROUP BY l.import_id"), ids).all()
    for import_id, count in rows:
        found[(int(import_id), "lab_results")] += int(count)
    removed_batches = {str(b) for (b,) in connection.execute(_expanding(
        "SELECT batch_id FROM batches WHERE import_id IN :ids"), ids).all()}
    if removed_batches:
        named: dict[int, set[str]] = defaultdict(set)
        for import_id, listed in connection.execute(_expanding(
                "SELECT import_id, batch_ids_json FROM process_chunks WHERE import_id NOT IN "
                ":ids AND batch_ids_json IS NOT NULL"), ids).all():
            named[int(import_id)] |= removed_batches.intersection(map(str, json.loads(listed)))
        for import_id, batches in named.items():
            if batches:
                found[(import_id, "process_series")] += len(batches)
    return [Dependent(i, entries[i].file_name, entries[i].kind, n, what)
            for (i, what), n in sorted(found.items())]


def _materials(connection: Connection, removed: list[int]) -> tuple[list[str], list[str]]:
    """Materials the removed imports set: (nothing else uses them, still used elsewhere)."""
    ids = {"ids": removed}
    own = [str(m) for (m,) in connection.execute(_expanding(
        "SELECT material FROM materials WHERE import_id IN :ids ORDER BY material"), ids).all()]
    used = {str(m) for (m,) in connection.execute(_expanding(
        "SELECT c.material FROM recipe_components c JOIN recipes r ON r.id = c.recipe_pk "
        "WHERE r.import_id IS NULL OR r.import_id NOT IN :ids UNION "
        "SELECT a.material FROM batch_amounts a JOIN batches b ON b.id = a.batch_pk "
        "WHERE b.import_id IS NULL OR b.import_id NOT IN :ids"), ids).all()}
    if _earlier_catalogue(connection, removed) is not None:
        # an earlier catalogue import may have listed them too (the store keeps one row per
        # material, credited to the latest import that set it): keep them, not lose them
        return [], own
    return [m for m in own if m not in used], [m for m in own if m in used]


def _earlier_catalogue(connection: Connection, removed: list[int]) -> int | None:
    """The latest catalogue import that stays (None if none does)."""
    return connection.execute(_expanding(
        "SELECT MAX(id) FROM imports WHERE kind = 'materials' AND id NOT IN :ids"),
        {"ids": removed}).scalar()


def _first_user(connection: Connection, material: str, removed: list[int]) -> int | None:
    """The earliest import whose recipes or batches use ``material``, else the latest
    catalogue import that stays (None if neither)."""
    user = connection.execute(text(
        "SELECT MIN(i) FROM (SELECT r.import_id AS i FROM recipe_components c JOIN recipes r "
        "ON r.id = c.recipe_pk WHERE c.material = :m UNION ALL SELECT b.import_id FROM "
        "batch_amounts a JOIN batches b ON b.id = a.batch_pk WHERE a.material = :m)"),
        {"m": material}).scalar()
    return user if user is not None else _earlier_catalogue(connection, removed)


def _row_counts(connection: Connection, removed: list[int], n_materials: int
                ) -> dict[str, int]:
    ids = {"ids": removed}
    queries = {
        "recipes": "SELECT COUNT(*) FROM recipes WHERE import_id IN :ids",
        "recipe_components": "SELECT COUNT(*) FROM recipe_components WHERE recipe_pk IN "
                             "(SELECT id FROM recipes WHERE import_id IN :ids)",
        "recipe_settings": "SELECT COUNT(*) FROM recipe_settings WHERE recipe_pk IN "
                           "(SELECT id FROM recipes WHERE import_id IN :ids)",
        "batches": "SELECT COUNT(*) FROM batches WHERE import_id IN :ids",
        "batch_amounts": "SELECT COUNT(*) FROM batch_amounts WHERE batch_pk IN "
                         "(SELECT id FROM batches WHERE import_id IN :ids)",
        "lab_results": "SELECT COUNT(*) FROM lab_results WHERE import_id IN :ids",
        "process_series": "SELECT COALESCE(SUM(n_samples), 0) FROM process_chunks "
                          "WHERE import_id IN :ids",
    }
    rows = {name: int(connection.execute(_expanding(sql), ids).scalar_one())
            for name, sql in queries.items()}
    return {"materials": n_materials, **rows}


def _trials(connection: Connection, removed: list[int]) -> tuple[tuple[int, str], ...]:
    rows = connection.execute(_expanding(
        "SELECT id, batch_id FROM trials WHERE batch_id IN "
        "(SELECT batch_id FROM batches WHERE import_id IN :ids) ORDER BY id"),
        {"ids": removed}).all()
    return tuple((int(i), str(b)) for i, b in rows)


def _relinked(connection: Connection, removed: list[int]) -> dict[str, int]:
    """Recipes whose latest version goes while older ones stay, named by version-less
    batches of other imports: recipe id → the version those batches will link to."""
    rows = connection.execute(_expanding(
        "SELECT b.recipe_id, MAX(k.version) FROM batches b JOIN recipes k "
        "ON k.recipe_id = b.recipe_id AND COALESCE(k.import_id, -1) NOT IN :ids "
        "WHERE COALESCE(b.import_id, -1) NOT IN :ids AND b.recipe_version IS NULL "
        "GROUP BY b.recipe_id HAVING MAX(k.version) < (SELECT MAX(r.version) FROM recipes r "
        "WHERE r.recipe_id = b.recipe_id)"), {"ids": removed}).all()
    return {str(recipe): int(version) for recipe, version in rows}


def _models_since(connection: Connection, since_us: int) -> tuple[str, ...]:
    rows = connection.execute(text(
        "SELECT name, version FROM model_versions WHERE created_at_us >= :t "
        "ORDER BY name, version"), {"t": since_us}).all()
    return tuple(f"{name} v{version}" for name, version in rows)
